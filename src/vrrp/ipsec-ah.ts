// Pure codec: the IPsec Authentication Header of VRRPv2 over IPv4 (auth_type AH: RFC 2338 §5.3.6.3,
// dropped by RFC 3768), an RFC 2402 AH with HMAC-MD5-96 (RFC 2403) and a pre-shared key, built and
// checked exactly as keepalived 2.2.7 does so that the two interoperate:
//  - IP protocol 51, AH next header 112, payload length 4 (24-byte AH), reserved 0;
//  - SPI = the sender's IPv4 source address (keepalived: no SA negotiation on a multicast link);
//  - sequence number: one counter per instance, raised by every valid advert received and incremented
//    for every advert sent (so a new master continues above the old one's numbers); a received number
//    not above it is a replay;
//  - ICV = first 12 bytes of HMAC-MD5(key, IP header + AH + VRRP) with the IP header's TOS, flags /
//    fragment offset and checksum zeroed (RFC 2402 §3.3.3.1.1.1 mutable fields), the TTL zeroed too for
//    unicast peers only (keepalived: multicast adverts keep TTL 255 in the ICV), and the ICV field zero;
//  - key = auth_pass truncated to 8 bytes and zero-padded to 8 (keepalived's auth_data).
import { formatAddr, parseAddr } from './addr.js';
import { IPPROTO_VRRP } from './checksum.js';
import { AH_HEADER_LEN, buildIpv4Packet, IPPROTO_AH, type Ipv4HeaderInput } from './codec.js';
import { VrrpDecodeError } from './errors.js';
import { hmacMd5 } from './md5.js';

export { AH_HEADER_LEN };
/** RFC 2402 §2.2: Payload Len = AH length in 32-bit words minus 2 = 24 / 4 - 2. */
export const AH_PAYLOAD_LEN = 4;
/** RFC 2403 §5: HMAC-MD5-96 keeps the first 96 bits of the digest. */
export const AH_ICV_LEN = 12;
/** Offset of the ICV (Authentication Data) inside the AH. */
export const AH_ICV_OFFSET = 12;
/** keepalived's auth_data: 8 bytes. */
export const AH_KEY_LEN = 8;
/** keepalived stops counting at 0xFFFFFFFE ("cycled") and restarts from 0 when it next becomes master. */
export const AH_SEQ_MAX = 0xfffffffe;

export interface AhHeader {
  nextHeader: number;
  payloadLen: number;
  reserved: number;
  /** Security Parameters Index, as a dotted IPv4 address (keepalived puts the source address there). */
  spi: string;
  seq: number;
  icv: Uint8Array;
}

/** The HMAC key keepalived derives from auth_pass: its first 8 bytes, zero-padded to 8. */
export function ahKey(password: string): Uint8Array {
  const k = new Uint8Array(AH_KEY_LEN);
  k.set(new TextEncoder().encode(password).subarray(0, AH_KEY_LEN));
  return k;
}

/** Parse the 24-byte AH at `offset` (structure only: the ICV is checked by verifyAh). */
export function parseAh(buf: Uint8Array, offset = 0): AhHeader {
  if (buf.length < offset + AH_HEADER_LEN) {
    throw new VrrpDecodeError('packet_too_short', `IPsec AH is ${Math.max(0, buf.length - offset)} bytes; it needs ${AH_HEADER_LEN}`);
  }
  const b = buf.subarray(offset, offset + AH_HEADER_LEN);
  const u32 = (o: number): number => ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
  return {
    nextHeader: b[0]!,
    payloadLen: b[1]!,
    reserved: (b[2]! << 8) | b[3]!,
    spi: formatAddr(b, 'ipv4', 4),
    seq: u32(8),
    icv: new Uint8Array(b.subarray(AH_ICV_OFFSET, AH_ICV_OFFSET + AH_ICV_LEN)),
  };
}

/**
 * The ICV of an IPv4 packet carrying AH (IP header of `ihl` bytes, then the AH, then the VRRP message):
 * HMAC-MD5-96 over the packet with the mutable fields and the ICV zeroed (see the file comment).
 */
export function computeIcv(packet: Uint8Array, ihl: number, key: Uint8Array, unicast: boolean): Uint8Array {
  const p = new Uint8Array(packet); // a copy: the caller's bytes stay as they are
  p[1] = 0; // TOS
  p[6] = 0; // flags, fragment offset
  p[7] = 0;
  p[10] = 0; // header checksum
  p[11] = 0;
  if (unicast) p[8] = 0; // TTL: keepalived zeroes it only with unicast peers
  p.fill(0, ihl + AH_ICV_OFFSET, ihl + AH_ICV_OFFSET + AH_ICV_LEN);
  return hmacMd5(key, p).subarray(0, AH_ICV_LEN);
}

export interface AhSendOptions {
  seq: number;
  key: Uint8Array;
  /** Sent to a unicast peer (the TTL is then left out of the ICV). */
  unicast: boolean;
}

