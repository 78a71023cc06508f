// OS edge: opens the TCP (or TLS) connection of a network checker with keepalived's connection
// options (connect_ip/port, bindto, bind_port, bind_if for IPv6 link-local), bounded by the
// probe's deadline and AbortSignal. One fresh connection per probe, as keepalived makes.
import net from 'node:net';
import tls from 'node:tls';
import { atDeadline } from './deadline.js';
import { CheckError, fail, hostPort, reasonOfErrno, type Deadline, type ProbeResult } from './types.js';

export interface ConnectionOptions {
  address: string;
  port: number;
  bindto?: string;
  bind_port?: number;
  bind_if?: string;
  fwmark?: number;
}

export interface TlsOptions {
  /** SNI server name; none when undefined. */
  servername?: string;
  /** Verify the server certificate (only when a CA is configured). */
  verify: boolean;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  passphrase?: string;
}

/**
 * Options lvsd cannot honour with Node's sockets are refused when the checker is built, so a
 * configuration never silently probes differently from what it says.
 */
export function checkConnectionSupported(type: string, c: ConnectionOptions): void {
  if (c.fwmark !== undefined && c.fwmark !== 0)
    throw new CheckError('LVSD_CHECK_UNSUPPORTED', `${type} ${hostPort(c.address, c.port)}: fwmark needs SO_MARK, which lvsd's checkers cannot set; remove it`);
  if (c.bind_if && !isLinkLocal6(c.address) && !(c.bindto && isLinkLocal6(c.bindto)))
    throw new CheckError('LVSD_CHECK_UNSUPPORTED', `${type} ${hostPort(c.address, c.port)}: bind_if is only supported for IPv6 link-local addresses (as a scope); remove it or use bindto`);
}

export function isLinkLocal6(a: string): boolean {
  return /^fe[89ab][0-9a-f]?:/i.test(a);
}

/** The address to dial: an IPv6 link-local address gets bind_if as its scope (fe80::1%eth0). */
export function dialAddress(c: ConnectionOptions): string {
  return c.bind_if && isLinkLocal6(c.address) && !c.address.includes('%') ? `${c.address}%${c.bind_if}` : c.address;
}

export function socketOptions(c: ConnectionOptions): net.TcpNetConnectOpts {
  const o: net.TcpNetConnectOpts = { host: dialAddress(c), port: c.port };
  if (c.bindto) o.localAddress = c.bind_if && isLinkLocal6(c.bindto) && !c.bindto.includes('%') ? `${c.bindto}%${c.bind_if}` : c.bindto;
  if (c.bind_port) {
    o.localPort = c.bind_port;
    // A source port without a source address binds the wildcard of the destination's family.
    o.localAddress ??= c.address.includes(':') ? '::' : '0.0.0.0';
  }
  return o;
}

export type Opened = { socket: net.Socket } | { result: ProbeResult };

/**
 * Connects (and for TLS, completes the handshake) before `deadline`. Resolves with the open
 * socket, or with the failure as a probe result; never rejects. The caller owns the socket.
 */
export function openConnection(c: ConnectionOptions, deadline: Deadline, signal: AbortSignal, tlsOpts?: TlsOptions): Promise<Opened> {
  return new Promise<Opened>((resolve) => {
    if (signal.aborted) return resolve({ result: fail('aborted', 'aborted before connect') });
    const where = hostPort(c.address, c.port);
    let done = false;
    let sock: net.Socket;
    let cancel = (): void => undefined;
    const finish = (o: Opened): void => {
      if (done) return;
      done = true;
      cancel();
      signal.removeEventListener('abort', onAbort);
      sock.removeListener('error', onError);
      if ('result' in o) sock.destroy();
      resolve(o);
    };
    const onError = (e: NodeJS.ErrnoException): void => {
      const tlsFailure = tlsOpts !== undefined && isTlsError(e);
      finish({ result: fail(tlsFailure ? 'tls' : reasonOfErrno(e.code), `${tlsFailure ? 'TLS' : 'connect'} to ${where}: ${e.code ?? e.message}${tlsFailure ? ` (${e.message})` : ''}`) });
    };
    const onAbort = (): void => finish({ result: fail('aborted', `connect to ${where} aborted`) });
    const o = socketOptions(c);
    try {
      if (tlsOpts) {
        const t: tls.ConnectionOptions = { ...o, rejectUnauthorized: tlsOpts.verify, ALPNProtocols: ['http/1.1'] };
        if (tlsOpts.servername) t.servername = tlsOpts.servername;
        if (tlsOpts.ca) t.ca = tlsOpts.ca;
        if (tlsOpts.cert) t.cert = tlsOpts.cert;
        if (tlsOpts.key) t.key = tlsOpts.key;
        if (tlsOpts.passphrase) t.passphrase = tlsOpts.passphrase;
        sock = tls.connect(t);
        sock.once('secureConnect', () => finish({ socket: sock }));
      } else {
        sock = net.connect(o);
        sock.once('connect', () => finish({ socket: sock }));
      }
    } catch (e) {
      // Synchronous failures: an invalid local address, say.
      return resolve({ result: fail('bind', `connect to ${where}: ${(e as Error).message}`) });
    }
    sock.on('error', onError);
    signal.addEventListener('abort', onAbort, { once: true });
    // A hard deadline: neither net's connect nor AbortSignal bound a connect in progress.
    cancel = atDeadline(deadline, () => {
      finish({ result: fail('timeout', `${tlsOpts && sock.readyState === 'open' ? 'TLS handshake' : 'connect'} to ${where}: no answer before the deadline`) });
    });
  });
}

export function isTlsError(e: NodeJS.ErrnoException): boolean {
  const code = e.code ?? '';
  return code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS') || /CERT|SELF_SIGNED|UNABLE_TO|HOSTNAME|ALERT/.test(code) || e.message.includes('alert');
}
