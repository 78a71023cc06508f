// Kernel edge: an rtnetlink socket (NETLINK_ROUTE) over the native shim, with sequence
// numbers, a deadline on every request, a bounded number of requests in flight, and receive
// overflows (ENOBUFS) turned into typed errors and a `lost` signal, never a crash.
//
// Why not the `netlink` package's socket (PACKAGES.md): its native poll handler builds an
// exception with a NULL syscall name when the socket reports an error, which aborts the whole
// process; a netlink ENOBUFS (receive-buffer overflow) is such an error. Here the shim reads
// the pending error with SO_ERROR and hands it to JS. The package's rtnetlink structs are
// still used to encode and decode message bodies (addresses.ts, links.ts).
//
// Flow control: rtnetlink answers a request synchronously inside sendmsg(), so each request in
// flight may hold one reply (an ACK, an error, or one dump chunk; the kernel paces dumps to the
// reader) in the receive buffer. `maxInFlight` x a few KiB stays well below the buffer we ask
// for (1 MiB by default, SO_RCVBUFFORCE). Should the buffer overflow anyway, the replies still
// queued are read first, then every request whose reply may have been lost fails with
// LVSD_NET_RESYNC and `lost` listeners (event subscribers) are told to read the state again.
import { getSystemErrorName } from 'node:util';
import { NativeSocket } from './socket.js';
import { inNetns } from './netns.js';
import { KernelError, NetError } from './errors.js';
import * as K from './constants.js';
import { frameMessage, parseError, parseMessages, type NlMsg } from './nlmsg.js';
import { parseSockaddrNl, sockaddrNl } from './sockaddr.js';

export interface RtnlOptions {
  /** Open the socket in this network namespace (iproute2 name or path). */
  netns?: string;
  /** Deadline of each request, queueing included (default 2000 ms). */
  timeoutMs?: number;
  /** Requests sent and not yet answered (default 32). */
  maxInFlight?: number;
  /** Requests waiting for a slot before new ones are refused with LVSD_NET_BUSY (default 10000). */
  maxQueued?: number;
  /** Receive buffer asked for (default 1 MiB). */
  recvBuffer?: number;
  /** rtnetlink multicast groups (RTNLGRP_*) to receive events from. */
  groups?: number[];
}

/** NLM_F_DUMP_INTR: the dump changed while it was read (<linux/netlink.h>). */
const NLM_F_DUMP_INTR = 0x10;

