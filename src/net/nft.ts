// Kernel edge: nf_tables over nfnetlink (NETLINK_NETFILTER) on the native shim: one batch
// (NFNL_MSG_BATCH_BEGIN ... END) at a time, every message asking for an ACK, a deadline per batch.
// The kernel applies a batch whole or not at all; the first error rejects it (with the index of the
// message the kernel refused). `NftFirewall` is the VipFirewall port on top: lvsd's own table
// (nft-ruleset.ts), replaced at start, elements added / removed, deleted at stop. lvsd never runs nft.
import { NativeSocket } from './socket.js';
import { inNetns } from './netns.js';
import { KernelError, NetError } from './errors.js';
import * as K from './constants.js';
import { encodeBatch, NETLINK_NETFILTER, type NftMsg } from './nft-codec.js';
import { createTable, deleteTable, vipElements, type FirewallOptions } from './nft-ruleset.js';
import { parseError, parseMessages } from './nlmsg.js';
import { parseSockaddrNl, sockaddrNl } from './sockaddr.js';
import { errnoName } from './rtnl.js';
import type { FirewallVip, VipFirewall } from './ports.js';

/** The kernel refused message `index` of a batch (the whole batch was not applied). */
export class NftKernelError extends KernelError {
  constructor(
    errno: string,
    op: string,
    readonly index: number,
    detail?: string,
  ) {
    super(errno, op, detail);
  }
}

export interface NftOptions {
  netns?: string;
  /** Deadline of one batch (default 2000 ms). */
  timeoutMs?: number;
}

interface Batch {
  first: number;
  msgs: readonly NftMsg[];
  acked: number;
  resolve: () => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export class NftSocket {
  private readonly sock: NativeSocket;
  private readonly pid: number;
  private seq = Math.floor(Math.random() * 0x3fffffff) + 1;
  private chain: Promise<void> = Promise.resolve();
  private current: Batch | undefined;
  private closed = false;
  private readonly timeoutMs: number;

  constructor(opts: NftOptions = {}) {
    this.timeoutMs = opts.timeoutMs ?? 2000;
    this.sock = inNetns(opts.netns, () => new NativeSocket(K.AF_NETLINK, K.SOCK_RAW, NETLINK_NETFILTER));
    try {
      this.sock.setRecvBuffer(1 << 18);
      this.sock.bind(sockaddrNl(0, 0));
      this.pid = parseSockaddrNl(this.sock.getsockname()).pid;
      this.sock.setInt(K.SOL_NETLINK, K.NETLINK_CAP_ACK, 1);
      this.sock.setInt(K.SOL_NETLINK, K.NETLINK_EXT_ACK, 1);
      this.sock.start({ message: (m) => this.onDatagram(m.data), error: (e) => this.fail(e) });
      this.sock.ref(false);
    } catch (e) {
      this.sock.close();
      throw e;
    }
  }

  ifindex(ifname: string): number {
    return this.sock.ifindex(ifname);
  }

  /** Sends one batch after the previous one settled; resolves when the kernel ACKed every message. */
  batch(msgs: readonly NftMsg[]): Promise<void> {
    const run = (): Promise<void> => this.send(msgs);
    const p = this.chain.then(run, run);
    this.chain = p.catch(() => undefined);
    return p;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.fail(new NetError('LVSD_NET_CLOSED', 'nftables socket closed'));
    this.sock.close();
  }

  private send(msgs: readonly NftMsg[]): Promise<void> {
    if (this.closed) return Promise.reject(new NetError('LVSD_NET_CLOSED', 'nftables socket is closed'));
    if (msgs.length === 0) return Promise.resolve();
    const first = this.seq;
    this.seq = (this.seq + msgs.length + 2) & 0x3fffffff || 1;
    return new Promise<void>((resolve, reject) => {
      const b: Batch = {
        first,
        msgs,
        acked: 0,
        resolve,
        reject,
        timer: setTimeout(() => this.settle(b, new NetError('LVSD_NET_TIMEOUT', `${msgs[0]!.what}: no answer from nf_tables within ${this.timeoutMs} ms`)), this.timeoutMs),
      };
      this.current = b;
      this.sock.ref(true);
      try {
        this.sock.send(encodeBatch(msgs, { seq: first, ack: true }), sockaddrNl(0, 0));
      } catch (e) {
        this.settle(b, e as Error);
      }
    });
  }

  private settle(b: Batch, err: Error | null): void {
    if (this.current !== b) return;
    this.current = undefined;
    clearTimeout(b.timer);
    if (!this.closed) this.sock.ref(false);
    if (err) b.reject(err);
    else b.resolve();
  }

  private fail(e: Error): void {
    if (this.current) this.settle(this.current, e);
  }

  private onDatagram(buf: Buffer): void {
    const b = this.current;
    if (!b) return;
    let msgs;
    try {
      msgs = parseMessages(buf);
    } catch {
      return;
    }
    for (const m of msgs) {
      if (m.type !== K.NLMSG_ERROR) continue;
      const e = parseError(m);
      // seq `first` is BATCH_BEGIN: the kernel refused the batch itself (no nf_tables: EOPNOTSUPP).
      const index = e.seq - b.first - 1;
      if (index < -1 || index >= b.msgs.length) continue; // a late reply to an earlier batch
      if (e.errno !== 0) {
        const what = index >= 0 ? b.msgs[index]!.what : 'nfnetlink batch';
        this.settle(b, new NftKernelError(errnoName(e.errno), what, index, e.message));
        return;
      }
      if (++b.acked === b.msgs.length) {
        this.settle(b, null);
        return;
      }
    }
  }
}

const isErrno = (e: unknown, name: string): boolean => e instanceof KernelError && e.errno === name;

/** The VipFirewall port on nf_tables: lvsd's table, named and tuned by `FirewallOptions`. */
export class NftFirewall implements VipFirewall {
  private sock: NftSocket | undefined;

