// Kernel edge: VRRP raw IP sockets (protocol 112), one per interface and family, over the
// native shim. Receive reports TTL / Hop Limit, source, destination and ingress interface so
// the runtime can apply RFC 5798 §7.1; send uses TTL / Hop Limit 255 and an optional source.
//
// IPv4: the raw socket delivers the IP header; we read TTL, source and destination from it
// (src/vrrp/codec.ts parseIpv4Header) and the ingress interface from IP_PKTINFO.
// IPv6: the raw socket delivers no header; the Hop Limit comes from IPV6_HOPLIMIT, the
// destination and interface from IPV6_PKTINFO, the source from msg_name.
// Checksums: kernel checksumming is off (IPV6_CHECKSUM -1, the default for protocol 112, set
// explicitly): the codec computes and verifies the VRRP checksum itself (keepalived also sums
// it itself for IPv4), so a bad checksum reaches the runtime and is counted (chk_err) instead
// of being dropped silently by the kernel.
// Receive time: SO_TIMESTAMPNS makes the kernel stamp each packet on arrival; the shim reports its
// age when read, so each packet says how long before the callback it really arrived (`rxAgeMs`),
// and a timer started from an advert need not include the event loop's wake-up delay.
// Send: the destination socket address and control messages are built once per (destination,
// source) and reused, so an advert is one native call. A dry send runs all of it but the system
// call: the runtime rehearses the first advert of a takeover with it (src/vrrp/runtime/timers.ts),
// so that advert does not pay for compiling the path.
// IPsec AH (VRRPv2 auth_type AH, IPv4 only): a second kind of socket, protocol 51 with IP_HDRINCL, as
// keepalived opens: the AH covers the IP header, so lvsd builds the header itself and sends whole IPv4
// packets (src/vrrp/ipsec-ah.ts); received packets come with their IP header and AH for the ICV check.
import type { Family, ReceivedPacket, VrrpProtocol, VrrpSocket, VrrpSocketFactory } from './ports.js';
import { NativeSocket } from './socket.js';
import { inNetns } from './netns.js';
import { NetError, isSysError } from './errors.js';
import type { RecvResult } from './native.js';
import * as K from './constants.js';
import {
  in6Pktinfo,
  inPktinfo,
  int32,
  ifnameBytes,
  ipMreqn,
  ipv6Mreq,
  parseIn6Pktinfo,
  parseInPktinfo,
  parseInetSockaddr,
  readInt32,
  sockaddrIn,
  sockaddrIn6,
} from './sockaddr.js';
import { IPPROTO_AH, parseIpv4Header, splitAh } from '../vrrp/codec.js';
import { canonicalAddr, familyOf, isIpv6LinkLocal, AddressError } from '../vrrp/addr.js';

/** RFC 5798 §5.1.1.3 / §5.1.2.3. */
export const VRRP_TTL = 255;

export interface VrrpSocketOptions {
  /** Open the sockets in this network namespace (iproute2 name or path). */
  netns?: string;
  /** Receive buffer in bytes (default 256 KiB). */
  recvBuffer?: number;
  /** 51: IPsec AH packets, sent whole with IP_HDRINCL (IPv4 only). Default 112. */
  protocol?: VrrpProtocol;
}

/** SO_TIMESTAMPNS / SCM_TIMESTAMPNS (<asm-generic/socket.h>, x86-64 and arm64: 35). */
const SO_TIMESTAMPNS = 35;

/**
 * Packets older than this when read have their age capped: a larger age can only come from a
 * stalled event loop or a step of the wall clock between arrival and read, and a timer started
 * from the packet must never move earlier by more than this on a wall-clock step.
 */
export const MAX_RX_AGE_MS = 50;

/** A received packet with the time it spent between the kernel's arrival stamp and the callback. */
export interface TimedReceivedPacket extends ReceivedPacket {
  /** ms between the packet's arrival (kernel stamp) and the packet callback; absent if unknown. */
  rxAgeMs?: number;
}

/** What sendmsg needs for one (destination, source): built once, reused by every advert. */
interface Prepared {
  name: Uint8Array;
  cmsgs: [number, number, Uint8Array][] | null;
}

/** Destinations kept prepared per socket (an instance has its group or its unicast peers). */
const MAX_PREPARED = 256;

export interface SendOptions {
  /** Source address (must be on the interface); default: the kernel's choice. */
  src?: string;
  /** TTL / Hop Limit; default 255. Anything else is for tests and diagnostics only. */
  ttl?: number;
}

