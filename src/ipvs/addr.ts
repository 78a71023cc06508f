// Pure codec: IPv4 / IPv6 address text <-> bytes, printed the way glibc's inet_ntop prints them.
import { IpvsDecodeError } from './errors.js';
import type { NlWriter } from './netlink.js';
import type { Family } from './types.js';

const V4_PART = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/** Dotted-quad IPv4 text as a 32-bit number, or -1 (no leading zeros, as parseIPv4). Fast path. */
export function ipv4ToInt(text: string): number {
  let v = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || dots === 3) return -1;
      v = v * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && part === 0) return -1;
      part = part * 10 + (c - 48);
      if (part > 255) return -1;
      digits++;
    } else return -1;
  }
  if (dots !== 3 || digits === 0) return -1;
  return v * 256 + part;
}

/** Parses dotted-quad IPv4 text into 4 bytes, or returns undefined. */
export function parseIPv4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i] as string;
    if (!V4_PART.test(p)) return undefined;
    out[i] = Number(p);
  }
  return out;
}

/** Parses IPv6 text (RFC 4291 §2.2, including a trailing dotted IPv4) into 16 bytes. */
export function parseIPv6(text: string): Uint8Array | undefined {
  if (text.length === 0 || text.length > 45) return undefined;
  let head = text;
  let tail = '';
  const dbl = text.indexOf('::');
  if (dbl >= 0) {
    if (text.indexOf('::', dbl + 1) >= 0) return undefined;
    head = text.slice(0, dbl);
    tail = text.slice(dbl + 2);
  }
  const words = (s: string): number[] | undefined => {
    if (s === '') return [];
    const out: number[] = [];
    const groups = s.split(':');
    for (let i = 0; i < groups.length; i++) {
      const g = groups[i] as string;
      if (i === groups.length - 1 && g.includes('.')) {
        const v4 = parseIPv4(g);
        if (!v4) return undefined;
        out.push(((v4[0] as number) << 8) | (v4[1] as number), ((v4[2] as number) << 8) | (v4[3] as number));
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
        out.push(parseInt(g, 16));
      }
    }
    return out;
  };
  const h = words(head);
  const t = words(tail);
  if (!h || !t) return undefined;
  if (dbl >= 0 && head.includes('.')) return undefined;
  let all: number[];
  if (dbl >= 0) {
    if (h.length + t.length > 7) return undefined;
    all = [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
  } else {
    if (h.length !== 8) return undefined;
    all = h;
  }
  const out = new Uint8Array(16);
  all.forEach((w, i) => {
    out[2 * i] = w >> 8;
    out[2 * i + 1] = w & 0xff;
  });
  return out;
}

export function formatIPv4(b: Uint8Array, off = 0): string {
  return `${b[off]}.${b[off + 1]}.${b[off + 2]}.${b[off + 3]}`;
}

/** glibc inet_ntop(AF_INET6): the first longest run (>= 2) of zero words becomes "::";
 * ::a.b.c.d and ::ffff:a.b.c.d keep the embedded IPv4 dotted. */
export function formatIPv6(b: Uint8Array, off = 0): string {
  const w: number[] = [];
  for (let i = 0; i < 8; i++) w.push(((b[off + 2 * i] as number) << 8) | (b[off + 2 * i + 1] as number));
  let bestBase = -1;
  let bestLen = 0;
  let curBase = -1;
  let curLen = 0;
  for (let i = 0; i < 8; i++) {
    if (w[i] === 0) {
      if (curBase === -1) {
        curBase = i;
        curLen = 1;
      } else curLen++;
    } else if (curBase !== -1) {
      if (bestBase === -1 || curLen > bestLen) {
        bestBase = curBase;
        bestLen = curLen;
      }
      curBase = -1;
    }
  }
  if (curBase !== -1 && (bestBase === -1 || curLen > bestLen)) {
    bestBase = curBase;
    bestLen = curLen;
  }
  if (bestBase !== -1 && bestLen < 2) bestBase = -1;
  let s = '';
  for (let i = 0; i < 8; i++) {
    if (bestBase !== -1 && i >= bestBase && i < bestBase + bestLen) {
      if (i === bestBase) s += ':';
      continue;
    }
    if (i !== 0) s += ':';
    if (i === 6 && bestBase === 0 && (bestLen === 6 || (bestLen === 5 && w[5] === 0xffff))) {
      s += formatIPv4(b, off + 12);
      break;
    }
    s += (w[i] as number).toString(16);
  }
  if (bestBase !== -1 && bestBase + bestLen === 8) s += ':';
  return s;
}

/** Parses an address of either family; IPv6 may be given in [brackets]. */
export function parseAddress(text: string): { family: Family; bytes: Uint8Array } | undefined {
  const t = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const v4 = parseIPv4(t);
  if (v4) return { family: 'ipv4', bytes: v4 };
  const v6 = parseIPv6(t);
  if (v6) return { family: 'ipv6', bytes: v6 };
  return undefined;
}

/** The canonical text of an address (what the kernel dump decodes to and ipvsadm prints). */
export function canonicalAddress(family: Family, text: string): string {
  // Fast path: dotted-quad without leading zeros is already canonical.
  if (family === 'ipv4' && ipv4ToInt(text) >= 0) return text;
  const p = parseAddress(text);
  if (!p || p.family !== family) throw new IpvsDecodeError('LVSD_IPVS_BAD_ADDRESS', `not an ${family} address: '${text}'`);
  return family === 'ipv4' ? formatIPv4(p.bytes) : formatIPv6(p.bytes);
}

/** The 16-byte union nf_inet_addr the kernel exchanges (IPv4 in the first 4 bytes). */
export function addressToInet(family: Family, text: string): Uint8Array {
  const p = parseAddress(text);
  if (!p || p.family !== family) throw new IpvsDecodeError('LVSD_IPVS_BAD_ADDRESS', `not an ${family} address: '${text}'`);
  const out = new Uint8Array(16);
  out.set(p.bytes, 0);
  return out;
}

export function inetToAddress(family: Family, b: Uint8Array): string {
  if (family === 'ipv4') {
    if (b.length < 4) throw new IpvsDecodeError('LVSD_IPVS_DECODE', `IPv4 address attribute is ${b.length} bytes; needs 4`);
    return formatIPv4(b);
  }
  if (b.length < 16) throw new IpvsDecodeError('LVSD_IPVS_DECODE', `IPv6 address attribute is ${b.length} bytes; needs 16`);
  return formatIPv6(b);
}

const INET_ZERO = new Uint8Array(16);

/** Writes a union nf_inet_addr attribute (16 bytes, IPv4 in the first 4) as ipvsadm sends it. */
export function writeInet(w: NlWriter, type: number, family: Family, text: string): void {
  if (family === 'ipv4') {
    const v = ipv4ToInt(text);
    if (v < 0) throw new IpvsDecodeError('LVSD_IPVS_BAD_ADDRESS', `not an ipv4 address: '${text}'`);
    w.inet4(type, v);
    return;
  }
  w.bytes(type, text === '::' ? INET_ZERO : addressToInet(family, text));
}
