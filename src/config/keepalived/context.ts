// Config layer (pure): the keyword-table walker and typed argument readers used by every section
// of the keepalived.conf grammar. Handlers fill model objects and record where each field came from.
import { Diagnostics } from '../diagnostics.js';
import { LocationTable, type SourceLoc, type Token } from '../source.js';
import type { Stmt } from './tree.js';

export interface KeywordSpec<T> {
  /** Fill `target` from the statement. Omit for keywords that are only warned about. */
  handle?: (s: Stmt, target: T, ctx: ParseContext) => void;
  /** Whether the keyword takes a `{ }` block: 'required', 'optional' or (default) 'none'. */
  block?: 'required' | 'optional' | 'none';
  /** This keyword is a deprecated synonym of another: warn and handle it as that one. */
  deprecatedFor?: string;
  /**
   * lvsd reads the keyword but does not act on it yet: a warning at check time saying so.
   * The value says what is missing (e.g. "SNMP is not supported").
   */
  notSupported?: string;
}

export type KeywordTable<T> = Record<string, KeywordSpec<T>>;

/**
 * Where statements are, for messages: a text, a function making it, or the statement whose block
 * they are in ("real_server 10.0.0.1 80"); the last two make the text only when a message needs it.
 */
export type Where = string | (() => string) | Stmt;

function placeOf(where: Where): string {
  if (typeof where === 'string') return where;
  if (typeof where === 'function') return where();
  return [where.kw.text, ...where.args.map((t) => t.text)].join(' ');
}

/** Optimal string alignment distance: edits, plus a swap of two neighbouring letters ("scirpt"). */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array<number>(rows * cols).fill(0);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min((d[(i - 1) * cols + j] as number) + 1, (d[i * cols + j - 1] as number) + 1, (d[(i - 1) * cols + j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, (d[(i - 2) * cols + j - 2] as number) + 1);
      d[i * cols + j] = v;
    }
  }
  return d[rows * cols - 1] as number;
}

