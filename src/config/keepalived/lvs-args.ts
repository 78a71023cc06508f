// Config layer (pure): argument readers of the LVS sections of keepalived.conf: forwarding
// methods, scripts with user/group, hex strings, virtual_server_group address ranges, HTTP
// status codes. Each reports its own problems with the token's location.
import type { StatusRange } from '../model/check.js';
import type { LvsMethod, VsgAddress } from '../model/lvs.js';
import type { Token } from '../source.js';
import { canonicalIp, formatIpv6, ipv6Groups, type ParseContext } from './context.js';
import type { Stmt } from './tree.js';

/**
 * `NAT|DR|TUN [type {ipip|gue port N|gre}] [nocsum|csum|remcsum]`, with keepalived's rules
 * (check_parser.c svr_forwarding_handler): method names are case sensitive; gue needs a port and
 * only gue takes one; ipip has no checksum option; gre has no remcsum.
 */
export function readLvsMethod(s: Stmt, ctx: ParseContext): LvsMethod | undefined {
  if (!ctx.arity(s, 1, 6)) return undefined;
  const mTok = s.args[0] as Token;
  const method = ctx.oneOf(mTok, s.kw.text, ['NAT', 'DR', 'TUN'] as const, false);
  if (!method) return undefined;
  let type: 'ipip' | 'gue' | 'gre' | undefined;
  let port: number | undefined;
  let csum: 'nocsum' | 'csum' | 'remcsum' | undefined;
  const rest = s.args.slice(1);
  for (let i = 0; i < rest.length; i++) {
    const t = rest[i] as Token;
    if (t.text === 'type' || t.text === 'port') {
      const v = rest[i + 1];
      if (!v) {
        ctx.diags.error('missing-argument', `'${s.kw.text} ... ${t.text}' needs a value`, t.loc);
        return undefined;
      }
      i++;
      if (t.text === 'type') {
        const tt = ctx.oneOf(v, 'tunnel type', ['ipip', 'gue', 'gre'] as const, false);
        if (!tt) return undefined;
        type = tt;
      } else {
        const p = ctx.int(v, 'gue tunnel port', { min: 1, max: 65535 });
        if (p === undefined) return undefined;
        port = p;
      }
    } else if (t.text === 'nocsum' || t.text === 'csum' || t.text === 'remcsum') {
      csum = t.text;
    } else {
      ctx.diags.error('invalid-value', `${s.kw.text}: unknown tunnel option '${t.text}' (type, port, nocsum, csum, remcsum)`, t.loc);
      return undefined;
    }
  }
  const first = rest[0];
  if (method !== 'TUN') {
    if (first) {
      ctx.diags.error('invalid-value', `${s.kw.text}: tunnel options apply only to TUN`, first.loc);
      return undefined;
    }
    return { method };
  }
  const at = first?.loc ?? mTok.loc;
  if ((type === 'gue') !== (port !== undefined)) {
    ctx.diags.error('invalid-value', `${s.kw.text}: a gue tunnel needs 'port N', and only gue takes a port`, at);
    return undefined;
  }
  if (type === 'gue') return csum ? { type, method, port: port as number, csum } : { type, method, port: port as number };
  if (type === 'gre') {
    if (csum === 'remcsum') {
      ctx.diags.error('invalid-value', `${s.kw.text}: gre tunnels have no remcsum option`, at);
      return undefined;
    }
    return csum ? { type, method, csum } : { type, method };
  }
  if (csum && csum !== 'nocsum') {
    ctx.diags.error('invalid-value', `${s.kw.text}: ipip tunnels take no checksum option`, at);
    return undefined;
  }
  const out: LvsMethod = { method: 'TUN' };
  if (type) out.type = type;
  if (csum) out.csum = csum;
  return out;
}

/**
 * keepalived's read_hex_str: words separated by blanks; each word is read as pairs of hex digits,
 * a lone last digit being the low nibble of a byte ("Ab12f 3" = ab 12 0f 03). With `wildcard`,
 * x/X stands for any nibble. Returns lower-case hex, two digits per byte.
 */
export function readHex(tokens: readonly Token[], what: string, ctx: ParseContext, wildcard = false): string | undefined {
  let out = '';
  const digit = wildcard ? /^[0-9a-fA-FxX]+$/ : /^[0-9a-fA-F]+$/;
  for (const tok of tokens) {
    for (const word of tok.text.split(/\s+/).filter((w) => w !== '')) {
      if (!digit.test(word)) {
        ctx.diags.error('invalid-hex', `${what}: '${word}' is not hex${wildcard ? ' (x = any nibble)' : ''}`, tok.loc);
        return undefined;
      }
      const w = word.toLowerCase();
      for (let i = 0; i < w.length; i += 2) out += i + 1 < w.length ? w.slice(i, i + 2) : `0${w[i]}`;
    }
  }
  if (!out) {
    const at = tokens[0]?.loc;
    ctx.diags.error('missing-argument', `${what}: no bytes given`, at);
    return undefined;
  }
  return out;
}