  constructor(
    readonly options: FirewallOptions,
    private readonly opts: NftOptions = {},
  ) {}

  private socket(): NftSocket {
    this.sock ??= new NftSocket(this.opts);
    return this.sock;
  }

  private keys(vips: readonly FirewallVip[]): { address: string; ifindex: number }[] {
    const s = this.socket();
    // The interface index matters for link-local IPv6 VIPs only (their set is keyed address . interface).
    return vips.map((v) => ({ address: v.address, ifindex: v.address.toLowerCase().startsWith('fe8') ? s.ifindex(v.ifname) : 0 }));
  }

  async start(vips: readonly FirewallVip[]): Promise<void> {
    const s = this.socket();
    const create = [...createTable(this.options), ...vipElements('add', this.options, this.keys(vips))];
    try {
      // One batch: a stale table of an earlier run is replaced atomically.
      await s.batch([deleteTable(this.options), ...create]);
    } catch (e) {
      if (!(e instanceof NftKernelError && e.index === 0 && e.errno === 'ENOENT')) throw e;
      await s.batch(create);
    }
  }

  async add(vips: readonly FirewallVip[]): Promise<void> {
    await this.socket().batch(vipElements('add', this.options, this.keys(vips)));
  }

  async remove(vips: readonly FirewallVip[]): Promise<void> {
    const keys = this.keys(vips);
    try {
      await this.socket().batch(vipElements('delete', this.options, keys));
    } catch (e) {
      if (!isErrno(e, 'ENOENT')) throw e;
      // One of them was not there: the batch was refused whole; delete them one by one.
      for (const k of keys) {
        try {
          await this.socket().batch(vipElements('delete', this.options, [k]));
        } catch (e2) {
          if (!isErrno(e2, 'ENOENT')) throw e2;
        }
      }
    }
  }

  async stop(): Promise<void> {
    try {
      await this.socket().batch([deleteTable(this.options)]);
    } catch (e) {
      if (!isErrno(e, 'ENOENT')) throw e;
    }
  }

  close(): void {
    this.sock?.close();
    this.sock = undefined;
  }
}
