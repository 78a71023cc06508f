// Kernel edge: one generic netlink socket (the `netlink` package's raw socket) with sequence
// numbers, deadlines, bounded writes and resynchronisation.
//
// Flow control (PACKAGES.md): a netlink receive-buffer overflow (ENOBUFS) aborts the process
// from the package's native code, so a channel never lets the kernel queue more replies than
// its receive buffer holds. Writes go out in chunks, one datagram each: only the last message
// of a chunk asks for an ACK (the kernel reports failures of the others anyway, in order, before
// that ACK), and the messages in flight are bounded by `window`, derived from the receive buffer
// the kernel granted (REPLY_COST bytes per possible reply, an error echoing its request
// included). The caller runs dumps alone: the kernel paces a dump to its reader, but refuses to
// start one into a full buffer. Every request has a deadline; when one passes or the socket
// fails, everything pending fails with a typed error, the socket is replaced, and the caller
// reads the table again.
import { RawNetlinkSocket } from 'netlink';
import * as C from './constants.js';
import { IpvsError, IpvsKernelError, IpvsResyncError, IpvsTimeoutError } from './errors.js';
import { NlWriter, parseNlError, parseNlMessages, type NlMessage } from './netlink.js';

/** Bytes of receive buffer one reply may take (skb truesize of an error that echoes the request). */
export const REPLY_COST = 2048;

/** Messages in flight the receive buffer can absorb even if every one of them fails. */
export function windowFor(rcvbuf: number, max: number): number {
  return Math.max(2, Math.min(max, Math.floor(rcvbuf / REPLY_COST)));
}

export interface ChannelOptions {
  timeoutMs: number;
  recvBufferSize: number;
  maxWindow: number;
}

/** Writes one message of a chunk (header included) with the given seq; `ack` on the last one. */
export type MessageWriter = (w: NlWriter, index: number, seq: number, pid: number, ack: boolean) => void;

interface Pending {
  msgs: NlMessage[];
  dump: boolean;
  what: string;
  resolve: (msgs: NlMessage[]) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

interface Chunk {
  first: number;
  last: number;
  n: number;
  /** seq -> errno of the messages the kernel refused. */
  errors: Map<number, number>;
  resolve: (errors: Map<number, number>) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

/** seq in [first, last] modulo 2^32. */
function inRange(seq: number, first: number, last: number): boolean {
  return ((seq - first) >>> 0) <= ((last - first) >>> 0);
}

export class Channel {
  private sock!: RawNetlinkSocket;
  private _pid = 0;
  private seq = 1;
  private closed = false;
  private inflight = 0;
  private _window = 2;
  private readonly pending = new Map<number, Pending>();
  private readonly chunks: Chunk[] = [];
  readonly counters = { datagramsSent: 0, messagesSent: 0, repliesSeen: 0, resyncs: 0 };

  constructor(private readonly opts: ChannelOptions) {
    this.open();
  }

  get pid(): number {
    return this._pid;
  }
  get window(): number {
    return this._window;
  }
  /** Messages whose replies the kernel may still queue. */
  get inFlight(): number {
    return this.inflight;
  }

  private open(): void {
    const s = new RawNetlinkSocket(C.NETLINK_GENERIC, { recvBufferSize: this.opts.recvBufferSize, sendBufferSize: 1 << 20 });
    this.sock = s;
    this._pid = s.address().port;
    this._window = windowFor(s.getRecvBufferSize(), this.opts.maxWindow);
    s.on('message', (buf: Buffer) => {
      if (this.sock === s) this.onDatagram(buf);
    });
    s.on('error', (e: Error) => {
      if (this.sock === s) this.resync(`socket error: ${e.message}`);
    });
    s.unref();
  }

  /** Fails everything pending and replaces the socket; the caller must read the table again. */
  resync(reason: string): void {
    this.counters.resyncs++;
    this.failAll(new IpvsResyncError(reason));
    if (this.closed) return;
    try {
      this.sock.close();
    } catch {
      /* already closed */
    }
    this.open();
  }

  private failAll(err: Error): void {
    for (const [seq, p] of this.pending) {
      clearTimeout(p.timer);
      this.pending.delete(seq);
      p.reject(err);
    }
    for (const c of this.chunks.splice(0)) {
      clearTimeout(c.timer);
      c.reject(err);
    }
    this.inflight = 0;
    this.sock.unref();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.failAll(new IpvsError('LVSD_IPVS_CLOSED', 'IPVS client closed'));
    this.sock.close();
  }

  nextSeq(): number {
    const s = this.seq;
    this.seq = (this.seq + 1) >>> 0;
    return s;
  }

  private send(buf: Buffer, messages: number, onError: (e: Error) => void): void {
    this.counters.datagramsSent++;
    this.counters.messagesSent += messages;
    this.sock.ref();
    try {
      this.sock.send(buf, { port: 0 }, (e) => {
        if (e) onError(e);
      });
    } catch (e) {
      queueMicrotask(() => onError(e as Error));
    }
  }

  private idle(): void {
    if (this.pending.size === 0 && this.chunks.length === 0) this.sock.unref();
  }

