// OS edge: PING_CHECK. One probe = one ICMP echo request answered before the deadline
// (RFC 792 / RFC 4443 §4.1). Node has no ICMP socket, so a small Node-API addon
// (native/lvsd_probes.c) opens a Linux ping socket (SOCK_DGRAM, no privilege needed when the group is
// in net.ipv4.ping_group_range) or falls back to a raw ICMP socket. One socket per family and
// source address serves every PING_CHECK; replies are matched by sequence number and source.
// Spawning ping(8) per probe would cost a process per probe (PACKAGES.md).
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { canonicalAddress } from '../ipvs/addr.js';
import { checkConnectionSupported, type ConnectionOptions } from './connect.js';
import { atDeadline } from './deadline.js';
import { requireProbesAddon, type ProbesAddon } from './native.js';
import { CheckError, fail, ok, type Checker, type Deadline, type ProbeResult } from './types.js';

const ERRNO_REASON: Record<number, 'unreachable' | 'error' | 'bind'> = { 101: 'unreachable', 113: 'unreachable', 112: 'unreachable', 100: 'unreachable', 13: 'bind', 1: 'bind', 99: 'bind' };

/** One ICMP socket shared by the probes of a family and source address. */
class IcmpSocket {
  private readonly waiting = new Map<string, () => void>();
  private seq = Math.floor(Math.random() * 65536);
  private users = 0;
  readonly handle: unknown;
  readonly raw: boolean;

  constructor(
    private readonly a: ProbesAddon,
    readonly family: 4 | 6,
    source: string,
  ) {
    try {
      const o = a.open(family, source, (from, seq) => {
        const k = `${seq}|${from}`;
        const w = this.waiting.get(k);
        if (w) {
          this.waiting.delete(k);
          w();
        }
      });
      this.handle = o.handle;
      this.raw = o.raw;
    } catch (e) {
      throw new CheckError('LVSD_CHECK_RUNTIME', `PING_CHECK: ${(e as Error).message}`);
    }
  }

  acquire(): void {
    this.users++;
  }

  release(): boolean {
    return --this.users <= 0;
  }

  /** Sends one echo request; `onReply` runs when the matching reply arrives. Returns an errno or 0. */
  send(to: string, onReply: () => void): { seq: number; errno: number; cancel: () => void } {
    let seq = 0;
    let k = '';
    for (let i = 0; i < 65536; i++) {
      this.seq = (this.seq + 1) & 0xffff;
      seq = this.seq;
      k = `${seq}|${to}`;
      if (!this.waiting.has(k)) break;
    }
    this.waiting.set(k, onReply);
    const errno = this.a.send(this.handle, to, seq, randomBytes(16));
    if (errno) this.waiting.delete(k);
    return { seq, errno, cancel: () => this.waiting.delete(k) };
  }

  close(): void {
    this.a.close(this.handle);
  }
}

const sockets = new Map<string, IcmpSocket>();

export class PingChecker implements Checker {
  readonly type = 'PING_CHECK';
  readonly key: string;
  readonly target: string;
  private readonly family: 4 | 6;
  private readonly to: string;
  private sock?: IcmpSocket;

  constructor(
    private readonly conn: ConnectionOptions,
    readonly budgetMs: number,
  ) {
    checkConnectionSupported(this.type, { ...conn, bind_if: undefined });
    if (conn.bind_if) throw new CheckError('LVSD_CHECK_UNSUPPORTED', `PING_CHECK ${conn.address}: bind_if is not supported for ICMP`);
    this.family = conn.address.includes(':') ? 6 : 4;
    this.to = canonicalAddress(this.family === 6 ? 'ipv6' : 'ipv4', conn.address);
    this.target = `PING_CHECK ${conn.address}`;
    this.key = ['PING_CHECK', this.to, conn.bindto ?? '', budgetMs].join('|');
  }

  private socket(): IcmpSocket {
    if (this.sock) return this.sock;
    const k = `${this.family}|${this.conn.bindto ?? ''}`;
    let s = sockets.get(k);
    if (!s) {
      s = new IcmpSocket(requireProbesAddon('PING_CHECK'), this.family, this.conn.bindto ?? '');
      sockets.set(k, s);
    }
    s.acquire();
    this.sock = s;
    return s;
  }

  probe(signal: AbortSignal, deadline: Deadline): Promise<ProbeResult> {
    return new Promise<ProbeResult>((resolve) => {
      if (signal.aborted) return resolve(fail('aborted', `ping ${this.to} aborted`));
      let sock: IcmpSocket;
      try {
        sock = this.socket();
      } catch (e) {
        return resolve(fail('error', (e as Error).message));
      }
      const started = performance.now();
      let done = false;
      let cancel: (() => void) | undefined;
      const finish = (r: ProbeResult): void => {
        if (done) return;
        done = true;
        cancel?.();
        signal.removeEventListener('abort', onAbort);
        sent.cancel();
        resolve(r);
      };
      const onAbort = (): void => finish(fail('aborted', `ping ${this.to} aborted`));
      const sent = sock.send(this.to, () => finish(ok(`echo reply from ${this.to} in ${(performance.now() - started).toFixed(1)} ms`)));
      if (sent.errno) return finish(fail(ERRNO_REASON[sent.errno] ?? 'error', `ping ${this.to}: send failed, errno ${sent.errno}`));
      signal.addEventListener('abort', onAbort, { once: true });
      cancel = atDeadline(deadline, () => finish(fail('timeout', `ping ${this.to}: no echo reply in ${(performance.now() - started).toFixed(0)} ms`)));
    });
  }

  close(): void {
    const s = this.sock;
    this.sock = undefined;
    if (s && s.release()) {
      sockets.delete(`${this.family}|${this.conn.bindto ?? ''}`);
      s.close();
    }
  }
}
