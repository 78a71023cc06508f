// Pure codec: the Ethernet frames lvsd announces a virtual address with. Gratuitous ARP as an
// RFC 5227 §3 ARP Announcement and an RFC 4861 §7.2.6 unsolicited Neighbor Advertisement, laid
// out as keepalived sends them (vrrp_arp.c, vrrp_ndisc.c) from an AF_PACKET socket.
import { parseIpv4, parseIpv6 } from '../vrrp/addr.js';
import { internetChecksum } from '../vrrp/checksum.js';

export const ETH_HLEN = 14;
/** Minimum Ethernet frame without FCS; shorter frames are zero-padded (IEEE 802.3). */
export const ETH_ZLEN = 60;
export const ETHERTYPE_ARP = 0x0806;
export const ETHERTYPE_IPV6 = 0x86dd;
export const BROADCAST_MAC = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
/** RFC 2464 §7: ff02::1 maps to 33:33:00:00:00:01. */
export const ALL_NODES_MAC = Uint8Array.of(0x33, 0x33, 0x00, 0x00, 0x00, 0x01);
export const ALL_NODES = 'ff02::1';

export const ICMPV6_NEIGHBOR_ADVERT = 136;
export const ND_OPT_TARGET_LL_ADDR = 2;
export const NA_FLAG_ROUTER = 0x80;
export const NA_FLAG_SOLICITED = 0x40;
export const NA_FLAG_OVERRIDE = 0x20;

export class FrameError extends Error {
  readonly code = 'LVSD_NET_BAD_ARGUMENT';
  constructor(message: string) {
    super(message);
    this.name = 'FrameError';
  }
}

/** "aa:bb:cc:dd:ee:ff" (or with '-') to 6 bytes. */
export function parseMac(text: string): Uint8Array {
  const parts = text.split(/[:-]/);
  if (parts.length !== 6 || !parts.every((p) => /^[0-9a-fA-F]{1,2}$/.test(p))) throw new FrameError(`"${text}" is not a MAC address`);
  return Uint8Array.from(parts.map((p) => parseInt(p, 16)));
}

export function formatMac(b: Uint8Array): string {
  return [...b.subarray(0, 6)].map((x) => x.toString(16).padStart(2, '0')).join(':');
}

function checkMac(mac: Uint8Array): void {
  if (mac.length !== 6) throw new FrameError(`hardware address has ${mac.length} bytes; Ethernet needs 6`);
  if ((mac[0]! & 1) === 1) throw new FrameError(`${formatMac(mac)} is a multicast address; a sender needs a unicast one`);
}

function ethHeader(out: Uint8Array, dst: Uint8Array, src: Uint8Array, type: number): void {
  out.set(dst, 0);
  out.set(src, 6);
  out[12] = type >> 8;
  out[13] = type & 0xff;
}

/**
 * RFC 5227 §3 ARP Announcement (a "gratuitous ARP"): broadcast ARP request with sender and
 * target protocol address both `address`, sender hardware address `mac`, target hardware
 * address zero (§2.1.1: "SHOULD be set to all zeroes"), zero-padded to 60 bytes.
 */
export function garpFrame(mac: Uint8Array, address: string): Uint8Array {
  checkMac(mac);
  const ip = parseIpv4(address);
  const f = new Uint8Array(ETH_ZLEN);
  ethHeader(f, BROADCAST_MAC, mac, ETHERTYPE_ARP);
  const a = ETH_HLEN;
  f[a + 0] = 0x00; // htype 1: Ethernet
  f[a + 1] = 0x01;
  f[a + 2] = 0x08; // ptype 0x0800: IPv4
  f[a + 3] = 0x00;
  f[a + 4] = 6; // hlen
  f[a + 5] = 4; // plen
  f[a + 6] = 0x00; // oper 1: request (RFC 5227 §3: announcements are requests)
  f[a + 7] = 0x01;
  f.set(mac, a + 8); // sender hardware address
  f.set(ip, a + 14); // sender protocol address
  // target hardware address (a + 18 .. a + 24): zero
  f.set(ip, a + 24); // target protocol address
  return f;
}

/** ICMPv6 checksum over the RFC 8200 §8.1 pseudo-header (next header 58). */
export function icmpv6Checksum(src: Uint8Array, dst: Uint8Array, icmp: Uint8Array): number {
  const ph = new Uint8Array(40);
  ph.set(src, 0);
  ph.set(dst, 16);
  ph[32] = (icmp.length >>> 24) & 0xff;
  ph[33] = (icmp.length >>> 16) & 0xff;
  ph[34] = (icmp.length >>> 8) & 0xff;
  ph[35] = icmp.length & 0xff;
  ph[39] = 58;
  return internetChecksum(ph, icmp);
}

/**
 * RFC 4861 §7.2.6 unsolicited Neighbor Advertisement for `address`: to ff02::1 (33:33:00:00:00:01),
 * source `address` itself (as the kernel's and keepalived's), Hop Limit 255 (§7.1.2: receivers
 * drop anything else), Solicited clear, Override set, Router as given, with a Target Link-Layer
 * Address option carrying `mac`. 86 bytes.
 */
export function unsolicitedNaFrame(mac: Uint8Array, address: string, router = false): Uint8Array {
  checkMac(mac);
  const target = parseIpv6(address);
  if (target[0] === 0xff) throw new FrameError(`${address} is a multicast address`);
  const dst = parseIpv6(ALL_NODES);
  const icmpLen = 24 + 8;
  const f = new Uint8Array(ETH_HLEN + 40 + icmpLen);
  ethHeader(f, ALL_NODES_MAC, mac, ETHERTYPE_IPV6);
  const ip = ETH_HLEN;
  f[ip + 0] = 0x60; // version 6, traffic class 0, flow label 0
  f[ip + 4] = icmpLen >> 8;
  f[ip + 5] = icmpLen & 0xff;
  f[ip + 6] = 58; // next header: ICMPv6
  f[ip + 7] = 255; // RFC 4861 §7.1.2
  f.set(target, ip + 8);
  f.set(dst, ip + 24);
  const icmp = f.subarray(ip + 40);
  icmp[0] = ICMPV6_NEIGHBOR_ADVERT;
  icmp[1] = 0; // code
  icmp[4] = NA_FLAG_OVERRIDE | (router ? NA_FLAG_ROUTER : 0);
  icmp.set(target, 8);
  icmp[24] = ND_OPT_TARGET_LL_ADDR;
  icmp[25] = 1; // length in units of 8 bytes
  icmp.set(mac, 26);
  const sum = icmpv6Checksum(target, dst, icmp);
  icmp[2] = sum >> 8;
  icmp[3] = sum & 0xff;
  return f;
}
