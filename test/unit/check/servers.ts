// Test support: real servers on 127.0.0.1 port 0 that misbehave on command, for the checker
// tests. HTTP is written by hand over raw sockets so every fault (slow headers, slow body,
// reset mid-response, silence, wrong status, bad TLS name) is exact and under test control.
import net from 'node:net';
import tls from 'node:tls';
import dgram from 'node:dgram';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface HttpBehaviour {
  status: number;
  body: string | Buffer;
  /** Wait this long after the request before sending anything. */
  headerDelayMs: number;
  /** Send headers, then wait this long before the body. */
  bodyDelayMs: number;
  /** Send headers and this many body bytes, then RST the connection. */
  resetAfterBytes?: number;
  /** Accept, read the request, never answer. */
  silent: boolean;
  /** Close the connection as soon as it is accepted. */
  closeAtAccept: boolean;
  /** Use chunked transfer encoding instead of Content-Length. */
  chunked: boolean;
}

const DEFAULT: HttpBehaviour = { status: 200, body: 'hello\n', headerDelayMs: 0, bodyDelayMs: 0, silent: false, closeAtAccept: false, chunked: false };

export interface SeenRequest {
  line: string;
  headers: Record<string, string>;
  servername?: string | false;
  remotePort?: number;
  localAddress?: string;
}

export interface TlsServerOptions {
  cert: Buffer;
  key: Buffer;
  /** Refuse the handshake unless the client sends this SNI name. */
  requireSni?: string;
}

/** An HTTP(S) server whose next responses follow `set()`. */
export class MisbehavingHttpServer {
  private b: HttpBehaviour = { ...DEFAULT };
  readonly requests: SeenRequest[] = [];
  connections = 0;
  /** Called for every accepted connection (before any behaviour applies). */
  onConnection?: (s: net.Socket) => void;
  private readonly sockets = new Set<net.Socket>();

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  static async start(tlsOpts?: TlsServerOptions): Promise<MisbehavingHttpServer> {
    let self: MisbehavingHttpServer | undefined;
    const onConn = (s: net.Socket): void => self?.handle(s);
    let server: net.Server;
    if (tlsOpts) {
      const ts = tls.createServer({ cert: tlsOpts.cert, key: tlsOpts.key }, onConn);
      if (tlsOpts.requireSni) {
        const want = tlsOpts.requireSni;
        ts.on('secureConnection', (s: tls.TLSSocket) => {
          if ((s as tls.TLSSocket & { servername?: string | false }).servername !== want) s.destroy();
        });
      }
      ts.on('tlsClientError', () => undefined);
      server = ts;
    } else server = net.createServer(onConn);
    await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
    self = new MisbehavingHttpServer(server, (server.address() as net.AddressInfo).port);
    return self;
  }

  set(b: Partial<HttpBehaviour>): void {
    this.b = { ...DEFAULT, ...b };
  }

