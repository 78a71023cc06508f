// Config layer (pure): keepalived.conf entries of virtual_routes / static_routes (keepalived's
// alloc_route, the `ip route add` grammar without abbreviations), read into the model and written
// back. Rules are in vrrp-rule.ts.
import type { Token } from '../source.js';
import { ROUTE_TYPES, type Encap, type Nexthop, type StaticRoute } from '../model/vrrp-ip.js';
import { canonicalIp, type ParseContext } from './context.js';
import { q } from './emit-util.js';
import type { Stmt } from './tree.js';
import { cidrText, familyOf, readCidr, readNumOrName, readScope, readUnsigned, Words } from './vrrp-ip.js';

type Family = 4 | 6 | undefined;
export const U32 = 4294967295;
const RTT_RE = /^[0-9]{1,9}(\.[0-9]{1,6})?(ms|msec|msecs|s|sec|secs)?$/;
const REALMS_RE = /^([A-Za-z_][A-Za-z0-9_-]{0,15}|[0-9]{1,5})(\/([A-Za-z_][A-Za-z0-9_-]{0,15}|[0-9]{1,5}))?$/;

/** Tracks the address family a route/rule commits to, as keepalived does, reporting mixes. */
export class FamilyGuard {
  fam: Family;
  ok = true;
  constructor(
    private readonly ctx: ParseContext,
    private readonly what: string,
  ) {}
  need(f: 4 | 6, t: Token, why: string): void {
    if (this.fam === undefined) this.fam = f;
    else if (this.fam !== f && this.ok) {
      this.ok = false;
      this.ctx.diags.error('family-mismatch', `${this.what}: ${why} mixes IPv4 and IPv6; keepalived drops the ${this.what}`, t.loc);
    }
  }
}

/**
 * keepalived 2.2.7 steps over the word after 'inet' / 'inet6' (its loop advances twice), so only
 * a last 'inet6' is read the same by both; lvsd reads the next word and says so.
 */
export function familyWordAt(ctx: ParseContext, w: Words, t: Token): void {
  const next = w.peek();
  const prev = w.toks[w.i - 2];
  // 'inet6 inet6' is how a line that must go on (nexthops) keeps the skipped word harmless.
  if (prev?.text === 'inet' || prev?.text === 'inet6') return;
  if (next && next.text !== 'inet' && next.text !== 'inet6') {
    ctx.diags.warn('keepalived-compat', `keepalived skips the word after '${t.text}' ('${next.text}' here); lvsd reads it. Put '${t.text}' at the end of the line so both read the same`, t.loc);
  }
}

export function readIp(ctx: ParseContext, tok: Token | undefined, what: string): string | undefined {
  if (!tok) return undefined;
  const a = canonicalIp(tok.text);
  if (!a) ctx.diags.error('invalid-address', `${what}: '${tok.text}' is not an IP address`, tok.loc);
  return a;
}

export function readRealms(ctx: ParseContext, tok: Token | undefined): string | undefined {
  if (!tok) return undefined;
  if (REALMS_RE.test(tok.text)) return tok.text;
  ctx.diags.error('invalid-value', `realms '${tok.text}' is not [FROM/]TO`, tok.loc);
  return undefined;
}

