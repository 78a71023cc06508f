// Pure codec: VRRP v2 (RFC 3768) and v3 (RFC 5798) advertisements over IPv4 and IPv6, plus the IPv4/IPv6
// headers a raw socket or a capture delivers (and the place of the IPsec AH of v2, see ipsec-ah.ts). Parsing only checks that the packet itself is well formed;
// VRID, authentication, interval and address-list checks belong to validate.ts.
import { familyOf, formatAddr, parseAddr, type Family } from './addr.js';
import { internetChecksum, ipv4PseudoHeader, ipv6PseudoHeader, IPPROTO_VRRP } from './checksum.js';
import { VrrpDecodeError, VrrpEncodeError } from './errors.js';

export type VrrpVersion = 2 | 3;

/** RFC 5798 §5.2.2: the only type. */
export const VRRP_TYPE_ADVERTISEMENT = 1;
/** RFC 3768 §5.3.6 (and RFC 2338 for AH): Auth Type values. */
export const AUTH_NONE = 0;
export const AUTH_PASS = 1;
export const AUTH_AH = 2;
/** RFC 5798 §5.1.1.3 / §5.1.2.3: TTL / Hop Limit of every advert. */
export const VRRP_TTL = 255;
export const VRRP_HEADER_LEN = 8;
/** RFC 3768 §5.3.10: 8 bytes of authentication data follow the addresses in v2 (keepalived omits it over IPv6). */
export const VRRP_AUTH_LEN = 8;
export const IPV4_HEADER_LEN = 20;
export const IPV6_HEADER_LEN = 40;
/** IPsec AH (RFC 2402), keepalived's auth_type AH for VRRPv2 over IPv4: see ipsec-ah.ts. */
export const IPPROTO_AH = 51;
/** RFC 2402 §2: an AH with a 96-bit ICV (HMAC-MD5-96) is 24 bytes. */
export const AH_HEADER_LEN = 24;

/** A decoded (or to-be-encoded) advertisement. */
export interface VrrpAdvert {
  version: VrrpVersion;
  vrid: number;
  priority: number;
  /**
   * Advertisement interval in centiseconds. v3: Max Adver Int (RFC 5798 §5.2.7, 12 bits).
   * v2: Adver Int (RFC 3768 §5.3.7, whole seconds) x 100.
   */
  adverIntCs: number;
  /** IPvX addresses carried in the advert, in packet order, canonical text. */
  addresses: string[];
  /** v2 Auth Type (0 none, 1 simple text password, 2 IP AH); 0 for v3. */
  authType: number;
  /** v2 over IPv4: the 8 Authentication Data bytes; null otherwise. */
  authData: Uint8Array | null;
  /** v3: the 4 reserved bits before Max Adver Int (RFC 5798 §5.2.6: sent 0, ignored on receipt); 0 for v2. */
  reserved: number;
  /** The checksum field as carried (decode) or computed (encode). */
  checksum: number;
}

export type AdvertInput = Omit<VrrpAdvert, 'checksum' | 'authData' | 'reserved' | 'authType'> & {
  authType?: number;
  /** v2 PASS: the password (up to 8 bytes, zero-padded as keepalived does) or raw 8 bytes. */
  authData?: Uint8Array | string | null;
  reserved?: number;
};

/** How the checksum covers the packet. */
export interface ChecksumOptions {
  family: Family;
  /** IP source and destination; needed for the pseudo-header (v3 over IPv4 unless v3ChecksumAsV2, and IPv6). */
  src?: string;
  dst?: string;
  /** keepalived's `v3_checksum_as_v2`: a v3 IPv4 checksum over the VRRP message only, without pseudo-header. */
  v3ChecksumAsV2?: boolean;
}

export interface DecodeOptions extends ChecksumOptions {
  /** 'skip' when the kernel already verified it (IPv6 socket with IPV6_CHECKSUM). Default 'verify'. */
  checksum?: 'verify' | 'skip';
}

function addrLen(family: Family): number {
  return family === 'ipv4' ? 4 : 16;
}

function hasAuthField(version: VrrpVersion, family: Family): boolean {
  return version === 2 && family === 'ipv4';
}

/** Length in bytes of a VRRP message with n addresses. */
export function advertLength(version: VrrpVersion, family: Family, naddr: number): number {
  return VRRP_HEADER_LEN + naddr * addrLen(family) + (hasAuthField(version, family) ? VRRP_AUTH_LEN : 0);
}

