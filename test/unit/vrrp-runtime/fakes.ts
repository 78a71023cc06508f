// Test support (in-memory fakes): a fake clock, a fake LAN of VRRP sockets, and recording fakes of the
// kernel ports (addresses, GARP/NA, links), the script runner and track files, for VRRP runtime tests.
import type { AddressManager, AddressSpec, Announcer, Family, LinkMonitor, LinkState, ReceivedPacket, VrrpProtocol, VrrpSocket, VrrpSocketFactory } from '../../../src/net/ports.js';
import { parseIpv4Header, splitAh } from '../../../src/vrrp/codec.js';
import type { Clock, FileAccess, RunScriptOptions, RunScriptResult, ScriptRunner, TimerHandle } from '../../../src/vrrp/runtime/ports.js';
import { canonicalAddr } from '../../../src/vrrp/addr.js';

interface FakeTimer {
  id: number;
  at: number;
  fn: () => void;
}

/** Let pending promise continuations run (several rounds: chains of awaits). */
export async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
}

export class FakeClock implements Clock {
  t = 0;
  private seq = 0;
  private timers: FakeTimer[] = [];

  now(): number {
    return this.t;
  }
  setTimer(fn: () => void, delayMs: number): TimerHandle {
    const h: FakeTimer = { id: ++this.seq, at: this.t + Math.max(0, delayMs), fn };
    this.timers.push(h);
    return h;
  }
  clearTimer(h: TimerHandle): void {
    this.timers = this.timers.filter((x) => x !== h);
  }
  pendingCount(): number {
    return this.timers.length;
  }
  /** Run every timer due up to now + ms, in time order, letting promises settle after each. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    await flush();
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at || a.id - b.id);
      const next = this.timers[0];
      if (!next || next.at > end) break;
      this.timers.shift();
      this.t = Math.max(this.t, next.at);
      next.fn();
      await flush();
    }
    this.t = end;
  }
}

export interface SentPacket {
  t: number;
  node: string;
  ifname: string;
  family: Family;
  src: string;
  dst: string;
  payload: Buffer;
}

/** One broadcast domain. Every node's socket of a family sees what the others send to its groups or address. */
export class FakeLan {
  readonly sent: SentPacket[] = [];
  readonly sockets: FakeSocket[] = [];
  /** Nodes whose traffic is dropped (both ways). */
  readonly cut = new Set<string>();
  delayMs = 0.2;
  ttl = 255;

  constructor(readonly clock: FakeClock) {}

  factory(node: string, addresses: string[], opts: { failOpen?: Error } = {}): VrrpSocketFactory & { opened: FakeSocket[] } {
    const opened: FakeSocket[] = [];
    return {
      opened,
      open: (ifname: string, family: Family, protocol?: VrrpProtocol): VrrpSocket => {
        if (opts.failOpen) throw opts.failOpen;
        const s = new FakeSocket(this, node, ifname, family, addresses.map(canonicalAddr), protocol ?? 112);
        this.sockets.push(s);
        opened.push(s);
        return s;
      },
    };
  }

  transmit(from: FakeSocket, dst: string, payload: Buffer, src: string): void {
    const pkt: SentPacket = { t: this.clock.now(), node: from.node, ifname: from.ifname, family: from.family, src, dst: canonicalAddr(dst), payload: Buffer.from(payload) };
    this.sent.push(pkt);
    if (this.cut.has(from.node)) return;
    for (const s of this.sockets) {
      // Like the kernel: a raw socket sees its own IP protocol only (112, or 51 for IPsec AH).
      if (s === from || s.closed || s.family !== from.family || s.protocol !== from.protocol || this.cut.has(s.node)) continue;
      if (!s.groups.has(pkt.dst) && !s.addresses.includes(pkt.dst)) continue;
      this.clock.setTimer(() => s.deliver(from.protocol === 51 ? ahPacket(s, pkt.payload) : { ifindex: 2, ifname: s.ifname, family: s.family, src: canonicalAddr(src), dst: pkt.dst, ttl: this.ttl, payload: pkt.payload }), this.delayMs);
    }
  }