  private onDatagram(buf: Buffer): void {
    let msgs: NlMessage[];
    try {
      msgs = parseNlMessages(buf);
    } catch (e) {
      this.resync(`undecodable reply: ${(e as Error).message}`);
      return;
    }
    for (const m of msgs) this.onMessage(m);
  }

  private onMessage(m: NlMessage): void {
    this.counters.repliesSeen++;
    if (m.type === C.NLMSG_OVERRUN) {
      this.resync('NLMSG_OVERRUN');
      return;
    }
    if (m.type === C.NLMSG_ERROR) {
      const { errno, seq } = parseNlError(m.payload);
      if (this.onChunkReply(seq, errno)) return;
      const p = this.pending.get(seq);
      if (p) this.finish(seq, p, errno);
      return; // otherwise: a late reply to a request that timed out
    }
    const p = this.pending.get(m.seq);
    if (!p) return;
    if (m.type === C.NLMSG_DONE) {
      this.finish(m.seq, p, m.payload.length >= 4 ? -m.payload.readInt32LE(0) : 0);
      return;
    }
    p.msgs.push(m);
    if (p.dump) p.timer.refresh(); // the deadline of a dump is a silent stretch
  }

  private finish(seq: number, p: Pending, errno: number): void {
    clearTimeout(p.timer);
    this.pending.delete(seq);
    this.inflight--;
    this.idle();
    if (errno !== 0) p.reject(new IpvsKernelError(errno, p.what));
    else p.resolve(p.msgs);
  }

  private onChunkReply(seq: number, errno: number): boolean {
    const i = this.chunks.findIndex((c) => inRange(seq, c.first, c.last));
    if (i < 0) return false;
    const c = this.chunks[i] as Chunk;
    if (errno !== 0) c.errors.set(seq, errno);
    if (seq === c.last) {
      // Replies come in order: nothing more will come for this chunk.
      clearTimeout(c.timer);
      this.chunks.splice(i, 1);
      this.inflight -= c.n;
      this.idle();
      c.resolve(c.errors);
    }
    return true;
  }

  /** One request (GET, SET, or a dump) and its replies; `frame` writes the message for `seq`. */
  request(frame: (seq: number, pid: number) => Buffer, what: string, dump: boolean): Promise<NlMessage[]> {
    if (this.closed) return Promise.reject(new IpvsError('LVSD_IPVS_CLOSED', 'IPVS client closed'));
    return new Promise((resolve, reject) => {
      const seq = this.nextSeq();
      const timer = setTimeout(() => {
        if (!this.pending.has(seq)) return;
        this.pending.delete(seq);
        this.inflight--;
        reject(new IpvsTimeoutError(what, this.opts.timeoutMs));
        this.resync(`${what} timed out`);
      }, this.opts.timeoutMs);
      this.pending.set(seq, { msgs: [], dump, what, resolve, reject, timer });
      this.inflight++;
      this.send(frame(seq, this._pid), 1, (e) => {
        const p = this.pending.get(seq);
        if (!p) return;
        clearTimeout(p.timer);
        this.pending.delete(seq);
        this.inflight--;
        reject(new IpvsResyncError(`send ${what}: ${e.message}`));
      });
    });
  }

  /** True when `n` more messages fit in the window. */
  hasRoom(n: number): boolean {
    return this.inflight + n <= this._window;
  }

  /**
   * Sends `n` messages as one datagram; only the last asks for an ACK. Resolves with the errno of
   * each refused message by its index in the chunk. `describe` names the chunk in a timeout.
   */
  writeChunk(n: number, write: MessageWriter, describe: () => string): Promise<Map<number, number>> {
    if (this.closed) return Promise.reject(new IpvsError('LVSD_IPVS_CLOSED', 'IPVS client closed'));
    return new Promise((resolve, reject) => {
      const w = new NlWriter(n * 192);
      const first = this.nextSeq();
      let last = first;
      for (let i = 0; i < n; i++) {
        const seq = i === 0 ? first : this.nextSeq();
        last = seq;
        write(w, i, seq, this._pid, i === n - 1);
      }
      const chunk: Chunk = {
        first,
        last,
        n,
        errors: new Map(),
        resolve: (errors) => {
          const byIndex = new Map<number, number>();
          for (const [seq, errno] of errors) byIndex.set((seq - first) >>> 0, errno);
          resolve(byIndex);
        },
        reject,
        timer: setTimeout(() => {
          const i = this.chunks.indexOf(chunk);
          if (i < 0) return;
          this.chunks.splice(i, 1);
          reject(new IpvsTimeoutError(`${n} IPVS operations from ${describe()}`, this.opts.timeoutMs));
          this.resync('write chunk timed out');
        }, this.opts.timeoutMs),
      };
      this.chunks.push(chunk);
      this.inflight += n;
      this.send(w.finish(), n, (e) => {
        const i = this.chunks.indexOf(chunk);
        if (i < 0) return;
        this.chunks.splice(i, 1);
        clearTimeout(chunk.timer);
        this.inflight -= n;
        reject(new IpvsResyncError(`send: ${e.message}`));
      });
    });
  }
}