function usesPseudoHeader(version: VrrpVersion, opts: ChecksumOptions): boolean {
  if (opts.family === 'ipv6') return true; // RFC 5798 §5.2.8; keepalived lets the kernel sum it (IPV6_CHECKSUM)
  return version === 3 && !opts.v3ChecksumAsV2; // RFC 3768 §5.3.8 sums the message only
}

function pseudoHeader(opts: ChecksumOptions, length: number, what: string): Uint8Array {
  if (opts.src === undefined || opts.dst === undefined) {
    throw new VrrpEncodeError('checksum_context', `${what}: the checksum needs the IP source and destination (pseudo-header)`);
  }
  return opts.family === 'ipv4' ? ipv4PseudoHeader(opts.src, opts.dst, length) : ipv6PseudoHeader(opts.src, opts.dst, length);
}

/** Checksum of a VRRP message whose checksum field is taken as zero. */
export function computeChecksum(msg: Uint8Array, version: VrrpVersion, opts: ChecksumOptions): number {
  const zeroed = new Uint8Array(msg); // a copy: Buffer#slice would alias the caller's bytes
  zeroed[6] = 0;
  zeroed[7] = 0;
  if (!usesPseudoHeader(version, opts)) return internetChecksum(zeroed);
  return internetChecksum(pseudoHeader(opts, msg.length, 'computeChecksum'), zeroed);
}

function authBytes(data: Uint8Array | string | null | undefined): Uint8Array {
  const out = new Uint8Array(VRRP_AUTH_LEN);
  if (data === null || data === undefined) return out;
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  out.set(bytes.subarray(0, VRRP_AUTH_LEN)); // keepalived keeps the first 8 bytes of auth_pass
  return out;
}

function checkByte(name: string, v: number, min: number, max: number): void {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new VrrpEncodeError('bad_field', `${name} is ${v}; must be an integer in ${min}..${max}`);
  }
}

/** Encode one VRRP advertisement (the VRRP message only, no IP header). */
export function encodeAdvert(a: AdvertInput, opts: ChecksumOptions): Uint8Array {
  const family = opts.family;
  checkByte('VRID', a.vrid, 0, 255);
  checkByte('priority', a.priority, 0, 255);
  if (a.addresses.length > 255) {
    throw new VrrpEncodeError('too_many_addresses', `${a.addresses.length} addresses; Count IPvX Addr is 8 bits (max 255)`);
  }
  const len = advertLength(a.version, family, a.addresses.length);
  const msg = new Uint8Array(len);
  msg[0] = (a.version << 4) | VRRP_TYPE_ADVERTISEMENT;
  msg[1] = a.vrid;
  msg[2] = a.priority;
  msg[3] = a.addresses.length;
  if (a.version === 2) {
    // RFC 3768 §5.3.7: Adver Int in whole seconds, 8 bits.
    if (a.adverIntCs % 100 !== 0 || a.adverIntCs < 0 || a.adverIntCs > 25500) {
      throw new VrrpEncodeError('bad_interval', `VRRPv2 interval ${a.adverIntCs} cs is not a whole number of seconds in 0..255`);
    }
    const authType = a.authType ?? AUTH_NONE;
    checkByte('auth type', authType, 0, 255);
    msg[4] = authType;
    msg[5] = a.adverIntCs / 100;
  } else if (a.version === 3) {
    // RFC 5798 §5.2.6-5.2.7: 4 reserved bits (zero), 12-bit Max Adver Int in centiseconds.
    checkByte('Max Adver Int', a.adverIntCs, 0, 0xfff);
    const rsvd = a.reserved ?? 0;
    checkByte('reserved bits', rsvd, 0, 15);
    msg[4] = (rsvd << 4) | (a.adverIntCs >> 8);
    msg[5] = a.adverIntCs & 0xff;
  } else {
    throw new VrrpEncodeError('bad_field', `version is ${String(a.version)}; must be 2 or 3`);
  }
  a.addresses.forEach((addr, i) => {
    if (familyOf(addr) !== family) {
      throw new VrrpEncodeError('family_mismatch', `address ${addr} is not ${family}`);
    }
    msg.set(parseAddr(addr, family), VRRP_HEADER_LEN + i * addrLen(family));
  });
  if (hasAuthField(a.version, family)) msg.set(authBytes(a.authData), len - VRRP_AUTH_LEN);
  const sum = computeChecksum(msg, a.version, opts);
  msg[6] = sum >> 8;
  msg[7] = sum & 0xff;
  return msg;
}

const hex4 = (n: number): string => `0x${n.toString(16).padStart(4, '0')}`;