/** The closest known keyword, if it is close enough to be a likely typo. */
export function suggest(word: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const d = editDistance(word.toLowerCase(), k.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  const limit = Math.max(1, Math.min(3, Math.floor(word.length / 4)));
  return bestD <= limit ? best : undefined;
}

export interface IntOpts {
  min?: number;
  max?: number;
}

/**
 * What a deprecated synonym does: its canonical keyword's spec, with the synonym's own
 * not-supported note if it has one. Made once per synonym (a configuration migrated from an old
 * keepalived can use `lb_algo` in every one of 10,000 virtual servers).
 */
const synonyms = new WeakMap<object, WeakMap<object, KeywordSpec<never>>>();
function synonymSpec<T>(spec: KeywordSpec<T>, canonical: KeywordSpec<T> | undefined): KeywordSpec<T> {
  if (!canonical) return spec;
  // Keyed by both: tables share specs through spreads, and a name's canonical spec may differ
  // from one table to another.
  let byCanonical = synonyms.get(spec);
  if (!byCanonical) synonyms.set(spec, (byCanonical = new WeakMap()));
  let merged = byCanonical.get(canonical) as KeywordSpec<T> | undefined;
  if (!merged) {
    merged = { ...canonical, notSupported: spec.notSupported ?? canonical.notSupported };
    byCanonical.set(canonical, merged as KeywordSpec<never>);
  }
  return merged;
}

export class ParseContext {
  readonly diags: Diagnostics;
  readonly locs: LocationTable;

  constructor(diags?: Diagnostics, locs?: LocationTable) {
    this.diags = diags ?? new Diagnostics();
    this.locs = locs ?? new LocationTable();
  }

  /**
   * Walk a list of statements against a keyword table. Unknown keywords are warnings (keepalived
   * carries on too), with a suggestion when one is close; their blocks are skipped.
   */
  walk<T>(stmts: readonly Stmt[] | undefined, table: KeywordTable<T>, target: T, where: Where): void {
    if (!stmts) return;
    for (let i = 0; i < stmts.length; i++) this.dispatch(stmts[i] as Stmt, table, target, where);
  }

  dispatch<T>(s: Stmt, table: KeywordTable<T>, target: T, where: Where): void {
    const name = s.kw.text;
    let spec = Object.prototype.hasOwnProperty.call(table, name) ? table[name] : undefined;
    if (!spec) {
      // A stray space inside a keyword (`vrrp _mcast_group4`) joins back into a known one.
      const next = s.args[0]?.text;
      const joined = next !== undefined ? name + next : undefined;
      let hint: string | undefined;
      if (joined !== undefined && Object.prototype.hasOwnProperty.call(table, joined)) {
        hint = ` (a stray space? '${name} ${next}' should be '${joined}')`;
      } else {
        const close = suggest(name, Object.keys(table));
        if (close) hint = ` (did you mean '${close}'?)`;
      }
      const skipped = s.block ? '; its block is ignored' : '';
      const place = placeOf(where);
      this.diags.warn('unknown-keyword', `unknown keyword '${name}' in ${place}${hint ?? ''}${skipped}`, s.kw.loc);
      return;
    }
    if (spec.deprecatedFor) {
      this.diags.warn('deprecated-keyword', `'${name}' is deprecated; use '${spec.deprecatedFor}'`, s.kw.loc);
      spec = synonymSpec(spec, table[spec.deprecatedFor]);
    }
    if (spec.notSupported) {
      this.diags.warn('not-supported', `'${name}' is read but not acted on: ${spec.notSupported}`, s.kw.loc);
    }
    const blockMode = spec.block ?? 'none';
    if (blockMode === 'required' && !s.block) {
      this.diags.error('missing-block', `'${name}' needs a { } block`, s.kw.loc);
      return;
    }
    if (blockMode === 'none' && s.block) {
      this.diags.warn('unexpected-block', `'${name}' takes no block; the block is ignored`, s.blockLoc ?? s.kw.loc);
    }
    spec.handle?.(s, target, this);
  }

  /** Record where `obj.field` was written (first write wins). */
  at(obj: object, field: string, loc: SourceLoc): void {
    this.locs.set(obj, field, loc);
  }

  /** Set a field, warning when it was already set in the same block (keepalived: last one wins). */
  set<T extends object, K extends keyof T & string>(obj: T, field: K, value: T[K], s: Stmt): void {
    if (obj[field] !== undefined && !Array.isArray(obj[field])) {
      const prev = this.locs.get(obj, field);
      this.diags.warn(
        'duplicate-keyword',
        `'${s.kw.text}' set again${prev ? ` (first at line ${prev.line})` : ''}; the last value is used`,
        s.kw.loc,
      );
    }
    obj[field] = value;
    this.locs.set(obj, field, s.kw.loc);
  }

  // ---- argument readers: each reports its own error and returns undefined on bad input ----

  /** Check the argument count: too few is an error (returns false), too many a warning. */
  arity(s: Stmt, min: number, max = min): boolean {
    if (s.args.length < min) {
      this.diags.error(
        'missing-argument',
        `'${s.kw.text}' needs ${min === max ? min : `at least ${min}`} argument${min === 1 ? '' : 's'}`,
        s.kw.loc,
      );
      return false;
    }
    if (s.args.length > max) {
      const extra = s.args.slice(max).map((t) => t.text).join(' ');
      this.diags.warn('extra-arguments', `'${s.kw.text}': extra arguments ignored: ${extra}`, (s.args[max] as Token).loc);
    }
    return true;
  }

  /** The single argument of a one-argument keyword. */
  arg(s: Stmt): Token | undefined {
    return this.arity(s, 1) ? (s.args[0] as Token) : undefined;
  }

  int(tok: Token | undefined, what: string, o: IntOpts = NO_LIMITS): number | undefined {
    if (!tok) return undefined;
    const v = smallDecimal(tok.text);
    if (v >= 0) return this.range(v, tok, what, o.min, o.max);
    const t = tok.text.trim();
    if (!/^[+-]?\d+$/.test(t)) {
      this.diags.error('invalid-number', `${what}: '${tok.text}' is not a whole number`, tok.loc);
      return undefined;
    }
    return this.range(Number(t), tok, what, o.min, o.max);
  }

  /** A decimal number (keepalived's read_double). */
  num(tok: Token | undefined, what: string, o: IntOpts = NO_LIMITS): number | undefined {
    return this.decimal(tok, what, o.min, o.max);
  }

  /** keepalived TIMER: seconds, fractions allowed (microsecond resolution). */
  seconds(tok: Token | undefined, what: string, o: IntOpts = NO_LIMITS): number | undefined {
    const v = this.decimal(tok, what, o.min ?? 0, o.max);
    return v === undefined ? undefined : Math.round(v * 1e6) / 1e6;
  }

  private decimal(tok: Token | undefined, what: string, min: number | undefined, max: number | undefined): number | undefined {
    if (!tok) return undefined;
    const v = smallDecimal(tok.text);
    if (v >= 0) return this.range(v, tok, what, min, max);
    const t = tok.text.trim();
    if (!/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(t)) {
      this.diags.error('invalid-number', `${what}: '${tok.text}' is not a number`, tok.loc);
      return undefined;
    }
    return this.range(Number(t), tok, what, min, max);
  }

  private range(v: number, tok: Token, what: string, min: number | undefined, max: number | undefined): number | undefined {
    if ((min !== undefined && v < min) || (max !== undefined && v > max)) {
      this.diags.error('out-of-range', `${what} ${tok.text} is out of range [${min ?? '-inf'}, ${max ?? 'inf'}]`, tok.loc);
      return undefined;
    }
    return v;
  }

  /**
   * keepalived's optional BOOL argument: absent means true; on/true/yes or off/false/no.
   * Returns undefined (after an error) for anything else.
   */
  bool(s: Stmt, index = 0): boolean | undefined {
    const tok = s.args[index];
    if (!tok) return true;
    const v = tok.text.toLowerCase();
    if (v === 'on' || v === 'true' || v === 'yes') return true;
    if (v === 'off' || v === 'false' || v === 'no') return false;
    this.diags.error('invalid-bool', `'${s.kw.text}': '${tok.text}' is not one of on/off, true/false, yes/no`, tok.loc);
    return undefined;
  }

  oneOf<V extends string>(tok: Token | undefined, what: string, values: readonly V[], caseInsensitive = true): V | undefined {
    if (!tok) return undefined;
    const found = values.find((v) => (caseInsensitive ? v.toLowerCase() === tok.text.toLowerCase() : v === tok.text));
    if (!found) {
      this.diags.error('invalid-value', `${what}: '${tok.text}' is not one of ${values.join(', ')}`, tok.loc);
    }
    return found;
  }

  /** An IPv4 or IPv6 address (no prefix). Returned in canonical text form. */
  ip(tok: Token | undefined, what: string): string | undefined {
    if (!tok) return undefined;
    const v = canonicalIp(tok.text);
    if (!v) this.diags.error('invalid-address', `${what}: '${tok.text}' is not an IP address`, tok.loc);
    return v;
  }

  /** An address with an optional /prefix, e.g. 10.0.0.1/24 or fe80::1/64. */
  prefix(tok: Token | undefined, what: string): { address: string; prefix?: number } | undefined {
    if (!tok) return undefined;
    const [a, p, ...rest] = tok.text.split('/');
    const address = canonicalIp(a ?? '');
    const max = address?.includes(':') ? 128 : 32;
    if (!address || rest.length || (p !== undefined && (!/^\d+$/.test(p) || Number(p) > max))) {
      this.diags.error('invalid-address', `${what}: '${tok.text}' is not an address[/prefix]`, tok.loc);
      return undefined;
    }
    return p === undefined ? { address } : { address, prefix: Number(p) };
  }

  port(tok: Token | undefined, what: string): number | undefined {
    return this.int(tok, what, PORT_RANGE);
  }
}

const NO_LIMITS: IntOpts = {};
const PORT_RANGE: IntOpts = { min: 0, max: 65535 };

/**
 * The value of a plain run of 1 to 9 ASCII digits (what nearly every number in a configuration
 * is), else -1 for the general path. Same value as Number() of the text.
 */
function smallDecimal(t: string): number {
  const n = t.length;
  if (n === 0 || n > 9) return -1;
  let v = 0;
  for (let i = 0; i < n; i++) {
    const d = t.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/** Canonical text of an IPv4 / IPv6 address, or undefined if it is not one. Pure (no node:net). */
const IPV4_CANONICAL = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function canonicalIp(text: string): string | undefined {
  if (IPV4_CANONICAL.test(text)) return text;
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(text)) {
    const parts = text.split('.').map(Number);
    return parts.every((n) => n <= 255) ? parts.join('.') : undefined;
  }
  const zone = text.indexOf('%');
  const addr = zone >= 0 ? text.slice(0, zone) : text;
  const z = zone >= 0 ? text.slice(zone) : '';
  const groups = ipv6Groups(addr);
  if (!groups) return undefined;
  return formatIpv6(groups) + z;
}

export function ipv6Groups(addr: string): number[] | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(addr) || !addr.includes(':')) return undefined;
  let a = addr;
  const lastColon = a.lastIndexOf(':');
  const tail = a.slice(lastColon + 1);
  if (tail.includes('.')) {
    // Embedded IPv4 (::ffff:10.0.0.1): rewrite as two hex groups.
    const c = /^\d{1,3}(\.\d{1,3}){3}$/.test(tail) ? tail.split('.').map(Number) : undefined;
    if (!c || c.some((n) => n > 255)) return undefined;
    const [b0, b1, b2, b3] = c as [number, number, number, number];
    a = `${a.slice(0, lastColon + 1)}${((b0 << 8) | b1).toString(16)}:${((b2 << 8) | b3).toString(16)}`;
  }
  const dbl = a.split('::');
  if (dbl.length > 2) return undefined;
  const parse = (s: string): number[] | undefined => {
    if (s === '') return [];
    const out: number[] = [];
    for (const g of s.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const left = parse(dbl[0] as string);
  const right = dbl.length === 2 ? parse(dbl[1] as string) : [];
  if (!left || !right) return undefined;
  if (dbl.length === 1) return left.length === 8 ? left : undefined;
  const fill = 8 - left.length - right.length;
  if (fill < 1) return undefined;
  return [...left, ...new Array<number>(fill).fill(0), ...right];
}

/** RFC 5952 text form. */
export function formatIpv6(g: readonly number[]): string {
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}