/** `encap ip|ip6|mpls|ila ...`; the cursor is after the word `encap`. */
function readEncap(ctx: ParseContext, w: Words, at: Token): Encap | undefined {
  const kind = w.value(ctx, at, 'encap');
  if (!kind) return undefined;
  if (kind.text === 'mpls' || kind.text === 'ila') {
    const v = w.value(ctx, kind, `encap ${kind.text}`);
    if (!v) return undefined;
    if (kind.text === 'mpls') {
      if (/^[0-9]{1,7}(\/[0-9]{1,7}){0,7}$/.test(v.text)) return { type: 'mpls', labels: v.text };
      ctx.diags.error('invalid-value', `MPLS labels '${v.text}' are not L1/L2/...`, v.loc);
      return undefined;
    }
    if (/^[0-9a-fA-F]{1,4}(:[0-9a-fA-F]{1,4}){3}$/.test(v.text)) return { type: 'ila', locator: v.text.toLowerCase() };
    ctx.diags.error('invalid-value', `ILA locator '${v.text}' is not a 64-bit locator`, v.loc);
    return undefined;
  }
  if (kind.text !== 'ip' && kind.text !== 'ip6') {
    ctx.diags.error('invalid-value', `unknown encap type '${kind.text}' (ip, ip6, mpls or ila)`, kind.loc);
    return undefined;
  }
  const v6 = kind.text === 'ip6';
  const e: Record<string, unknown> = { type: kind.text };
  for (;;) {
    const k = w.peek();
    const names = v6 ? ['id', 'dst', 'src', 'tc', 'hoplimit', 'flags'] : ['id', 'dst', 'src', 'tos', 'ttl', 'flags'];
    if (!k || !names.includes(k.text) || w.i + 1 >= w.toks.length) break;
    w.next();
    const v = w.next() as Token;
    if (k.text === 'dst' || k.text === 'src') {
      const a = readIp(ctx, v, `encap ${kind.text} ${k.text}`);
      if (a && familyOf(a) !== (v6 ? 6 : 4)) ctx.diags.error('family-mismatch', `encap ${kind.text} ${k.text} ${v.text} is of the wrong family`, v.loc);
      else if (a) e[k.text] = a;
    } else if (k.text === 'id') e.id = readUnsigned(ctx, v, 'encap id', Number.MAX_SAFE_INTEGER);
    else if (k.text === 'flags') e.flags = readUnsigned(ctx, v, 'encap flags', 65535);
    else e[k.text] = readUnsigned(ctx, v, `encap ${k.text}`, 255);
  }
  if (e.dst === undefined && e.id === undefined) {
    ctx.diags.error('missing-argument', `encap ${kind.text} needs dst or id`, kind.loc);
    return undefined;
  }
  return e as Encap;
}

/** `[lock] N` after mtu, advmss, ...: the cursor is after the metric name. */
function readLocked<T>(ctx: ParseContext, w: Words, at: Token, read: (t: Token | undefined) => T | undefined): { value: T; lock?: true } | undefined {
  let t = w.value(ctx, at, at.text);
  let lock = false;
  if (t?.text === 'lock') {
    lock = true;
    t = w.value(ctx, at, at.text);
  }
  const v = read(t);
  if (v === undefined) return undefined;
  return lock ? { value: v, lock: true } : { value: v };
}

function readNexthops(ctx: ParseContext, w: Words, guard: FamilyGuard): Nexthop[] | undefined {
  const hops: Nexthop[] = [];
  while (w.peek()?.text === 'nexthop') {
    w.next();
    const h: Nexthop = {};
    for (;;) {
      const t = w.peek();
      if (!t || t.text === 'nexthop') break;
      w.next();
      if (t.text === 'via') {
        let v = w.value(ctx, t, 'nexthop via');
        if (v?.text === 'inet' || v?.text === 'inet6') v = w.value(ctx, t, 'nexthop via');
        const a = readIp(ctx, v, 'nexthop via');
        if (!a) return undefined;
        guard.need(familyOf(a), t, `nexthop via ${a}`);
        h.via = a;
      } else if (t.text === 'dev') {
        const v = w.value(ctx, t, 'nexthop dev');
        if (!v) return undefined;
        h.dev = v.text;
      } else if (t.text === 'weight') {
        const n = readUnsigned(ctx, w.value(ctx, t, 'nexthop weight'), 'nexthop weight', 256, 1);
        if (n === undefined) return undefined;
        h.weight = n;
      } else if (t.text === 'onlink') h.onlink = true;
      else if (t.text === 'encap') {
        const e = readEncap(ctx, w, t);
        if (!e) return undefined;
        h.encap = e;
      } else if (t.text === 'realms') {
        const r = readRealms(ctx, w.value(ctx, t, 'realms'));
        if (r === undefined) return undefined;
        guard.need(4, t, 'realms');
        h.realms = r;
      } else {
        ctx.diags.error('unknown-option', `unknown nexthop option '${t.text}'; keepalived drops the route`, t.loc);
        return undefined;
      }
    }
    hops.push(h);
  }
  const rest = w.peek();
  if (rest) {
    ctx.diags.error('unknown-option', `route has trailing words after its nexthops: '${rest.text}'; keepalived drops the route`, rest.loc);
    return undefined;
  }
  return hops;
}