/** Decode one VRRP message (no IP header). Throws VrrpDecodeError saying exactly what is wrong. */
export function decodeAdvert(buf: Uint8Array, opts: DecodeOptions): VrrpAdvert {
  const family = opts.family;
  const fam = family === 'ipv4' ? 'IPv4' : 'IPv6';
  if (buf.length < VRRP_HEADER_LEN) {
    throw new VrrpDecodeError('packet_too_short', `VRRP packet is ${buf.length} bytes; the header alone is ${VRRP_HEADER_LEN}`);
  }
  const version = buf[0]! >> 4;
  const type = buf[0]! & 0x0f;
  if (version !== 2 && version !== 3) {
    throw new VrrpDecodeError('bad_version', `VRRP version is ${version}; should be 2 or 3`);
  }
  if (type !== VRRP_TYPE_ADVERTISEMENT) {
    throw new VrrpDecodeError('bad_type', `VRRP type is ${type}; should be ${VRRP_TYPE_ADVERTISEMENT} (ADVERTISEMENT)`);
  }
  const naddr = buf[3]!;
  const expected = advertLength(version, family, naddr);
  if (buf.length < expected) {
    throw new VrrpDecodeError(
      'packet_too_short',
      `VRRPv${version} packet is ${buf.length} bytes; with ${naddr} ${fam} address(es) it needs ${expected}`,
    );
  }
  if (buf.length > expected) {
    throw new VrrpDecodeError(
      'length_mismatch',
      `VRRPv${version} packet is ${buf.length} bytes; with ${naddr} ${fam} address(es) it should be ${expected}`,
    );
  }
  let authType = 0;
  let adverIntCs: number;
  let reserved = 0;
  if (version === 2) {
    authType = buf[4]!;
    if (authType > AUTH_AH) {
      throw new VrrpDecodeError('bad_auth_type', `VRRPv2 auth type is ${authType}; should be 0 (none), 1 (PASS) or 2 (AH)`);
    }
    adverIntCs = buf[5]! * 100;
  } else {
    reserved = buf[4]! >> 4;
    adverIntCs = ((buf[4]! & 0x0f) << 8) | buf[5]!;
  }
  const checksum = (buf[6]! << 8) | buf[7]!;
  if (opts.checksum !== 'skip') {
    const computed = computeChecksum(buf, version, opts);
    if (computed !== checksum) {
      let hint = '';
      if (version === 3 && family === 'ipv4') {
        const other = computeChecksum(buf, version, { ...opts, v3ChecksumAsV2: !opts.v3ChecksumAsV2 });
        if (other === checksum) {
          hint = opts.v3ChecksumAsV2
            ? '; it matches the RFC 5798 sum with the IPv4 pseudo-header: the sender does not use v3_checksum_as_v2'
            : '; it matches the sum without the IPv4 pseudo-header: the sender uses v3_checksum_as_v2';
        }
      }
      const scope = usesPseudoHeader(version, opts) ? ` (with pseudo-header ${opts.src} > ${opts.dst})` : '';
      throw new VrrpDecodeError(
        'bad_checksum',
        `VRRPv${version} checksum is ${hex4(checksum)}; should be ${hex4(computed)}${scope}${hint}`,
      );
    }
  }
  const addresses: string[] = [];
  for (let i = 0; i < naddr; i++) addresses.push(formatAddr(buf, family, VRRP_HEADER_LEN + i * addrLen(family)));
  const authData = hasAuthField(version, family) ? new Uint8Array(buf.subarray(expected - VRRP_AUTH_LEN, expected)) : null;
  return { version, vrid: buf[1]!, priority: buf[2]!, adverIntCs, addresses, authType, authData, reserved, checksum };
}

/* ---------- IPv4 header (raw IPv4 sockets deliver it; with IP_HDRINCL lvsd sends it) ---------- */

export interface Ipv4Header {
  /** Header length in bytes (IHL x 4). */
  headerLength: number;
  tos: number;
  totalLength: number;
  id: number;
  /** Flags and fragment offset, as the 16-bit field. */
  flagsFragment: number;
  ttl: number;
  protocol: number;
  headerChecksum: number;
  src: string;
  dst: string;
}