function scopeOf(addr: string, ifindex: number): number {
  // Link-local unicast and link-scope multicast (ff02::/16) need the interface as scope id.
  const b = addr.toLowerCase();
  return isIpv6LinkLocal(addr) || /^ff[0-9a-f]2:/.test(b) ? ifindex : 0;
}

function checkAddr(addr: string, family: Family, what: string): string {
  try {
    if (familyOf(addr) !== (family === 4 ? 'ipv4' : 'ipv6')) throw new AddressError(`not an IPv${family} address`);
    return canonicalAddr(addr);
  } catch (e) {
    throw new NetError('LVSD_NET_BAD_ARGUMENT', `${what} "${addr}": ${(e as Error).message}`, { cause: e });
  }
}

export class LinuxVrrpSocket implements VrrpSocket {
  readonly ifindex: number;
  readonly protocol: VrrpProtocol;
  private readonly sock: NativeSocket;
  private readonly packetCbs: ((p: ReceivedPacket) => void)[] = [];
  private readonly errorCbs: ((e: Error & { fatal?: boolean }) => void)[] = [];
  private readonly groups = new Set<string>();
  private readonly prepared = new Map<string, Prepared>();
  readonly counters = { received: 0, sent: 0, malformed: 0, errors: 0 };

  constructor(
    readonly ifname: string,
    readonly family: Family,
    opts: VrrpSocketOptions = {},
  ) {
    if (family !== 4 && family !== 6) throw new NetError('LVSD_NET_BAD_ARGUMENT', `family ${String(family)}: must be 4 or 6`);
    this.protocol = opts.protocol ?? K.IPPROTO_VRRP;
    if (this.protocol !== K.IPPROTO_VRRP && !(this.protocol === K.IPPROTO_AH && family === 4)) {
      throw new NetError('LVSD_NET_BAD_ARGUMENT', `protocol ${String(this.protocol)} over IPv${family}: must be 112, or 51 (IPsec AH) over IPv4`);
    }
    const proto = this.protocol;
    this.sock = inNetns(opts.netns, () => new NativeSocket(family === 4 ? K.AF_INET : K.AF_INET6, K.SOCK_RAW, proto));
    try {
      this.ifindex = this.sock.ifindex(ifname);
      this.sock.setBytes(K.SOL_SOCKET, K.SO_BINDTODEVICE, ifnameBytes(ifname));
      this.sock.setRecvBuffer(opts.recvBuffer ?? 256 * 1024);
      if (family === 4) {
        this.sock.setInt(K.IPPROTO_IP, K.IP_PKTINFO, 1);
        this.sock.setInt(K.IPPROTO_IP, K.IP_MULTICAST_TTL, VRRP_TTL);
        this.sock.setInt(K.IPPROTO_IP, K.IP_TTL, VRRP_TTL);
        this.sock.setInt(K.IPPROTO_IP, K.IP_MULTICAST_LOOP, 0);
        this.sock.setBytes(K.IPPROTO_IP, K.IP_MULTICAST_IF, ipMreqn('0.0.0.0', this.ifindex));
        // AH: the ICV covers the IP header, so lvsd writes it (keepalived does the same).
        if (proto === K.IPPROTO_AH) this.sock.setInt(K.IPPROTO_IP, K.IP_HDRINCL, 1);
      } else {
        this.sock.setInt(K.IPPROTO_IPV6, K.IPV6_RECVPKTINFO, 1);
        this.sock.setInt(K.IPPROTO_IPV6, K.IPV6_RECVHOPLIMIT, 1);
        this.sock.setInt(K.IPPROTO_IPV6, K.IPV6_MULTICAST_HOPS, VRRP_TTL);
        this.sock.setInt(K.IPPROTO_IPV6, K.IPV6_UNICAST_HOPS, VRRP_TTL);
        this.sock.setInt(K.IPPROTO_IPV6, K.IPV6_MULTICAST_LOOP, 0);
        this.sock.setInt(K.IPPROTO_IPV6, K.IPV6_MULTICAST_IF, this.ifindex);
        this.sock.setInt(K.IPPROTO_IPV6, K.IPV6_CHECKSUM, -1);
      }
      this.sock.setInt(K.SOL_SOCKET, SO_TIMESTAMPNS, 1);
      this.sock.start({ message: (m, readAt) => this.onMessage(m, readAt), error: (e) => this.emitError(e) });
    } catch (e) {
      this.sock.close();
      throw e;
    }
  }