  private handle(s: net.Socket): void {
    this.connections++;
    this.onConnection?.(s);
    this.sockets.add(s);
    s.on('close', () => this.sockets.delete(s));
    s.on('error', () => undefined);
    const b = this.b;
    if (b.closeAtAccept) {
      s.destroy();
      return;
    }
    let buf = '';
    s.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0 || s.listenerCount('data') === 0) return;
      s.removeAllListeners('data');
      s.on('data', () => undefined);
      const lines = buf.slice(0, end).split('\r\n');
      const headers: Record<string, string> = {};
      for (const l of lines.slice(1)) {
        const i = l.indexOf(':');
        if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
      }
      const seen: SeenRequest = { line: lines[0] ?? '', headers, remotePort: s.remotePort, localAddress: s.remoteAddress };
      if (s instanceof tls.TLSSocket) seen.servername = (s as tls.TLSSocket & { servername?: string | false }).servername;
      this.requests.push(seen);
      if (!b.silent) this.respond(s, b);
    });
  }

  private respond(s: net.Socket, b: HttpBehaviour): void {
    const body = Buffer.isBuffer(b.body) ? b.body : Buffer.from(b.body);
    const head =
      `HTTP/1.1 ${b.status} X\r\nContent-Type: text/plain\r\n` +
      (b.chunked ? 'Transfer-Encoding: chunked\r\n' : `Content-Length: ${body.length}\r\n`) +
      'Connection: close\r\n\r\n';
    const sendBody = (): void => {
      if (s.destroyed) return;
      if (b.resetAfterBytes !== undefined) {
        s.write(body.subarray(0, b.resetAfterBytes), () => setTimeout(() => s.resetAndDestroy(), 20));
        return;
      }
      if (b.chunked) s.end(Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from('\r\n0\r\n\r\n')]));
      else s.end(body);
    };
    setTimeout(() => {
      if (s.destroyed) return;
      s.write(head);
      if (b.bodyDelayMs) setTimeout(sendBody, b.bodyDelayMs);
      else sendBody();
    }, b.headerDelayMs);
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((res) => this.server.close(() => res()));
  }
}

/** A port on 127.0.0.1 that nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((res) => s.listen(0, '127.0.0.1', res));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((res) => s.close(() => res()));
  return port;
}

/** A self-signed certificate for `cn` (openssl), in a temporary folder removed at once. */
export function selfSigned(cn: string): { cert: Buffer; key: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), 'lvsd-check-tls-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'), '-days', '2', '-subj', `/CN=${cn}`, '-addext', `subjectAltName=DNS:${cn}`], { stdio: 'ignore' });
    return { cert: readFileSync(join(dir, 'c.pem')), key: readFileSync(join(dir, 'k.pem')) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A line-based SMTP server that answers with the codes it is told to. */
export class SmtpServer {
  banner = '220 mx.test ESMTP';
  helo = '250 mx.test';
  quit = '221 bye';
  /** Never send the banner. */
  silent = false;
  readonly received: string[] = [];
  private readonly sockets = new Set<net.Socket>();
  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  static async start(): Promise<SmtpServer> {
    let self: SmtpServer | undefined;
    const server = net.createServer((s) => self?.handle(s));
    await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
    self = new SmtpServer(server, (server.address() as net.AddressInfo).port);
    return self;
  }

  private handle(s: net.Socket): void {
    this.sockets.add(s);
    s.on('close', () => this.sockets.delete(s));
    s.on('error', () => undefined);
    if (this.silent) return;
    s.write(`${this.banner}\r\n`);
    let buf = '';
    s.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i).replace(/\r$/, '');
        buf = buf.slice(i + 1);
        this.received.push(line);
        if (/^HELO /i.test(line)) s.write(`${this.helo}\r\n`);
        else if (/^QUIT/i.test(line)) s.end(`${this.quit}\r\n`);
      }
    });
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((res) => this.server.close(() => res()));
  }
}

/** A UDP server answering each datagram as `reply(msg)` says (undefined: no answer). */
export class UdpServer {
  reply: (msg: Buffer) => Buffer | undefined = (m) => m;
  readonly received: Buffer[] = [];
  private constructor(
    private readonly sock: dgram.Socket,
    readonly port: number,
  ) {}

  static async start(type: 'udp4' | 'udp6' = 'udp4'): Promise<UdpServer> {
    const sock = dgram.createSocket(type);
    let self: UdpServer | undefined;
    sock.on('message', (m, rinfo) => {
      if (!self) return;
      self.received.push(m);
      const r = self.reply(m);
      if (r) sock.send(r, rinfo.port, rinfo.address);
    });
    await new Promise<void>((res) => sock.bind(0, type === 'udp4' ? '127.0.0.1' : '::1', res));
    self = new UdpServer(sock, sock.address().port);
    return self;
  }

  close(): Promise<void> {
    return new Promise((res) => this.sock.close(() => res()));
  }
}