export function parseIpv4Header(buf: Uint8Array): Ipv4Header {
  if (buf.length < IPV4_HEADER_LEN) {
    throw new VrrpDecodeError('ip_header_short', `IPv4 packet is ${buf.length} bytes; the header alone is ${IPV4_HEADER_LEN}`);
  }
  const version = buf[0]! >> 4;
  if (version !== 4) throw new VrrpDecodeError('not_ip_version', `IP version is ${version}; should be 4`);
  const headerLength = (buf[0]! & 0x0f) * 4;
  if (headerLength < IPV4_HEADER_LEN || headerLength > buf.length) {
    throw new VrrpDecodeError('bad_ihl', `IPv4 header length is ${headerLength} bytes; packet is ${buf.length}`);
  }
  const u16 = (o: number): number => (buf[o]! << 8) | buf[o + 1]!;
  const h: Ipv4Header = {
    headerLength,
    tos: buf[1]!,
    totalLength: u16(2),
    id: u16(4),
    flagsFragment: u16(6),
    ttl: buf[8]!,
    protocol: buf[9]!,
    headerChecksum: u16(10),
    src: formatAddr(buf, 'ipv4', 12),
    dst: formatAddr(buf, 'ipv4', 16),
  };
  if (h.totalLength !== buf.length) {
    throw new VrrpDecodeError('ip_length_mismatch', `IPv4 total length is ${h.totalLength}; received ${buf.length} bytes`);
  }
  if (internetChecksum(buf.subarray(0, headerLength)) !== 0) {
    throw new VrrpDecodeError('ip_bad_checksum', `IPv4 header checksum ${hex4(h.headerChecksum)} is wrong`);
  }
  if ((h.flagsFragment & 0x3fff) !== 0) {
    throw new VrrpDecodeError('ip_fragment', `IPv4 packet is a fragment (flags/offset ${hex4(h.flagsFragment)})`);
  }
  if (h.protocol !== IPPROTO_VRRP && h.protocol !== IPPROTO_AH) {
    throw new VrrpDecodeError('not_vrrp', `IPv4 protocol is ${h.protocol}; should be ${IPPROTO_VRRP} (or ${IPPROTO_AH}, IPsec AH)`);
  }
  return h;
}

export interface Ipv4HeaderInput {
  src: string;
  dst: string;
  id: number;
  /** keepalived sends TOS 0xc0 (internetwork control) and TTL 255. */
  tos?: number;
  ttl?: number;
  flagsFragment?: number;
}

/** Build an IPv4 header (with its checksum) followed by the payload, as sent with IP_HDRINCL. */
export function buildIpv4Packet(h: Ipv4HeaderInput, payload: Uint8Array, protocol = IPPROTO_VRRP): Uint8Array {
  const total = IPV4_HEADER_LEN + payload.length;
  const out = new Uint8Array(total);
  out[0] = 0x45;
  out[1] = h.tos ?? 0xc0;
  out[2] = total >> 8;
  out[3] = total & 0xff;
  out[4] = (h.id >> 8) & 0xff;
  out[5] = h.id & 0xff;
  const ff = h.flagsFragment ?? 0;
  out[6] = ff >> 8;
  out[7] = ff & 0xff;
  out[8] = h.ttl ?? VRRP_TTL;
  out[9] = protocol;
  out.set(parseAddr(h.src, 'ipv4'), 12);
  out.set(parseAddr(h.dst, 'ipv4'), 16);
  const sum = internetChecksum(out.subarray(0, IPV4_HEADER_LEN));
  out[10] = sum >> 8;
  out[11] = sum & 0xff;
  out.set(payload, IPV4_HEADER_LEN);
  return out;
}

export interface DecodedIpv4 {
  ip: Ipv4Header;
  advert: VrrpAdvert;
  /** Protocol 51: the 24-byte IPsec AH before the VRRP message (its ICV is checked by ipsec-ah.ts verifyAh). */
  ah?: Uint8Array;
}

/**
 * Split an IPv4 packet of protocol 51 into its AH and the VRRP message after it. Throws when the AH is
 * cut short or protects another protocol (keepalived ignores such a packet).
 */
export function splitAh(buf: Uint8Array, ihl: number): { ah: Uint8Array; vrrp: Uint8Array } {
  if (buf.length < ihl + AH_HEADER_LEN) {
    throw new VrrpDecodeError('packet_too_short', `IPsec AH packet is ${buf.length} bytes; the IP header and AH alone are ${ihl + AH_HEADER_LEN}`);
  }
  const ah = buf.subarray(ihl, ihl + AH_HEADER_LEN);
  if (ah[0] !== IPPROTO_VRRP) throw new VrrpDecodeError('not_vrrp', `IPsec AH next header is ${ah[0]}; should be ${IPPROTO_VRRP}`);
  return { ah, vrrp: buf.subarray(ihl + AH_HEADER_LEN) };
}