  join(group: string): void {
    const g = checkAddr(group, this.family, 'multicast group');
    try {
      if (this.family === 4) this.sock.setBytes(K.IPPROTO_IP, K.IP_ADD_MEMBERSHIP, ipMreqn(g, this.ifindex));
      else this.sock.setBytes(K.IPPROTO_IPV6, K.IPV6_ADD_MEMBERSHIP, ipv6Mreq(g, this.ifindex));
    } catch (e) {
      if (!(isSysError(e) && e.code === 'EADDRINUSE')) throw e; // already a member
    }
    this.groups.add(g);
  }

  leave(group: string): void {
    const g = checkAddr(group, this.family, 'multicast group');
    try {
      if (this.family === 4) this.sock.setBytes(K.IPPROTO_IP, K.IP_DROP_MEMBERSHIP, ipMreqn(g, this.ifindex));
      else this.sock.setBytes(K.IPPROTO_IPV6, K.IPV6_DROP_MEMBERSHIP, ipv6Mreq(g, this.ifindex));
    } catch (e) {
      if (!(isSysError(e) && (e.code === 'EADDRNOTAVAIL' || e.code === 'ENOENT'))) throw e; // not a member
    }
    this.groups.delete(g);
  }

  /** Groups joined on this socket, canonical text. */
  joined(): string[] {
    return [...this.groups];
  }

  /** send() can rehearse (src/vrrp/runtime/transmit.ts sendAdverts with `dry`). */
  readonly canRehearse = true;

  /**
   * Sends with TTL / Hop Limit 255; throws a SysError (e.g. ENETDOWN, EADDRNOTAVAIL) on failure. With
   * `dry`, runs the whole path but the system call: prepares the destination and compiles the code, so
   * that a send that must be fast (the first advert of a takeover) is; throws as a send would for a bad
   * address or a closed socket.
   */
  send(dst: string, payload: Buffer, src?: string, dry = false): void {
    const key = src === undefined ? dst : `${dst} ${src}`;
    let p = this.prepared.get(key);
    if (p === undefined) {
      p = this.prepare(dst, src === undefined ? {} : { src });
      if (this.prepared.size < MAX_PREPARED) this.prepared.set(key, p);
    }
    this.sock.send(payload, p.name, p.cmsgs, dry);
    if (!dry) this.counters.sent++;
  }

  /** send() with every option; `ttl` other than 255 exists for tests (the receiver must drop it). */
  sendWith(dst: string, payload: Uint8Array, opts: SendOptions = {}): void {
    const p = this.prepare(dst, opts);
    this.sock.send(payload, p.name, p.cmsgs);
    this.counters.sent++;
  }

  /** The socket address and control messages of a send (throws LVSD_NET_BAD_ARGUMENT for a bad address). */
  private prepare(dst: string, opts: SendOptions): Prepared {
    const d = checkAddr(dst, this.family, 'destination');
    const cmsgs: [number, number, Uint8Array][] = [];
    let name: Uint8Array;
    if (this.family === 4 && this.protocol === K.IPPROTO_AH) {
      // IP_HDRINCL: source, TTL and everything else are in the header the caller built.
      name = sockaddrIn(d);
    } else if (this.family === 4) {
      if (opts.src !== undefined) cmsgs.push([K.IPPROTO_IP, K.IP_PKTINFO, inPktinfo(this.ifindex, checkAddr(opts.src, 4, 'source'))]);
      if (opts.ttl !== undefined) cmsgs.push([K.IPPROTO_IP, K.IP_TTL, int32(opts.ttl)]);
      name = sockaddrIn(d);
    } else {
      if (opts.src !== undefined) cmsgs.push([K.IPPROTO_IPV6, K.IPV6_PKTINFO, in6Pktinfo(checkAddr(opts.src, 6, 'source'), this.ifindex)]);
      if (opts.ttl !== undefined) cmsgs.push([K.IPPROTO_IPV6, K.IPV6_HOPLIMIT, int32(opts.ttl)]);
      name = sockaddrIn6(d, scopeOf(d, this.ifindex));
    }
    return { name, cmsgs: cmsgs.length ? cmsgs : null };
  }

  onPacket(cb: (p: ReceivedPacket) => void): void {
    this.packetCbs.push(cb);
  }

