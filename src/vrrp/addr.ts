// Pure address helpers for the VRRP codec and state machine: IPv4/IPv6 text <-> bytes, ordering.
// No node:net: the pure layers must not import node modules (STYLE.md, habit 11).

export type Family = 'ipv4' | 'ipv6';

/** Thrown when an address string is not a valid IPv4/IPv6 address. Stable code 'bad_address'. */
export class AddressError extends Error {
  readonly code = 'bad_address';
  constructor(message: string) {
    super(message);
    this.name = 'AddressError';
  }
}

export function familyOf(addr: string): Family {
  return addr.includes(':') ? 'ipv6' : 'ipv4';
}

export function parseIpv4(addr: string): Uint8Array {
  const parts = addr.split('.');
  if (parts.length !== 4) throw new AddressError(`"${addr}" is not an IPv4 address (needs 4 dotted parts)`);
  const out = new Uint8Array(4);
  parts.forEach((p, i) => {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) {
      throw new AddressError(`"${addr}" is not an IPv4 address (part "${p}" is not 0..255)`);
    }
    out[i] = Number(p);
  });
  return out;
}

export function formatIpv4(b: Uint8Array, off = 0): string {
  return `${b[off]}.${b[off + 1]}.${b[off + 2]}.${b[off + 3]}`;
}

export function parseIpv6(addr: string): Uint8Array {
  let text = addr;
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  const out = new Uint8Array(16);
  // An embedded dotted IPv4 tail (::ffff:1.2.3.4) becomes two groups.
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    const v4 = parseIpv4(tail);
    text = `${text.slice(0, lastColon + 1)}${((v4[0]! << 8) | v4[1]!).toString(16)}:${((v4[2]! << 8) | v4[3]!).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) throw new AddressError(`"${addr}" is not an IPv6 address (more than one "::")`);
  const head = halves[0] === '' ? [] : halves[0]!.split(':');
  const rest = halves.length === 2 ? (halves[1] === '' ? [] : halves[1]!.split(':')) : [];
  const groups = halves.length === 2 ? head.length + rest.length : head.length;
  if (halves.length === 1 ? groups !== 8 : groups > 7) {
    throw new AddressError(`"${addr}" is not an IPv6 address (wrong number of groups)`);
  }
  const all = halves.length === 2 ? [...head, ...Array<string>(8 - groups).fill('0'), ...rest] : head;
  all.forEach((g, i) => {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) throw new AddressError(`"${addr}" is not an IPv6 address (group "${g}")`);
    const v = parseInt(g, 16);
    out[i * 2] = v >> 8;
    out[i * 2 + 1] = v & 0xff;
  });
  return out;
}

/** RFC 5952 text form: lower case, longest run (>= 2) of zero groups compressed to "::". */
export function formatIpv6(b: Uint8Array, off = 0): string {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push((b[off + i * 2]! << 8) | b[off + i * 2 + 1]!);
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = g.map((v) => v.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

export function parseAddr(addr: string, family: Family = familyOf(addr)): Uint8Array {
  return family === 'ipv4' ? parseIpv4(addr) : parseIpv6(addr);
}

export function formatAddr(b: Uint8Array, family: Family, off = 0): string {
  return family === 'ipv4' ? formatIpv4(b, off) : formatIpv6(b, off);
}

/** Canonical text of an address (so "2001:DB8:0::1" and "2001:db8::1" compare equal). */
export function canonicalAddr(addr: string): string {
  const fam = familyOf(addr);
  return formatAddr(parseAddr(addr, fam), fam);
}

/** Compare two addresses of one family as unsigned big-endian integers: -1, 0 or 1. */
export function compareAddr(a: string, b: string): number {
  const x = parseAddr(a);
  const y = parseAddr(b);
  if (x.length !== y.length) return x.length < y.length ? -1 : 1;
  for (let i = 0; i < x.length; i++) {
    if (x[i]! !== y[i]!) return x[i]! < y[i]! ? -1 : 1;
  }
  return 0;
}

export function isIpv6LinkLocal(addr: string): boolean {
  const b = parseIpv6(addr);
  return b[0] === 0xfe && (b[1]! & 0xc0) === 0x80;
}
