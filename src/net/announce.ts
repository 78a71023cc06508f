// Kernel edge: the Announcer port. Gratuitous ARP and unsolicited Neighbor Advertisements
// (built in frames.ts) go out on an AF_PACKET socket, as keepalived sends them: the kernel's
// own arp_notify / ndisc_notify do not announce addresses added at run time. The interface
// index and hardware address are read from the socket's namespace (SIOCGIFINDEX /
// SIOCGIFHWADDR) at every send, so a MAC change or a re-created interface is picked up.
import type { Announcer } from './ports.js';
import { NativeSocket } from './socket.js';
import { inNetns } from './netns.js';
import { NetError } from './errors.js';
import * as K from './constants.js';
import { sockaddrLl } from './sockaddr.js';
import { garpFrame, parseMac, unsolicitedNaFrame, formatMac, FrameError, BROADCAST_MAC, ALL_NODES_MAC, ETHERTYPE_ARP, ETHERTYPE_IPV6 } from './frames.js';

export interface AnnouncerOptions {
  /** Open the socket in this network namespace (iproute2 name or path). */
  netns?: string;
}

function wrapFrameError<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof FrameError) throw new NetError('LVSD_NET_BAD_ARGUMENT', e.message, { cause: e });
    throw e;
  }
}

export class PacketAnnouncer implements Announcer {
  private readonly sock: NativeSocket;
  readonly counters = { garp: 0, na: 0 };

  constructor(opts: AnnouncerOptions = {}) {
    // Protocol 0: this socket receives nothing; it only sends.
    this.sock = inNetns(opts.netns, () => new NativeSocket(K.AF_PACKET, K.SOCK_RAW, 0));
  }

  /** The interface's index and Ethernet address, or `mac` when given (e.g. a VMAC). */
  private link(ifname: string, mac?: string): { ifindex: number; mac: Uint8Array } {
    const ifindex = this.sock.ifindex(ifname);
    if (mac !== undefined) return { ifindex, mac: wrapFrameError(() => parseMac(mac)) };
    const hw = this.sock.hwaddr(ifname);
    if (hw.hatype !== K.ARPHRD_ETHER) {
      throw new NetError('LVSD_NET_BAD_ARGUMENT', `${ifname} is not Ethernet (ARPHRD ${hw.hatype}); nothing to announce on it`);
    }
    return { ifindex, mac: hw.mac };
  }

  /** RFC 5227 §3 announcement for `address`; throws a SysError if the kernel refuses (e.g. ENETDOWN). */
  garp(ifname: string, address: string, mac?: string): void {
    const l = this.link(ifname, mac);
    const frame = wrapFrameError(() => garpFrame(l.mac, address));
    this.sock.send(frame, sockaddrLl(l.ifindex, ETHERTYPE_ARP, BROADCAST_MAC));
    this.counters.garp++;
  }

  /** RFC 4861 §7.2.6 unsolicited NA for `address`, Override set. */
  unsolicitedNa(ifname: string, address: string, router = false): void {
    const l = this.link(ifname);
    const frame = wrapFrameError(() => unsolicitedNaFrame(l.mac, address, router));
    this.sock.send(frame, sockaddrLl(l.ifindex, ETHERTYPE_IPV6, ALL_NODES_MAC));
    this.counters.na++;
  }

  /** The hardware address announcements on `ifname` carry. */
  macOf(ifname: string): string {
    return formatMac(this.link(ifname).mac);
  }

  close(): void {
    this.sock.close();
  }
}