  onError(cb: (e: Error & { fatal?: boolean }) => void): void {
    this.errorCbs.push(cb);
  }

  close(): void {
    this.sock.close();
  }

  private onMessage(m: RecvResult, readAt: number): void {
    let p: TimedReceivedPacket;
    try {
      p = this.family === 4 ? this.parse4(m) : this.parse6(m);
    } catch (e) {
      this.counters.malformed++;
      this.emitError(e as Error);
      return;
    }
    this.counters.received++;
    const ageNs = (m as RecvResult & { ageNs?: number }).ageNs;
    if (ageNs !== undefined) p.rxAgeMs = rxAgeMs(ageNs, performance.now() - readAt);
    for (const cb of this.packetCbs) cb(p); // a throw here is caught by NativeSocket and reported
  }

  private parse4(m: RecvResult): ReceivedPacket {
    if (m.flags & K.MSG_TRUNC) throw new NetError('LVSD_NET_BAD_PACKET', `${this.ifname}: datagram truncated`);
    // Throws VrrpDecodeError (with the counter to bump) for a short, fragmented or corrupt header.
    const ip = parseIpv4Header(m.data);
    let ifindex = this.ifindex;
    for (const c of m.cmsgs) {
      if (c.level === K.IPPROTO_IP && c.type === K.IP_PKTINFO) ifindex = parseInPktinfo(c.data).ifindex;
    }
    const base = { ifindex, ifname: this.ifname, family: 4 as const, src: ip.src, dst: ip.dst, ttl: ip.ttl };
    if (ip.protocol === IPPROTO_AH) {
      // Throws for an AH cut short or protecting another protocol (real IPsec traffic on the link).
      const { ah, vrrp } = splitAh(m.data.subarray(0, ip.totalLength), ip.headerLength);
      return { ...base, payload: vrrp as Buffer, ah: { ipHeader: m.data.subarray(0, ip.headerLength), header: ah as Buffer } };
    }
    return { ...base, payload: m.data.subarray(ip.headerLength, ip.totalLength) };
  }

  private parse6(m: RecvResult): ReceivedPacket {
    if (m.flags & K.MSG_TRUNC) throw new NetError('LVSD_NET_BAD_PACKET', `${this.ifname}: datagram truncated`);
    let hop: number | undefined;
    let info: { addr: string; ifindex: number } | undefined;
    for (const c of m.cmsgs) {
      if (c.level !== K.IPPROTO_IPV6) continue;
      if (c.type === K.IPV6_HOPLIMIT) hop = readInt32(c.data);
      else if (c.type === K.IPV6_PKTINFO) info = parseIn6Pktinfo(c.data);
    }
    // Without these the RFC 5798 §7.1 checks cannot be made: drop, never guess.
    if (hop === undefined) throw new NetError('LVSD_NET_BAD_PACKET', `${this.ifname}: IPv6 packet without IPV6_HOPLIMIT`);
    if (info === undefined) throw new NetError('LVSD_NET_BAD_PACKET', `${this.ifname}: IPv6 packet without IPV6_PKTINFO`);
    const from = parseInetSockaddr(m.name);
    return { ifindex: info.ifindex, ifname: this.ifname, family: 6, src: from.address, dst: info.addr, ttl: hop, payload: m.data };
  }

  private emitError(e: Error & { fatal?: boolean }): void {
    this.counters.errors++;
    for (const cb of this.errorCbs) cb(e);
  }
}

/**
 * A packet's age at the callback: the kernel-stamp-to-read age the shim measured (`ageNs`, wall
 * clock) plus the time from the read to the callback (`sinceReadMs`, monotonic), each at least 0, the
 * sum at most MAX_RX_AGE_MS (against wall-clock steps).
 */
export function rxAgeMs(ageNs: number, sinceReadMs: number): number {
  // A negative stamp age (the wall clock stepped back since the stamp) says nothing: count it as 0.
  return Math.min(MAX_RX_AGE_MS, Math.max(0, ageNs) / 1e6 + Math.max(0, sinceReadMs));
}

export class LinuxVrrpSocketFactory implements VrrpSocketFactory {
  constructor(private readonly opts: VrrpSocketOptions = {}) {}

  open(ifname: string, family: Family, protocol?: VrrpProtocol): LinuxVrrpSocket {
    return new LinuxVrrpSocket(ifname, family, protocol === undefined ? this.opts : { ...this.opts, protocol });
  }
}