export interface Ipv4DecodeOptions {
  v3ChecksumAsV2?: boolean;
  /**
   * Destination to put in the v3 pseudo-header instead of the packet's own. keepalived's
   * `old_unicast_checksum` sums unicast v3 adverts as if sent to the multicast group (224.0.0.18).
   */
  pseudoHeaderDst?: string;
}

/** Decode an IPv4 packet carrying a VRRP advert, as a raw IPv4 socket returns it. */
export function decodeIpv4Packet(buf: Uint8Array, opts: Ipv4DecodeOptions = {}): DecodedIpv4 {
  const ip = parseIpv4Header(buf);
  const parts = ip.protocol === IPPROTO_AH ? splitAh(buf, ip.headerLength) : { ah: undefined, vrrp: buf.subarray(ip.headerLength) };
  const advert = decodeAdvert(parts.vrrp, {
    family: 'ipv4',
    src: ip.src,
    dst: opts.pseudoHeaderDst ?? ip.dst,
    v3ChecksumAsV2: opts.v3ChecksumAsV2 ?? false,
  });
  return parts.ah === undefined ? { ip, advert } : { ip, advert, ah: new Uint8Array(parts.ah) };
}

/* ---------- IPv6 fixed header (captures and AF_PACKET carry it; raw IPv6 sockets do not) ---------- */

export interface Ipv6Header {
  trafficClass: number;
  flowLabel: number;
  payloadLength: number;
  nextHeader: number;
  hopLimit: number;
  src: string;
  dst: string;
}

export function parseIpv6Header(buf: Uint8Array): Ipv6Header {
  if (buf.length < IPV6_HEADER_LEN) {
    throw new VrrpDecodeError('ip_header_short', `IPv6 packet is ${buf.length} bytes; the header alone is ${IPV6_HEADER_LEN}`);
  }
  const version = buf[0]! >> 4;
  if (version !== 6) throw new VrrpDecodeError('not_ip_version', `IP version is ${version}; should be 6`);
  const h: Ipv6Header = {
    trafficClass: ((buf[0]! & 0x0f) << 4) | (buf[1]! >> 4),
    flowLabel: ((buf[1]! & 0x0f) << 16) | (buf[2]! << 8) | buf[3]!,
    payloadLength: (buf[4]! << 8) | buf[5]!,
    nextHeader: buf[6]!,
    hopLimit: buf[7]!,
    src: formatAddr(buf, 'ipv6', 8),
    dst: formatAddr(buf, 'ipv6', 24),
  };
  if (h.payloadLength !== buf.length - IPV6_HEADER_LEN) {
    throw new VrrpDecodeError(
      'ip_length_mismatch',
      `IPv6 payload length is ${h.payloadLength}; received ${buf.length - IPV6_HEADER_LEN} bytes after the header`,
    );
  }
  if (h.nextHeader !== IPPROTO_VRRP) {
    throw new VrrpDecodeError('not_vrrp', `IPv6 next header is ${h.nextHeader}; should be ${IPPROTO_VRRP} (extension headers are not supported)`);
  }
  return h;
}

export interface Ipv6HeaderInput {
  src: string;
  dst: string;
  trafficClass?: number;
  flowLabel?: number;
  hopLimit?: number;
}

export function buildIpv6Packet(h: Ipv6HeaderInput, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(IPV6_HEADER_LEN + payload.length);
  const tc = h.trafficClass ?? 0xc0;
  const fl = h.flowLabel ?? 0;
  out[0] = 0x60 | (tc >> 4);
  out[1] = ((tc & 0x0f) << 4) | ((fl >> 16) & 0x0f);
  out[2] = (fl >> 8) & 0xff;
  out[3] = fl & 0xff;
  out[4] = payload.length >> 8;
  out[5] = payload.length & 0xff;
  out[6] = IPPROTO_VRRP;
  out[7] = h.hopLimit ?? VRRP_TTL;
  out.set(parseAddr(h.src, 'ipv6'), 8);
  out.set(parseAddr(h.dst, 'ipv6'), 24);
  out.set(payload, IPV6_HEADER_LEN);
  return out;
}

export interface DecodedIpv6 {
  ip: Ipv6Header;
  advert: VrrpAdvert;
}

export function decodeIpv6Packet(buf: Uint8Array): DecodedIpv6 {
  const ip = parseIpv6Header(buf);
  const advert = decodeAdvert(buf.subarray(IPV6_HEADER_LEN), { family: 'ipv6', src: ip.src, dst: ip.dst });
  return { ip, advert };
}
