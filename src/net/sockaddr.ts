// Pure codec: the C structs lvsd passes through the native socket shim, as bytes: socket
// addresses (sockaddr_in, sockaddr_in6, sockaddr_ll, sockaddr_nl), multicast requests
// (ip_mreqn, ipv6_mreq), packet info (in_pktinfo, in6_pktinfo) and ifreq results. Layouts from
// <linux/in.h>, <linux/in6.h>, <linux/if_packet.h>, <linux/netlink.h>, <net/if.h>. Fields the
// kernel keeps in host order (families, ifindexes, scope ids) are written in host order; ports
// and addresses in network order.
import { parseIpv4, parseIpv6, formatIpv4, formatIpv6 } from '../vrrp/addr.js';
import { AF_INET, AF_INET6, AF_NETLINK, AF_PACKET } from './constants.js';

/** True on little-endian hosts (x86-64, arm64). */
export const HOST_LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** A C int in host order. */
export function int32(v: number): Buffer {
  const b = Buffer.alloc(4);
  view(b).setInt32(0, v, HOST_LE);
  return b;
}

export function readInt32(b: Uint8Array, off = 0): number {
  return view(b).getInt32(off, HOST_LE);
}

/** struct sockaddr_in (16 bytes). */
export function sockaddrIn(addr: string, port = 0): Buffer {
  const b = Buffer.alloc(16);
  view(b).setUint16(0, AF_INET, HOST_LE);
  b.writeUInt16BE(port, 2);
  b.set(parseIpv4(addr), 4);
  return b;
}

/** struct sockaddr_in6 (28 bytes); `scopeId` is the interface index for link-local addresses. */
export function sockaddrIn6(addr: string, scopeId = 0, port = 0): Buffer {
  const b = Buffer.alloc(28);
  const v = view(b);
  v.setUint16(0, AF_INET6, HOST_LE);
  b.writeUInt16BE(port, 2);
  // sin6_flowinfo (4 bytes at 4) stays 0
  b.set(parseIpv6(addr), 8);
  v.setUint32(24, scopeId, HOST_LE);
  return b;
}

export interface InetSockaddr {
  family: 4 | 6;
  address: string;
  port: number;
  scopeId: number;
}

/** Reads a sockaddr_in / sockaddr_in6 (as recvmsg's msg_name returns it). */
export function parseInetSockaddr(b: Uint8Array): InetSockaddr {
  if (b.length < 2) throw new RangeError(`sockaddr is ${b.length} bytes`);
  const v = view(b);
  const fam = v.getUint16(0, HOST_LE);
  if (fam === AF_INET && b.length >= 8) {
    return { family: 4, address: formatIpv4(b, 4), port: v.getUint16(2, false), scopeId: 0 };
  }
  if (fam === AF_INET6 && b.length >= 28) {
    return { family: 6, address: formatIpv6(b, 8), port: v.getUint16(2, false), scopeId: v.getUint32(24, HOST_LE) };
  }
  throw new RangeError(`sockaddr family ${fam} with ${b.length} bytes is neither AF_INET nor AF_INET6`);
}

/** struct sockaddr_ll (20 bytes): where an AF_PACKET frame goes. */
export function sockaddrLl(ifindex: number, protocol: number, mac: Uint8Array): Buffer {
  const b = Buffer.alloc(20);
  const v = view(b);
  v.setUint16(0, AF_PACKET, HOST_LE);
  b.writeUInt16BE(protocol, 2); // sll_protocol: network order
  v.setInt32(4, ifindex, HOST_LE);
  // sll_hatype (u16 at 8) and sll_pkttype (u8 at 10): ignored on send
  b[11] = mac.length; // sll_halen
  b.set(mac.subarray(0, 8), 12);
  return b;
}

/** struct sockaddr_nl (12 bytes). */
export function sockaddrNl(pid = 0, groups = 0): Buffer {
  const b = Buffer.alloc(12);
  const v = view(b);
  v.setUint16(0, AF_NETLINK, HOST_LE);
  v.setUint32(4, pid >>> 0, HOST_LE);
  v.setUint32(8, groups >>> 0, HOST_LE);
  return b;
}

export function parseSockaddrNl(b: Uint8Array): { pid: number; groups: number } {
  if (b.length < 12) throw new RangeError(`sockaddr_nl is ${b.length} bytes`);
  const v = view(b);
  return { pid: v.getUint32(4, HOST_LE), groups: v.getUint32(8, HOST_LE) };
}

/** struct ip_mreqn (12 bytes): group, local address 0.0.0.0, interface index. */
export function ipMreqn(group: string, ifindex: number): Buffer {
  const b = Buffer.alloc(12);
  b.set(parseIpv4(group), 0);
  view(b).setInt32(8, ifindex, HOST_LE);
  return b;
}

/** struct ipv6_mreq (20 bytes). */
export function ipv6Mreq(group: string, ifindex: number): Buffer {
  const b = Buffer.alloc(20);
  b.set(parseIpv6(group), 0);
  view(b).setUint32(16, ifindex, HOST_LE);
  return b;
}

/** struct in_pktinfo (12 bytes): ifindex, spec_dst (the source on send), addr (the header destination on receive). */
export function inPktinfo(ifindex: number, specDst: string, addr = '0.0.0.0'): Buffer {
  const b = Buffer.alloc(12);
  view(b).setInt32(0, ifindex, HOST_LE);
  b.set(parseIpv4(specDst), 4);
  b.set(parseIpv4(addr), 8);
  return b;
}

export function parseInPktinfo(b: Uint8Array): { ifindex: number; specDst: string; addr: string } {
  if (b.length < 12) throw new RangeError(`in_pktinfo is ${b.length} bytes`);
  return { ifindex: view(b).getInt32(0, HOST_LE), specDst: formatIpv4(b, 4), addr: formatIpv4(b, 8) };
}

/** struct in6_pktinfo (20 bytes): address (source on send, destination on receive), ifindex. */
export function in6Pktinfo(addr: string, ifindex: number): Buffer {
  const b = Buffer.alloc(20);
  b.set(parseIpv6(addr), 0);
  view(b).setInt32(16, ifindex, HOST_LE);
  return b;
}

export function parseIn6Pktinfo(b: Uint8Array): { addr: string; ifindex: number } {
  if (b.length < 20) throw new RangeError(`in6_pktinfo is ${b.length} bytes`);
  return { addr: formatIpv6(b, 0), ifindex: view(b).getInt32(16, HOST_LE) };
}

/** ifr_ifindex from a SIOCGIFINDEX result (the ifr_ifru union). */
export function ifreqIndex(u: Uint8Array): number {
  return view(u).getInt32(0, HOST_LE);
}

/** ifr_flags (a short) from a SIOCGIFFLAGS result. */
export function ifreqFlags(u: Uint8Array): number {
  return view(u).getUint16(0, HOST_LE);
}

/** ifr_hwaddr from a SIOCGIFHWADDR result: ARPHRD type and the 6 bytes of an Ethernet address. */
export function ifreqHwaddr(u: Uint8Array): { hatype: number; mac: Uint8Array } {
  return { hatype: view(u).getUint16(0, HOST_LE), mac: Uint8Array.from(u.subarray(2, 8)) };
}

/** A NUL-terminated interface name for SO_BINDTODEVICE. */
export function ifnameBytes(ifname: string): Buffer {
  return Buffer.from(`${ifname}\0`, 'latin1');
}