/** One route entry; undefined when keepalived would drop it. */
export function parseRoute(s: Stmt, ctx: ParseContext, kind: 'virtual' | 'static'): StaticRoute | undefined {
  const w = new Words(s);
  const guard = new FamilyGuard(ctx, 'route');
  const r: Partial<StaticRoute> = {};
  ctx.at(r, '', s.kw.loc);
  const num = (t: Token, max: number, min = 0) => readUnsigned(ctx, w.value(ctx, t, t.text), t.text, max, min);
  const bool01 = (t: Token): boolean | undefined => {
    const n = num(t, 1);
    return n === undefined ? undefined : n === 1;
  };
  /** `[to] [TYPE] PREFIX|default`: anything unknown is read as the destination, as keepalived does. */
  const destination = (t: Token): boolean => {
    let d: Token | undefined = t;
    if (t.text === 'to') d = w.value(ctx, t, 'to');
    if (d && (ROUTE_TYPES as readonly string[]).includes(d.text)) {
      r.type = d.text as StaticRoute['type'];
      ctx.at(r, 'type', d.loc);
      d = w.value(ctx, d, `route type ${d.text}`);
    }
    if (!d) return false;
    if (r.to !== undefined) {
      ctx.diags.error('unknown-option', `route has a second destination '${d.text}' (unknown route keyword?); keepalived drops the route`, d.loc);
      return false;
    }
    if (d.text === 'default' || d.text === 'any' || d.text === 'all') {
      if (guard.fam !== undefined) {
        ctx.diags.warn('keepalived-compat', `keepalived 2.2.7 rejects '${d.text}' after the family is known ("Cannot mix IPv4 and IPv6"); write '${d.text}' first and 'inet6' after it`, d.loc);
      }
      r.to = 'default';
    } else {
      if (!canonicalIp(d.text.split('/')[0] ?? '')) {
        ctx.diags.error('unknown-option', `unknown route keyword '${d.text}'; keepalived drops the route`, d.loc);
        return false;
      }
      const c = readCidr(ctx, d, 'route destination');
      if (!c) return false;
      guard.need(familyOf(c.address), d, `destination ${d.text}`);
      r.to = c;
    }
    ctx.at(r, 'to', d.loc);
    return true;
  };
  while (!w.done) {
    const t = w.next() as Token;
    let bad = false;
    const put = <K extends keyof StaticRoute>(k: K, v: StaticRoute[K] | undefined) => {
      if (v === undefined) bad = true;
      else {
        r[k] = v;
        ctx.at(r, k, t.loc);
      }
    };
    switch (t.text) {
      case 'inet':
        familyWordAt(ctx, w, t);
        guard.need(4, t, "'inet'");
        break;
      case 'inet6':
        familyWordAt(ctx, w, t);
        guard.need(6, t, "'inet6'");
        put('inet6', true);
        break;
      case 'src': {
        const a = readIp(ctx, w.value(ctx, t, 'src'), 'route src');
        if (a) guard.need(familyOf(a), t, `src ${a}`);
        put('src', a);
        break;
      }
      case 'gw':
      case 'via': {
        if (t.text === 'gw') ctx.diags.warn('deprecated-keyword', "'gw' in routes is deprecated; use 'via'", t.loc);
        let v = w.value(ctx, t, t.text);
        if (v?.text === 'inet' || v?.text === 'inet6') v = w.value(ctx, t, t.text);
        const a = readIp(ctx, v, `route ${t.text}`);
        if (a) guard.need(familyOf(a), t, `via ${a}`);
        put('via', a);
        break;
      }
      case 'or': {
        // keepalived keeps 'or' for compatibility: the via address and this one become two nexthops.
        ctx.diags.warn('deprecated-keyword', "'or' in routes is deprecated; use 'nexthop via A nexthop via B'", t.loc);
        const a = readIp(ctx, w.value(ctx, t, 'or'), "route 'or'");
        if (!a) return undefined;
        if (r.nexthops) {
          ctx.diags.warn('ignored-option', "a second 'or' is ignored", t.loc);
          break;
        }
        guard.need(familyOf(a), t, `or ${a}`);
        r.nexthops = [...(r.via !== undefined ? [{ via: r.via }] : []), { via: a }];
        delete r.via;
        break;
      }
      case 'from': {
        const c = readCidr(ctx, w.value(ctx, t, 'from'), 'route from');
        if (c && familyOf(c.address) !== 6) {
          ctx.diags.error('family-mismatch', `route 'from ${cidrText(c)}' is only supported for IPv6; keepalived drops the route`, t.loc);
          guard.ok = false;
        } else if (c) guard.need(6, t, 'from');
        put('from', c);
        break;
      }
      case 'tos':
      case 'dsfield':
        put('tos', readNumOrName(ctx, w.value(ctx, t, 'tos'), 'route tos', 255));
        break;
      case 'table':
        put('table', readNumOrName(ctx, w.value(ctx, t, 'table'), 'route table', U32));
        break;
      case 'protocol':
        put('protocol', readNumOrName(ctx, w.value(ctx, t, 'protocol'), 'route protocol', 255));
        break;
      case 'scope':
        put('scope', readScope(ctx, w.value(ctx, t, 'scope'), 'route scope'));
        break;
      case 'metric':
      case 'priority':
      case 'preference':
        put('metric', num(t, U32));
        break;
      case 'dev':
      case 'oif': {
        const v = w.value(ctx, t, t.text);
        put('dev', v?.text);
        break;
      }
      case 'onlink':
        put('onlink', true);
        break;
      case 'encap':
        put('encap', readEncap(ctx, w, t));
        break;
      case 'expires':
        guard.need(6, t, "'expires' (IPv6 only)");
        put('expires', num(t, U32));
        break;
      case 'mtu':
      case 'advmss':
      case 'reordering':
      case 'cwnd':
      case 'ssthresh':
        put(t.text, readLocked(ctx, w, t, (x) => readUnsigned(ctx, x, t.text, U32)));
        break;
      case 'rtt':
      case 'rttvar':
      case 'rto_min':
        put(
          t.text,
          readLocked(ctx, w, t, (x) => {
            if (x && RTT_RE.test(x.text)) return x.text;
            if (x) ctx.diags.error('invalid-value', `${t.text} '${x.text}' is not a time (N, Nms or Ns)`, x.loc);
            return undefined;
          }),
        );
        break;
      case 'hoplimit':
        put('hoplimit', num(t, 255));
        break;
      case 'window':
      case 'initcwnd':
      case 'initrwnd':
        put(t.text, num(t, U32));
        break;
      case 'realms':
        guard.need(4, t, "'realms' (IPv4 only)");
        put('realms', readRealms(ctx, w.value(ctx, t, 'realms')));
        break;
      case 'features': {
        const v = w.value(ctx, t, 'features');
        if (v && v.text !== 'ecn') ctx.diags.error('invalid-value', `route feature '${v.text}' is not supported (only ecn)`, v.loc);
        put('features', v?.text === 'ecn' ? 'ecn' : undefined);
        break;
      }
      case 'quickack':
      case 'fastopen_no_cookie':
        put(t.text, bool01(t));
        break;
      case 'congctl':
        put(
          'congctl',
          readLocked(ctx, w, t, (x) => x?.text),
        );
        break;
      case 'pref': {
        guard.need(6, t, "'pref' (IPv6 only)");
        const v = w.value(ctx, t, 'pref');
        put('pref', v && ['low', 'medium', 'high'].includes(v.text) ? (v.text as 'low') : readUnsigned(ctx, v, 'pref', 255));
        break;
      }
      case 'ttl-propagate': {
        const v = w.value(ctx, t, 'ttl-propagate');
        if (v && v.text !== 'enabled' && v.text !== 'disabled') ctx.diags.error('invalid-value', `ttl-propagate '${v.text}' is not enabled or disabled`, v.loc);
        put('ttl_propagate', v?.text === 'enabled' || v?.text === 'disabled' ? v.text : undefined);
        break;
      }
      case 'append':
        put('append', true);
        break;
      case 'no_track':
        put('no_track', true);
        break;
      case 'nexthop': {
        if (r.nexthops) {
          ctx.diags.error('invalid-value', "'nexthop' cannot follow the deprecated 'or'", t.loc);
          return undefined;
        }
        w.i--;
        const hops = readNexthops(ctx, w, guard);
        if (!hops) return undefined;
        r.nexthops = hops;
        ctx.at(r, 'nexthops', t.loc);
        break;
      }
      case 'track_group':
        if (kind === 'static') {
          put('track_group', w.value(ctx, t, 'track_group')?.text);
          break;
        }
        // a virtual route has no track_group: keepalived reads the word as a destination
        if (!destination(t)) return undefined;
        break;
      default:
        if (!destination(t)) return undefined;
    }
    if (bad) return undefined;
  }
  if (r.to === undefined) {
    ctx.diags.error('missing-argument', 'route has no destination; keepalived drops it', s.kw.loc);
    return undefined;
  }
  return guard.ok ? (r as StaticRoute) : undefined;
}

