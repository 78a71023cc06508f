// Pure codec helper: the Internet checksum (RFC 1071) and the IPv4/IPv6 pseudo-headers VRRPv3 sums over.
import { parseIpv4, parseIpv6 } from './addr.js';

export const IPPROTO_VRRP = 112;

/** One's-complement sum of 16-bit big-endian words, folded to 16 bits (not inverted). */
export function onesSum(data: Uint8Array, initial = 0): number {
  let sum = initial;
  const n = data.length;
  for (let i = 0; i + 1 < n; i += 2) sum += (data[i]! << 8) | data[i + 1]!;
  if (n % 2 === 1) sum += data[n - 1]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/** RFC 1071 checksum of the concatenation of the given buffers (each of even length except the last). */
export function internetChecksum(...parts: Uint8Array[]): number {
  let sum = 0;
  for (const p of parts) sum = onesSum(p, sum);
  return ~sum & 0xffff;
}

/**
 * IPv4 pseudo-header: source, destination, zero, protocol 112, VRRP length.
 * RFC 5798 §5.2.8 sums a pseudo-header (it cites RFC 2460 §8.1); for IPv4 the RFC 768-style one is used.
 */
export function ipv4PseudoHeader(src: string, dst: string, length: number): Uint8Array {
  const p = new Uint8Array(12);
  p.set(parseIpv4(src), 0);
  p.set(parseIpv4(dst), 4);
  p[8] = 0;
  p[9] = IPPROTO_VRRP;
  p[10] = (length >> 8) & 0xff;
  p[11] = length & 0xff;
  return p;
}

/** IPv6 pseudo-header, RFC 8200 §8.1 (formerly RFC 2460 §8.1): src, dst, 32-bit length, 3 zero bytes, next header 112. */
export function ipv6PseudoHeader(src: string, dst: string, length: number): Uint8Array {
  const p = new Uint8Array(40);
  p.set(parseIpv6(src), 0);
  p.set(parseIpv6(dst), 16);
  p[32] = (length >>> 24) & 0xff;
  p[33] = (length >>> 16) & 0xff;
  p[34] = (length >>> 8) & 0xff;
  p[35] = length & 0xff;
  p[39] = IPPROTO_VRRP;
  return p;
}