// ---- addresses as numbers (for ranges) ----

export function ipToBigInt(addr: string): { v6: boolean; n: bigint } | undefined {
  const c = canonicalIp(addr);
  if (!c || c.includes('%')) return undefined;
  if (!c.includes(':')) return { v6: false, n: c.split('.').reduce((a, p) => (a << 8n) | BigInt(p), 0n) };
  const g = ipv6Groups(c) as number[];
  return { v6: true, n: g.reduce((a, p) => (a << 16n) | BigInt(p), 0n) };
}

export function bigIntToIp(v6: boolean, n: bigint): string {
  if (!v6) return [24n, 16n, 8n, 0n].map((sh) => String((n >> sh) & 255n)).join('.');
  const g: number[] = [];
  for (let i = 7; i >= 0; i--) g.push(Number((n >> BigInt(i * 16)) & 0xffffn));
  return formatIpv6(g);
}

/**
 * One line of a virtual_server_group: `<addr>[-<end>|/<nn>] [port]` (keepalived check_data.c
 * alloc_vsg_entry). A short range end replaces the last byte (IPv4, decimal) or the last group
 * (IPv6, hex); /nn needs the host bits clear. Stored as first and last address.
 */
export function readVsgAddress(s: Stmt, ctx: ParseContext): VsgAddress | undefined {
  const tok = s.kw;
  if (s.args.length > 1) ctx.arity(s, 0, 1);
  let port: number | undefined;
  if (s.args[0]) {
    port = ctx.port(s.args[0], 'virtual_server_group port');
    if (port === undefined) return undefined;
  }
  const bad = (msg: string): undefined => {
    ctx.diags.error('invalid-address', `virtual_server_group: ${msg}`, tok.loc);
    return undefined;
  };
  const text = tok.text;
  const slash = text.indexOf('/');
  const dash = text.indexOf('-');
  let first: string | undefined;
  let last: string | undefined;
  if (slash >= 0) {
    first = canonicalIp(text.slice(0, slash));
    const a = first ? ipToBigInt(first) : undefined;
    const bits = text.slice(slash + 1);
    const width = a?.v6 ? 128 : 32;
    if (!first || !a || !/^\d+$/.test(bits) || Number(bits) < 1 || Number(bits) > width) return bad(`'${text}' is not an address/prefix`);
    const host = (1n << BigInt(width - Number(bits))) - 1n;
    if (a.n & host) return bad(`'${text}': the address has host bits set for /${bits}`);
    if (host !== 0n) last = bigIntToIp(a.v6, a.n | host);
  } else if (dash >= 0) {
    first = canonicalIp(text.slice(0, dash));
    const a = first ? ipToBigInt(first) : undefined;
    if (!first || !a) return bad(`'${text}' is not an address range`);
    const endText = text.slice(dash + 1);
    if (endText.includes(':') || endText.includes('.')) {
      // Full form A-B; a family mismatch or a reversed range is reported by validateLvs.
      last = canonicalIp(endText);
      if (!last || last.includes('%')) return bad(`'${text}': range end is not an address`);
    } else {
      const max = a.v6 ? 0xffff : 255;
      const v = a.v6 ? (/^[0-9a-fA-F]{1,4}$/.test(endText) ? parseInt(endText, 16) : NaN) : /^\d{1,3}$/.test(endText) ? Number(endText) : NaN;
      if (!Number.isInteger(v) || v > max) return bad(`'${text}': range end '${endText}' is not a ${a.v6 ? 'hex group' : 'byte'}`);
      const lowBits = a.v6 ? 16n : 8n;
      if (BigInt(v) <= (a.n & ((1n << lowBits) - 1n))) return bad(`'${text}': the range end is not above its start`);
      last = bigIntToIp(a.v6, ((a.n >> lowBits) << lowBits) | BigInt(v));
    }
  } else {
    first = canonicalIp(text);
    if (!first || first.includes('%')) return bad(`'${text}' is not an address, range or fwmark`);
  }
  const out: VsgAddress = { address: first };
  if (last !== undefined) out.last = last;
  if (port !== undefined) out.port = port;
  return out;
}

/** `status_code 200 400-499 ...`: codes and ranges in [100, 599]; a reversed range is kept as written. */
export function readStatusCodes(s: Stmt, ctx: ParseContext): StatusRange[] {
  if (!ctx.arity(s, 1, Infinity)) return [];
  const out: StatusRange[] = [];
  for (const t of s.args) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(t.text);
    const from = m ? Number(m[1]) : NaN;
    const to = m?.[2] !== undefined ? Number(m[2]) : from;
    if (!m || from < 100 || from > 599 || to < 100 || to > 599) {
      ctx.diags.error('invalid-status-code', `status_code: '${t.text}' is not a code or range in 100-599`, t.loc);
      continue;
    }
    out.push({ from, to });
    if (from > to) ctx.diags.error('status-code-reversed', `status_code: range '${t.text}' ends below its start; it is ignored`, t.loc);
  }
  // Exactly as long as it is: a pushed array has room for 17.
  return out.slice();
}
