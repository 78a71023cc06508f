// OS edge: DNS_CHECK. One probe = one query over UDP (RFC 1035 §4.1), answered with the same ID,
// QR set and RCODE 0 before the deadline (keepalived check_dns.c: replies with another ID or
// without QR are ignored and the wait goes on; any RCODE but NOERROR fails).
import dgram from 'node:dgram';
import { randomInt } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { checkConnectionSupported, dialAddress, type ConnectionOptions } from './connect.js';
import { atDeadline } from './deadline.js';
import { fail, hostPort, ok, reasonOfErrno, type Checker, type Deadline, type ProbeResult } from './types.js';

/** RFC 1035 §3.2.2 / RFC 3596: the types keepalived's DNS_CHECK accepts. */
export const DNS_TYPE_CODES: Readonly<Record<string, number>> = { A: 1, NS: 2, CNAME: 5, SOA: 6, MX: 15, TXT: 16, AAAA: 28 };

/** A query as keepalived builds it: RD set, one question of class IN. */
export function encodeQuery(id: number, name: string, type: number): Buffer {
  const labels = name === '.' ? [] : name.replace(/\.$/, '').split('.');
  const qname = Buffer.concat([...labels.map((l) => Buffer.concat([Buffer.of(l.length), Buffer.from(l, 'ascii')])), Buffer.of(0)]);
  const h = Buffer.alloc(12);
  h.writeUInt16BE(id, 0);
  h.writeUInt16BE(0x0100, 2); // RD (RFC 1035 §4.1.1)
  h.writeUInt16BE(1, 4); // QDCOUNT
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(type, 0);
  tail.writeUInt16BE(1, 2); // class IN
  return Buffer.concat([h, qname, tail]);
}

/** `ignore`: not the answer to this query (keep waiting); otherwise the verdict. */
export function judgeReply(id: number, msg: Buffer): 'ignore' | { rcode: number } {
  if (msg.length < 12) return 'ignore';
  if (msg.readUInt16BE(0) !== id) return 'ignore';
  const flags = msg.readUInt16BE(2);
  if ((flags & 0x8000) === 0) return 'ignore'; // QR clear: a query, not a response
  return { rcode: flags & 0x000f };
}

export class DnsChecker implements Checker {
  readonly type = 'DNS_CHECK';
  readonly key: string;
  readonly target: string;
  private readonly qtype: number;

  constructor(
    private readonly conn: ConnectionOptions,
    readonly budgetMs: number,
    private readonly queryType: string,
    private readonly name: string,
  ) {
    checkConnectionSupported(this.type, conn);
    this.qtype = DNS_TYPE_CODES[queryType] ?? 6;
    this.target = `DNS_CHECK ${hostPort(conn.address, conn.port)} ${name} ${queryType}`;
    this.key = ['DNS_CHECK', conn.address, conn.port, conn.bindto ?? '', conn.bind_port ?? '', conn.bind_if ?? '', budgetMs, queryType, name].join('|');
  }

  probe(signal: AbortSignal, deadline: Deadline): Promise<ProbeResult> {
    const where = hostPort(this.conn.address, this.conn.port);
    return new Promise<ProbeResult>((resolve) => {
      if (signal.aborted) return resolve(fail('aborted', `DNS query to ${where} aborted`));
      const id = randomInt(0, 65536);
      const sock = dgram.createSocket(this.conn.address.includes(':') ? 'udp6' : 'udp4');
      const started = performance.now();
      let done = false;
      const finish = (r: ProbeResult): void => {
        if (done) return;
        done = true;
        cancel();
        signal.removeEventListener('abort', onAbort);
        try {
          sock.close();
        } catch {
          /* already closed */
        }
        resolve(r);
      };
      const onAbort = (): void => finish(fail('aborted', `DNS query to ${where} aborted`));
      signal.addEventListener('abort', onAbort, { once: true });
      const cancel = atDeadline(deadline, () => finish(fail('timeout', `DNS query ${this.name} ${this.queryType} to ${where}: no answer in ${(performance.now() - started).toFixed(0)} ms`)));
      sock.on('error', (e: NodeJS.ErrnoException) => finish(fail(reasonOfErrno(e.code), `DNS query to ${where}: ${e.code ?? e.message}`)));
      sock.on('message', (msg) => {
        const v = judgeReply(id, msg);
        if (v === 'ignore') return;
        if (v.rcode !== 0) finish(fail('protocol', `DNS query ${this.name} ${this.queryType} to ${where}: rcode ${v.rcode}`));
        else finish(ok(`DNS ${this.name} ${this.queryType} answered by ${where} in ${(performance.now() - started).toFixed(0)} ms`));
      });
      const bind = this.conn.bindto || this.conn.bind_port ? { address: this.conn.bindto, port: this.conn.bind_port ?? 0 } : { port: 0 };
      sock.bind(bind, () => {
        sock.connect(this.conn.port, dialAddress(this.conn), () => {
          if (done) return;
          sock.send(encodeQuery(id, this.name, this.qtype), (e) => {
            if (e) finish(fail(reasonOfErrno((e as NodeJS.ErrnoException).code), `DNS query to ${where}: ${e.message}`));
          });
        });
      });
    });
  }
}