  /** Inject a packet as if received by `node`'s socket on `ifname`. */
  inject(node: string, p: Omit<ReceivedPacket, 'ifindex' | 'ifname' | 'family'> & { ifname?: string; family?: Family }): void {
    const s = this.sockets.find((x) => x.node === node && !x.closed && (p.ifname === undefined || x.ifname === p.ifname) && (p.family === undefined || x.family === p.family));
    if (!s) throw new Error(`no open socket of ${node}`);
    s.deliver({ ifindex: 2, ifname: s.ifname, family: s.family, ...p });
  }

  sentBy(node: string): SentPacket[] {
    return this.sent.filter((p) => p.node === node);
  }
}

/** A whole IPv4 packet sent on a protocol 51 socket (IP_HDRINCL), as the receiving raw socket reports it. */
export function ahPacket(s: { ifname: string; family: Family }, whole: Buffer): ReceivedPacket {
  const ip = parseIpv4Header(whole);
  const { ah, vrrp } = splitAh(whole, ip.headerLength);
  return { ifindex: 2, ifname: s.ifname, family: s.family, src: ip.src, dst: ip.dst, ttl: ip.ttl, payload: vrrp as Buffer, ah: { ipHeader: whole.subarray(0, ip.headerLength), header: ah as Buffer } };
}

export class FakeSocket implements VrrpSocket {
  readonly groups = new Set<string>();
  closed = false;
  private packetCb: ((p: ReceivedPacket) => void) | undefined;
  errorCb: ((e: Error & { fatal?: boolean }) => void) | undefined;
  sendError: Error | undefined;

  constructor(
    private readonly lan: FakeLan,
    readonly node: string,
    readonly ifname: string,
    readonly family: Family,
    readonly addresses: string[],
    readonly protocol: VrrpProtocol = 112,
  ) {}

  join(group: string): void {
    this.groups.add(canonicalAddr(group));
  }
  leave(group: string): void {
    this.groups.delete(canonicalAddr(group));
  }
  send(dst: string, payload: Buffer, src?: string): void {
    if (this.closed) throw new Error('socket closed');
    if (this.sendError) throw this.sendError;
    this.lan.transmit(this, dst, payload, src ?? this.addresses[0]!);
  }
  onPacket(cb: (p: ReceivedPacket) => void): void {
    this.packetCb = cb;
  }
  onError(cb: (e: Error & { fatal?: boolean }) => void): void {
    this.errorCb = cb;
  }
  deliver(p: ReceivedPacket): void {
    if (!this.closed) this.packetCb?.(p);
  }
  close(): void {
    this.closed = true;
  }
}

export interface AddrOp {
  t: number;
  op: 'add' | 'remove';
  ifname: string;
  address: string;
  prefix: number;
  changed: boolean;
}

/** An interface table in memory; records every add/remove. `latencyMs` delays replies (netlink round trip). */
export class FakeAddresses implements AddressManager {
  readonly table = new Map<string, { address: string; prefix: number; label?: string }[]>();
  readonly ops: AddrOp[] = [];
  latencyMs = 0;
  /** A promise that holds every reply until resolved (a netlink socket that does not answer). */
  gate: Promise<void> | undefined;

  constructor(private readonly clock: FakeClock) {}