function encapWords(e: Encap): string[] {
  const out = ['encap', e.type];
  if (e.type === 'mpls') return [...out, e.labels];
  if (e.type === 'ila') return [...out, e.locator];
  for (const [k, v] of Object.entries(e) as [string, unknown][]) if (k !== 'type' && v !== undefined) out.push(k, String(v));
  return out;
}

/** The words of a route entry. */
export function formatRoute(r: StaticRoute): string {
  const out: string[] = [];
  const opt = (k: string, v: string | number | undefined) => {
    if (v !== undefined) out.push(k, q(v));
  };
  const locked = (k: string, v: { value: string | number; lock?: true } | undefined) => {
    if (v) out.push(k, ...(v.lock ? ['lock'] : []), q(v.value));
  };
  if (r.type) out.push(r.type);
  out.push(cidrText(r.to));
  opt('src', r.src);
  opt('from', r.from ? cidrText(r.from) : undefined);
  opt('via', r.via);
  opt('dev', r.dev);
  opt('tos', r.tos);
  opt('table', r.table);
  opt('protocol', r.protocol);
  opt('scope', r.scope);
  opt('metric', r.metric);
  if (r.onlink) out.push('onlink');
  opt('expires', r.expires);
  locked('mtu', r.mtu);
  opt('hoplimit', r.hoplimit);
  locked('advmss', r.advmss);
  locked('rtt', r.rtt);
  locked('rttvar', r.rttvar);
  locked('reordering', r.reordering);
  opt('window', r.window);
  locked('cwnd', r.cwnd);
  locked('ssthresh', r.ssthresh);
  opt('realms', r.realms);
  locked('rto_min', r.rto_min);
  opt('initcwnd', r.initcwnd);
  opt('initrwnd', r.initrwnd);
  opt('features', r.features);
  if (r.quickack !== undefined) out.push('quickack', r.quickack ? '1' : '0');
  locked('congctl', r.congctl);
  opt('pref', r.pref);
  opt('ttl-propagate', r.ttl_propagate);
  if (r.fastopen_no_cookie !== undefined) out.push('fastopen_no_cookie', r.fastopen_no_cookie ? '1' : '0');
  if (r.append) out.push('append');
  if (r.no_track) out.push('no_track');
  opt('track_group', r.track_group);
  // 'inet6' last: keepalived skips the word after it.
  if (r.inet6 && !r.nexthops && !r.encap) out.push('inet6');
  // encap reads KEY VALUE pairs while it knows the key (hoplimit, ttl, ...): it goes after the metrics.
  if (r.encap) out.push(...encapWords(r.encap));
  if (r.inet6 && !r.nexthops && r.encap) out.push('inet6');
  // nexthops last: keepalived reads everything after the first 'nexthop' as hops.
  for (const h of r.nexthops ?? []) {
    out.push('nexthop');
    opt('via', h.via);
    opt('dev', h.dev);
    opt('weight', h.weight);
    if (h.onlink) out.push('onlink');
    opt('realms', h.realms);
    if (h.encap) out.push(...encapWords(h.encap));
  }
  // With nexthops nothing can follow them, so 'inet6' goes right after the destination (before it
  // keepalived 2.2.7 rejects 'default'), doubled: keepalived skips the second one (familyWordAt).
  if (r.inet6 && r.nexthops) out.splice(r.type ? 2 : 1, 0, 'inet6', 'inet6');
  return out.join(' ');
}
