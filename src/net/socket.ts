// Kernel edge: one non-blocking socket of the native shim, watched by the event loop. Reads
// are pulled by JS when the kernel says the socket is readable, a bounded number per wake-up
// so a flood cannot starve timers; nothing a read or a callback throws leaves the event loop.
// Each datagram is handed over with the performance.now() time at which its recvmsg returned.
import { native, type RecvResult, type PollHandle } from './native.js';
import { NetError, isSysError, type SysError } from './errors.js';
import { SIOCGIFFLAGS, SIOCGIFHWADDR, SIOCGIFINDEX, SOL_SOCKET, SO_RCVBUF, SO_RCVBUFFORCE } from './constants.js';
import { ifreqFlags, ifreqHwaddr, ifreqIndex, int32, readInt32 } from './sockaddr.js';

/** Datagrams read per wake-up before yielding to the event loop (the watcher is level-triggered). */
export const READS_PER_WAKEUP = 64;

export interface SocketHandlers {
  /** One received datagram; `readAt`: performance.now() when recvmsg returned it. */
  message(m: RecvResult, readAt: number): void;
  /** A receive or socket error; the socket stays open unless `fatal`. */
  error(e: Error & { fatal?: boolean }): void;
}

export class NativeSocket {
  readonly fd: number;
  private poller: PollHandle | undefined;
  private handlers: SocketHandlers | undefined;
  private closedFlag = false;

  constructor(domain: number, type: number, protocol: number) {
    this.fd = native().socket(domain, type, protocol);
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  setInt(level: number, name: number, value: number): void {
    this.assertOpen();
    native().setsockopt(this.fd, level, name, int32(value));
  }

  setBytes(level: number, name: number, value: Uint8Array): void {
    this.assertOpen();
    native().setsockopt(this.fd, level, name, value);
  }

  getInt(level: number, name: number): number {
    this.assertOpen();
    return readInt32(native().getsockopt(this.fd, level, name, 4));
  }

  /**
   * Raises the receive buffer to `bytes`: SO_RCVBUFFORCE (root, past net.core.rmem_max), else
   * SO_RCVBUF (capped by rmem_max). Returns what the kernel granted (it doubles the request).
   */
  setRecvBuffer(bytes: number): number {
    try {
      this.setInt(SOL_SOCKET, SO_RCVBUFFORCE, bytes);
    } catch (e) {
      if (!isSysError(e) || e.code !== 'EPERM') throw e;
      this.setInt(SOL_SOCKET, SO_RCVBUF, bytes);
    }
    return this.getInt(SOL_SOCKET, SO_RCVBUF);
  }

  bind(sockaddr: Uint8Array): void {
    this.assertOpen();
    native().bind(this.fd, sockaddr);
  }

  getsockname(): Buffer {
    this.assertOpen();
    return native().getsockname(this.fd);
  }

  /**
   * Sends one datagram; throws a SysError (code, syscall "sendmsg") when the kernel refuses. With
   * `dry`, everything but the system call runs (returns 0): a caller rehearsing a send that must be
   * fast uses it so that the code is compiled before the datagram that matters.
   */
  send(data: Uint8Array, name: Uint8Array | null = null, cmsgs: [number, number, Uint8Array][] | null = null, dry = false): number {
    this.assertOpen();
    const n = native();
    if (dry) return 0;
    return n.sendmsg(this.fd, data, name, cmsgs);
  }

  /** Interface index of `ifname` in this socket's network namespace (LVSD_NET_NO_INTERFACE if none). */
  ifindex(ifname: string): number {
    return ifreqIndex(this.ifreq(SIOCGIFINDEX, ifname));
  }

  /** IFF_* flags of `ifname`. */
  ifflags(ifname: string): number {
    return ifreqFlags(this.ifreq(SIOCGIFFLAGS, ifname));
  }

  /** Hardware address of `ifname` (6 bytes for Ethernet). */
  hwaddr(ifname: string): { hatype: number; mac: Uint8Array } {
    return ifreqHwaddr(this.ifreq(SIOCGIFHWADDR, ifname));
  }

  private ifreq(request: number, ifname: string): Buffer {
    this.assertOpen();
    try {
      return native().ifreq(this.fd, request, ifname, null);
    } catch (e) {
      if (isSysError(e) && e.code === 'ENODEV') {
        throw new NetError('LVSD_NET_NO_INTERFACE', `no interface ${ifname}`, { cause: e });
      }
      throw e;
    }
  }

  /** Starts delivering datagrams to `h` as they arrive. */
  start(h: SocketHandlers): void {
    this.assertOpen();
    if (this.poller) throw new Error('NativeSocket.start called twice');
    this.handlers = h;
    this.poller = native().poll(this.fd, (err) => this.onReadable(err));
  }

  /** Whether this socket keeps the process alive (default yes once started). */
  ref(ref: boolean): void {
    if (this.poller && !this.closedFlag) native().pollRef(this.poller, ref);
  }

  /** Reads every queued datagram now (up to READS_PER_WAKEUP); used by the watcher. */
  private onReadable(err?: Error): void {
    if (this.closedFlag) return;
    if (err) this.report(err);
    for (let i = 0; i < READS_PER_WAKEUP && !this.closedFlag; i++) {
      let m: RecvResult | null;
      try {
        m = native().recvmsg(this.fd);
      } catch (e) {
        this.report(e as SysError);
        return;
      }
      if (m === null) return;
      const readAt = performance.now();
      try {
        this.handlers?.message(m, readAt);
      } catch (e) {
        this.report(e as Error);
      }
    }
  }

  private report(e: Error): void {
    try {
      this.handlers?.error(e);
    } catch (e2) {
      // An error handler that throws must not take the event loop down with it.
      process.emitWarning(`lvsd socket error handler threw: ${(e2 as Error).message}`, 'LvsdNetWarning');
    }
  }

  close(): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    if (this.poller) native().pollClose(this.poller);
    this.poller = undefined;
    native().close(this.fd);
  }

  private assertOpen(): void {
    if (this.closedFlag) throw new NetError('LVSD_NET_CLOSED', 'socket is closed');
  }
}