  private async wait(): Promise<void> {
    if (this.gate) await this.gate;
    if (this.latencyMs > 0) await new Promise<void>((r) => this.clock.setTimer(r, this.latencyMs));
  }
  has(ifname: string, address: string): boolean {
    return (this.table.get(ifname) ?? []).some((a) => a.address === address);
  }
  seed(ifname: string, address: string, prefix: number): void {
    this.table.set(ifname, [...(this.table.get(ifname) ?? []), { address, prefix }]);
  }
  async add(a: AddressSpec): Promise<boolean> {
    await this.wait();
    const list = this.table.get(a.ifname) ?? [];
    const changed = !list.some((x) => x.address === a.address && x.prefix === a.prefix);
    if (changed) this.table.set(a.ifname, [...list, { address: a.address, prefix: a.prefix }]);
    this.ops.push({ t: this.clock.now(), op: 'add', ifname: a.ifname, address: a.address, prefix: a.prefix, changed });
    return changed;
  }
  async remove(a: AddressSpec): Promise<boolean> {
    await this.wait();
    const list = this.table.get(a.ifname) ?? [];
    const changed = list.some((x) => x.address === a.address && x.prefix === a.prefix);
    this.table.set(a.ifname, list.filter((x) => !(x.address === a.address && x.prefix === a.prefix)));
    this.ops.push({ t: this.clock.now(), op: 'remove', ifname: a.ifname, address: a.address, prefix: a.prefix, changed });
    return changed;
  }
  async list(ifname: string): Promise<{ address: string; prefix: number }[]> {
    return [...(this.table.get(ifname) ?? [])];
  }
}

export class FakeAnnouncer implements Announcer {
  readonly sent: { t: number; kind: 'garp' | 'na'; ifname: string; address: string }[] = [];
  constructor(private readonly clock: FakeClock) {}
  garp(ifname: string, address: string): void {
    this.sent.push({ t: this.clock.now(), kind: 'garp', ifname, address });
  }
  unsolicitedNa(ifname: string, address: string): void {
    this.sent.push({ t: this.clock.now(), kind: 'na', ifname, address });
  }
}

export class FakeLinks implements LinkMonitor {
  readonly links = new Map<string, LinkState>();
  private cbs: ((s: LinkState) => void)[] = [];
  constructor(names: string[] = ['eth0']) {
    names.forEach((n, i) => this.links.set(n, { ifname: n, ifindex: i + 2, up: true }));
  }
  get(ifname: string): LinkState | undefined {
    return this.links.get(ifname);
  }
  onChange(cb: (s: LinkState) => void): void {
    this.cbs.push(cb);
  }
  set(ifname: string, up: boolean): void {
    const s = { ...(this.links.get(ifname) ?? { ifname, ifindex: 99 }), up };
    this.links.set(ifname, s);
    for (const cb of this.cbs) cb(s);
  }
  close(): void {
    this.cbs = [];
  }
}

export interface ScriptCall {
  t: number;
  opts: RunScriptOptions;
}

/**
 * A script runner: `behaviour(argv)` says what a run does: an exit code after `ms` (on the fake clock),
 * or 'hang' (never exits; the timeout ends it, as the real runner kills the process group).
 */
export class FakeRunner {
  readonly calls: ScriptCall[] = [];
  behaviour: (argv: string[]) => { exitCode: number; ms?: number } | 'hang' = () => ({ exitCode: 0 });
  constructor(private readonly clock: FakeClock) {}

  readonly run: ScriptRunner = (opts) => {
    this.calls.push({ t: this.clock.now(), opts });
    const b = this.behaviour(opts.argv ?? []);
    const t0 = this.clock.now();
    return new Promise<RunScriptResult>((resolve) => {
      const done = (r: Omit<RunScriptResult, 'durationMs' | 'output'>): void => resolve({ ...r, durationMs: this.clock.now() - t0, output: '' });
      const deadline = this.clock.setTimer(() => done({ exitCode: null, signal: 'SIGKILL', timedOut: true }), opts.timeoutMs);
      opts.signal?.addEventListener('abort', () => {
        this.clock.clearTimer(deadline);
        done({ exitCode: null, signal: 'SIGKILL', timedOut: false });
      });
      if (b === 'hang') return;
      this.clock.setTimer(() => {
        this.clock.clearTimer(deadline);
        done({ exitCode: b.exitCode, signal: null, timedOut: false });
      }, b.ms ?? 1);
    });
  };

  argvs(): string[][] {
    return this.calls.map((c) => c.opts.argv ?? []);
  }
}

export class FakeFiles implements FileAccess {
  readonly files = new Map<string, string>();
  read(path: string): string | undefined {
    return this.files.get(path);
  }
  write(path: string, text: string): void {
    this.files.set(path, text);
  }
}