interface Request {
  seq: number;
  frame: Buffer;
  what: string;
  msgs: NlMsg[];
  interrupted: boolean;
  sent: boolean;
  resolve: (msgs: NlMsg[]) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export class RtnlSocket {
  readonly pid: number;
  /** What the kernel granted for the receive buffer (bytes). */
  readonly recvBuffer: number;
  private readonly sock: NativeSocket;
  private seq = Math.floor(Math.random() * 0x7fffffff) + 1;
  private readonly pending = new Map<number, Request>();
  private readonly queue: Request[] = [];
  private inflight = 0;
  private closed = false;
  private readonly eventCbs: ((m: NlMsg) => void)[] = [];
  private readonly lostCbs: ((e: Error) => void)[] = [];
  private readonly timeoutMs: number;
  private readonly maxInFlight: number;
  private readonly maxQueued: number;
  readonly counters = { requests: 0, timeouts: 0, overruns: 0, events: 0, undecodable: 0, peakInFlight: 0 };

  constructor(opts: RtnlOptions = {}) {
    this.timeoutMs = opts.timeoutMs ?? 2000;
    this.maxInFlight = Math.max(1, opts.maxInFlight ?? 32);
    this.maxQueued = opts.maxQueued ?? 10_000;
    this.sock = inNetns(opts.netns, () => new NativeSocket(K.AF_NETLINK, K.SOCK_RAW, K.NETLINK_ROUTE));
    try {
      this.recvBuffer = this.sock.setRecvBuffer(opts.recvBuffer ?? 1 << 20);
      this.sock.bind(sockaddrNl(0, 0));
      this.pid = parseSockaddrNl(this.sock.getsockname()).pid;
      this.sock.setInt(K.SOL_NETLINK, K.NETLINK_CAP_ACK, 1);
      this.sock.setInt(K.SOL_NETLINK, K.NETLINK_EXT_ACK, 1);
      for (const g of opts.groups ?? []) this.sock.setInt(K.SOL_NETLINK, K.NETLINK_ADD_MEMBERSHIP, g);
      this.sock.start({ message: (m) => this.onDatagram(m.data), error: (e) => this.onSocketError(e) });
      if ((opts.groups ?? []).length === 0) this.sock.ref(false);
    } catch (e) {
      this.sock.close();
      throw e;
    }
  }

  /** Interface index of `ifname` in this socket's namespace (ioctl on the netlink socket). */
  ifindex(ifname: string): number {
    return this.sock.ifindex(ifname);
  }

  /** Multicast messages (events) from the joined groups. */
  onEvent(cb: (m: NlMsg) => void): void {
    this.eventCbs.push(cb);
  }

  /** The receive buffer overflowed: events (and maybe replies) were lost. Read the state again. */
  onLost(cb: (e: Error) => void): void {
    this.lostCbs.push(cb);
  }

  /** Requests sent or waiting. */
  get outstanding(): number {
    return this.pending.size;
  }

  /** Requests sent and not yet answered. */
  get inFlight(): number {
    return this.inflight;
  }

  /**
   * Sends one request (NLM_F_REQUEST | NLM_F_ACK added) and resolves with its reply messages
   * (none for a bare ACK). Rejects with KernelError for an NLMSG_ERROR, LVSD_NET_TIMEOUT at
   * the deadline, LVSD_NET_RESYNC if the reply was lost, LVSD_NET_BUSY when the queue is full.
   */
  request(type: number, flags: number, body: Uint8Array, what: string): Promise<NlMsg[]> {
    if (this.closed) return Promise.reject(new NetError('LVSD_NET_CLOSED', `${what}: rtnetlink socket is closed`));
    if (this.queue.length >= this.maxQueued) {
      return Promise.reject(new NetError('LVSD_NET_BUSY', `${what}: ${this.queue.length} rtnetlink requests already waiting`));
    }
    return new Promise((resolve, reject) => {
      const seq = this.nextSeq();
      const req: Request = {
        seq,
        frame: frameMessage(type, flags | K.NLM_F_REQUEST | K.NLM_F_ACK, seq, this.pid, body),
        what,
        msgs: [],
        interrupted: false,
        sent: false,
        resolve,
        reject,
        timer: setTimeout(() => this.expire(req), this.timeoutMs),
      };
      this.counters.requests++;
      this.pending.set(seq, req);
      if (this.inflight < this.maxInFlight) this.transmit(req);
      else this.queue.push(req);
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    const err = new NetError('LVSD_NET_CLOSED', 'rtnetlink socket closed');
    for (const r of [...this.pending.values()]) this.finish(r, err);
    this.sock.close();
  }

  private nextSeq(): number {
    do this.seq = this.seq >= 0xfffffff0 ? 1 : this.seq + 1;
    while (this.pending.has(this.seq));
    return this.seq;
  }

  private transmit(req: Request): void {
    req.sent = true;
    this.inflight++;
    if (this.inflight > this.counters.peakInFlight) this.counters.peakInFlight = this.inflight;
    this.sock.ref(true);
    try {
      this.sock.send(req.frame, sockaddrNl(0, 0));
    } catch (e) {
      this.finish(req, e as Error);
    }
  }

  /** Settles a request once; frees its slot and lets the next queued one go. */
  private finish(req: Request, err: Error | null): void {
    if (this.pending.get(req.seq) !== req) return;
    this.pending.delete(req.seq);
    clearTimeout(req.timer);
    if (req.sent) this.inflight--;
    else this.queue.splice(this.queue.indexOf(req), 1);
    if (err) req.reject(err);
    else req.resolve(req.msgs);
    while (!this.closed && this.inflight < this.maxInFlight && this.queue.length > 0) this.transmit(this.queue.shift()!);
    if (this.pending.size === 0 && this.eventCbs.length === 0 && !this.closed) this.sock.ref(false);
  }

  private expire(req: Request): void {
    this.counters.timeouts++;
    this.finish(req, new NetError('LVSD_NET_TIMEOUT', `${req.what}: no answer from rtnetlink within ${this.timeoutMs} ms`));
  }

  private onDatagram(buf: Buffer): void {
    let msgs: NlMsg[];
    try {
      msgs = parseMessages(buf);
    } catch {
      this.counters.undecodable++;
      return;
    }
    for (const m of msgs) this.onMessage(m);
  }

  private onMessage(m: NlMsg): void {
    const req = m.pid === this.pid ? this.pending.get(m.seq) : undefined;
    if (m.type === K.NLMSG_OVERRUN) {
      this.onSocketError(new NetError('LVSD_NET_RESYNC', 'NLMSG_OVERRUN'));
      return;
    }
    if (!req) {
      if (m.seq === 0 || m.pid !== this.pid) {
        this.counters.events++;
        for (const cb of this.eventCbs) cb(m);
      }
      return; // else: a late reply to a request that already timed out
    }
    if (m.flags & NLM_F_DUMP_INTR) req.interrupted = true;
    if (m.type === K.NLMSG_ERROR) {
      let e;
      try {
        e = parseError(m);
      } catch (err) {
        this.finish(req, err as Error);
        return;
      }
      if (e.errno === 0) this.finish(req, null);
      else this.finish(req, new KernelError(errnoName(e.errno), req.what, e.message));
      return;
    }
    if (m.type === K.NLMSG_DONE) {
      if (req.interrupted) this.finish(req, new NetError('LVSD_NET_RESYNC', `${req.what}: the dump changed while it was read (NLM_F_DUMP_INTR)`));
      else this.finish(req, null);
      return;
    }
    req.msgs.push(m);
    req.timer.refresh(); // a dump's deadline is a silent stretch, not its whole length
  }

  private onSocketError(e: Error & { fatal?: boolean }): void {
    this.counters.overruns++;
    // Replies already queued are read right after this (same wake-up); what is still pending
    // then lost its reply.
    const sent = [...this.pending.values()].filter((r) => r.sent);
    setImmediate(() => {
      for (const r of sent) this.finish(r, new NetError('LVSD_NET_RESYNC', `${r.what}: reply lost (${(e as { code?: string }).code ?? e.message})`, { cause: e }));
    });
    for (const cb of this.lostCbs) cb(e);
  }
}

export function errnoName(errno: number): string {
  try {
    return getSystemErrorName(-errno);
  } catch {
    return `errno ${errno}`;
  }
}