/**
 * A whole IPv4 packet (as sent with IP_HDRINCL): IP header (protocol 51, TOS 0xc0, TTL 255 unless
 * given), AH (next header 112, SPI = source, `seq`, ICV), then the VRRP message `vrrp` (built with
 * auth type 2 and zero authentication data, as keepalived sends it).
 */
export function buildAhPacket(h: Ipv4HeaderInput, vrrp: Uint8Array, o: AhSendOptions): Uint8Array {
  if (!Number.isInteger(o.seq) || o.seq < 0 || o.seq > 0xffffffff) throw new RangeError(`AH sequence number ${o.seq} is not a 32-bit unsigned integer`);
  const ah = new Uint8Array(AH_HEADER_LEN + vrrp.length);
  ah[0] = IPPROTO_VRRP;
  ah[1] = AH_PAYLOAD_LEN;
  ah.set(parseAddr(h.src, 'ipv4'), 4);
  ah[8] = (o.seq >>> 24) & 0xff;
  ah[9] = (o.seq >>> 16) & 0xff;
  ah[10] = (o.seq >>> 8) & 0xff;
  ah[11] = o.seq & 0xff;
  ah.set(vrrp, AH_HEADER_LEN);
  const packet = buildIpv4Packet(h, ah, IPPROTO_AH);
  packet.set(computeIcv(packet, 20, o.key, o.unicast), 20 + AH_ICV_OFFSET);
  return packet;
}

export type AhVerdict =
  | { ok: true; seq: number }
  | { ok: false; reason: 'icv' | 'spi' | 'replay'; seq: number; message: string };

export interface AhVerifyInput {
  /** The IP header as received (with its options, if any). */
  ipHeader: Uint8Array;
  ah: Uint8Array;
  /** The VRRP message after the AH. */
  vrrp: Uint8Array;
  /** IP source, canonical text. */
  src: string;
  key: Uint8Array;
  unicast: boolean;
  /** The instance's sequence counter (the highest number received or sent). */
  lastSeq: number;
}

/** keepalived's vrrp_in_chk_ipsecah: the ICV first, then SPI = source, then the anti-replay rule. Pure. */
export function verifyAh(v: AhVerifyInput): AhVerdict {
  const ihl = v.ipHeader.length;
  const packet = new Uint8Array(ihl + v.ah.length + v.vrrp.length);
  packet.set(v.ipHeader, 0);
  packet.set(v.ah, ihl);
  packet.set(v.vrrp, ihl + v.ah.length);
  const h = parseAh(v.ah);
  const icv = computeIcv(packet, ihl, v.key, v.unicast);
  // Constant-time compare (keepalived: memcmp_constant_time).
  let diff = 0;
  for (let i = 0; i < AH_ICV_LEN; i++) diff |= icv[i]! ^ h.icv[i]!;
  if (diff !== 0) {
    return { ok: false, reason: 'icv', seq: h.seq, message: 'IPsec AH: invalid HMAC-MD5 ICV (fields changed in transit or a different auth_pass)' };
  }
  if (h.spi !== v.src) return { ok: false, reason: 'spi', seq: h.seq, message: `IPsec AH: SPI ${h.spi} is not the source address ${v.src}` };
  // RFC 2402 §3.4.3 anti-replay, keepalived's way: strictly above the instance's counter.
  if (h.seq <= v.lastSeq) {
    return { ok: false, reason: 'replay', seq: h.seq, message: `IPsec AH: sequence number ${h.seq} already processed (local ${v.lastSeq}); replayed or from a restarted sender` };
  }
  return { ok: true, seq: h.seq };
}

/** An instance's AH sequence counter (keepalived's ipsecah_counter). */
export interface AhCounter {
  seq: number;
  /** The counter reached AH_SEQ_MAX; it restarts from 0 the next time the instance becomes master. */
  cycle: boolean;
}

export function ahCounter(): AhCounter {
  return { seq: 0, cycle: false };
}

/** The sequence number of the next advert sent (keepalived vrrp_update_pkt). Mutates `c`. */
export function nextSendSeq(c: AhCounter): number {
  if (c.seq >= AH_SEQ_MAX) c.cycle = true;
  else c.seq++;
  return c.seq;
}

/** A valid advert was received (its ICV and SPI checked, its number above the counter). Mutates `c`. */
export function acceptSeq(c: AhCounter, seq: number, backup: boolean): void {
  c.seq = seq;
  if (backup) c.cycle = false; // keepalived: a backup hearing numbers at or above its own is not cycled
}

/** Becoming master: a cycled counter restarts from 0 (keepalived vrrp_state_goto_master). Mutates `c`. */
export function becomeMasterSeq(c: AhCounter): void {
  if (c.cycle) {
    c.cycle = false;
    c.seq = 0;
  }
}
