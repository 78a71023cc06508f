// Checker I/O (edge): one UDP request and its reply, bounded by the probe's deadline and abort
// signal: the part DNS_CHECK and UDP_CHECK share. The caller judges the reply and the silence.
import dgram from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { dialAddress, type ConnectionOptions } from './connect.js';
import { atDeadline } from './deadline.js';
import { fail, hostPort, reasonOfErrno, type Deadline, type ProbeResult } from './types.js';

export interface UdpExchange {
  conn: ConnectionOptions;
  signal: AbortSignal;
  deadline: Deadline;
  /** How messages name the exchange, e.g. "DNS query" or "UDP". */
  label: string;
  payload: () => Buffer;
  /** A verdict for a reply, or undefined to keep waiting (e.g. a DNS answer with another id). */
  onReply: (msg: Buffer, elapsedMs: number) => ProbeResult | undefined;
  /** The verdict when the deadline passes with no verdict yet. */
  onSilence: (elapsedMs: number) => ProbeResult;
}

export function udpExchange(x: UdpExchange): Promise<ProbeResult> {
  const where = hostPort(x.conn.address, x.conn.port);
  return new Promise<ProbeResult>((resolve) => {
    if (x.signal.aborted) return resolve(fail('aborted', `${x.label} to ${where} aborted`));
    const sock = dgram.createSocket(x.conn.address.includes(':') ? 'udp6' : 'udp4');
    const started = performance.now();
    const elapsed = (): number => performance.now() - started;
    let done = false;
    const finish = (r: ProbeResult): void => {
      if (done) return;
      done = true;
      cancel();
      x.signal.removeEventListener('abort', onAbort);
      try {
        sock.close();
      } catch {
        /* already closed */
      }
      resolve(r);
    };
    const onAbort = (): void => finish(fail('aborted', `${x.label} to ${where} aborted`));
    x.signal.addEventListener('abort', onAbort, { once: true });
    const cancel = atDeadline(x.deadline, () => finish(x.onSilence(elapsed())));
    sock.on('error', (e: NodeJS.ErrnoException) => finish(fail(reasonOfErrno(e.code), `${x.label} to ${where}: ${e.code ?? e.message}`)));
    sock.on('message', (msg) => {
      const v = x.onReply(msg, elapsed());
      if (v) finish(v);
    });
    const bind = x.conn.bindto || x.conn.bind_port ? { address: x.conn.bindto, port: x.conn.bind_port ?? 0 } : { port: 0 };
    sock.bind(bind, () => {
      sock.connect(x.conn.port, dialAddress(x.conn), () => {
        if (done) return;
        sock.send(x.payload(), (e) => {
          if (e) finish(fail(reasonOfErrno((e as NodeJS.ErrnoException).code), `${x.label} to ${where}: ${e.message}`));
        });
      });
    });
  });
}
