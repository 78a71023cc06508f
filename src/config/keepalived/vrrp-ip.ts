// Config layer (pure): keepalived.conf entries of virtual_ipaddress / virtual_ipaddress_excluded /
// static_ipaddress (keepalived's alloc_ipaddress grammar), read into the model and written back.
import type { Token } from '../source.js';
import type { Cidr, StaticIp, VirtualIp } from '../model/vrrp-ip.js';
import { canonicalIp, type ParseContext } from './context.js';
import { q } from './emit-util.js';
import type { Stmt } from './tree.js';

/** A cursor over the words of one entry line (the entry's first word is `Stmt.kw`). */
export class Words {
  readonly toks: Token[];
  i = 0;
  constructor(s: Stmt) {
    this.toks = [s.kw, ...s.args];
  }
  get done(): boolean {
    return this.i >= this.toks.length;
  }
  peek(): Token | undefined {
    return this.toks[this.i];
  }
  next(): Token | undefined {
    return this.toks[this.i++];
  }
  /** The value after an option word; reports the option as missing its value. */
  value(ctx: ParseContext, opt: Token, what: string): Token | undefined {
    const t = this.next();
    if (!t) ctx.diags.error('missing-argument', `'${opt.text}' needs a value for ${what}`, opt.loc);
    return t;
  }
}

/** An unsigned number as keepalived's strtoul(…, 0) reads it: decimal or 0x hex. */
export function readUnsigned(ctx: ParseContext, tok: Token | undefined, what: string, max: number, min = 0): number | undefined {
  if (!tok) return undefined;
  const t = tok.text;
  const v = /^0x[0-9a-f]+$/i.test(t) ? parseInt(t, 16) : /^\d+$/.test(t) ? Number(t) : NaN;
  if (Number.isNaN(v)) {
    ctx.diags.error('invalid-number', `${what}: '${t}' is not a whole number`, tok.loc);
    return undefined;
  }
  if (v < min || v > max) {
    ctx.diags.error('out-of-range', `${what} ${t} is out of range [${min}, ${max}]`, tok.loc);
    return undefined;
  }
  return v;
}

const RT_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,30}$/;
/** A number or an iproute2 table name (rt_tables, rt_protos, rt_dsfield, ...). */
export function readNumOrName(ctx: ParseContext, tok: Token | undefined, what: string, max: number): number | string | undefined {
  if (!tok) return undefined;
  if (/^(0x[0-9a-f]+|\d+)$/i.test(tok.text)) return readUnsigned(ctx, tok, what, max);
  if (RT_NAME.test(tok.text)) return tok.text;
  ctx.diags.error('invalid-value', `${what}: '${tok.text}' is neither a number nor a name`, tok.loc);
  return undefined;
}

export const SCOPES = ['global', 'site', 'link', 'host', 'nowhere'] as const;
/** rt_scopes: the names iproute2 ships, or a number. */
export function readScope(ctx: ParseContext, tok: Token | undefined, what: string): string | number | undefined {
  if (!tok) return undefined;
  if ((SCOPES as readonly string[]).includes(tok.text)) return tok.text;
  if (/^\d+$/.test(tok.text)) return readUnsigned(ctx, tok, what, 255);
  ctx.diags.error('invalid-value', `${what}: '${tok.text}' is not one of ${SCOPES.join(', ')} or a number`, tok.loc);
  return undefined;
}

/** address[/prefix] into the model's Cidr. */
export function readCidr(ctx: ParseContext, tok: Token | undefined, what: string): Cidr | undefined {
  const p = ctx.prefix(tok, what);
  if (!p) return undefined;
  return p.prefix === undefined ? { address: p.address } : { address: p.address, prefix: p.prefix };
}

export function familyOf(address: string): 4 | 6 {
  return address.includes(':') ? 6 : 4;
}

export function cidrText(c: Cidr | 'default' | 'all'): string {
  if (typeof c === 'string') return c;
  return c.prefix === undefined ? c.address : `${c.address}/${c.prefix}`;
}

/**
 * One address entry. Returns undefined when keepalived would drop the entry (bad address, missing
 * option value, broadcast on IPv6); unknown words are warned about and skipped, as keepalived does.
 */
export function parseIpEntry(s: Stmt, ctx: ParseContext, kind: 'virtual' | 'static'): VirtualIp | StaticIp | undefined {
  const w = new Words(s);
  const first = w.next() as Token;
  const p = ctx.prefix(first, 'ip address');
  if (!p) return undefined;
  const v6 = familyOf(p.address) === 6;
  const e: VirtualIp & StaticIp = { address: p.address };
  if (p.prefix !== undefined) e.prefix = p.prefix;
  const set = <K extends keyof (VirtualIp & StaticIp)>(k: K, val: (VirtualIp & StaticIp)[K] | undefined, t: Token) => {
    if (val === undefined) return;
    if (e[k] !== undefined) ctx.diags.warn('duplicate-option', `'${t.text}' given twice for ${first.text}; the last one is used`, t.loc);
    e[k] = val;
    ctx.at(e, k, t.loc);
  };
  ctx.at(e, '', first.loc);
  while (!w.done) {
    const t = w.next() as Token;
    const opt = t.text;
    switch (opt) {
      case 'dev': {
        const v = w.value(ctx, t, first.text);
        if (!v) return undefined;
        if (e.dev !== undefined) {
          // keepalived: "Cannot specify ipaddress device more than once" and drops the address.
          ctx.diags.error('duplicate-option', `'dev' given twice for ${first.text}; keepalived drops the address`, t.loc);
        }
        set('dev', v.text, t);
        break;
      }
      case 'scope': {
        const v = w.value(ctx, t, first.text);
        if (!v) return undefined;
        const sc = readScope(ctx, v, `scope of ${first.text}`);
        if (v6 && sc !== undefined) ctx.diags.warn('ignored-option', `scope cannot be set on the IPv6 address ${first.text}; ignored`, t.loc);
        else set('scope', sc, t);
        break;
      }
      case 'brd':
      case 'broadcast': {
        const v = w.value(ctx, t, first.text);
        if (!v) return undefined;
        if (v6) {
          ctx.diags.error('invalid-value', `a broadcast address on the IPv6 address ${first.text}: keepalived drops the address`, t.loc);
          return undefined;
        }
        if (v.text === '+' || v.text === '-') set('brd', v.text, t);
        else {
          const a = canonicalIp(v.text);
          if (!a || a.includes(':')) {
            ctx.diags.error('invalid-address', `broadcast '${v.text}' of ${first.text} is not an IPv4 address; keepalived drops the address`, v.loc);
            return undefined;
          }
          set('brd', a, t);
        }
        break;
      }
      case 'label': {
        const v = w.value(ctx, t, first.text);
        if (!v) return undefined;
        if (v6) ctx.diags.warn('ignored-option', `a label cannot be set on the IPv6 address ${first.text}; ignored`, t.loc);
        else if (v.text.length > 15) ctx.diags.error('invalid-value', `label '${v.text}' is longer than 15 characters`, v.loc);
        else set('label', v.text, t);
        break;
      }
      case 'peer': {
        const v = w.value(ctx, t, first.text);
        if (!v) return undefined;
        const a = canonicalIp(v.text);
        if (!a) ctx.diags.error('invalid-address', `peer '${v.text}' is not an IP address`, v.loc);
        else if (familyOf(a) !== familyOf(p.address)) ctx.diags.error('invalid-address', `peer ${v.text} is not of the family of ${first.text}`, v.loc);
        else set('peer', a, t);
        break;
      }
      case 'home':
      case 'mngtmpaddr':
      case 'noprefixroute':
      case 'autojoin':
      case 'no_track':
        set(opt, true, t);
        break;
      case '-nodad':
        set('nodad', true, t);
        break;
      case 'preferred_lft': {
        const v = w.value(ctx, t, first.text);
        if (!v) return undefined;
        set('preferred_lft', v.text === 'forever' ? 'forever' : readUnsigned(ctx, v, 'preferred_lft', 4294967295), t);
        break;
      }
      case 'use_vmac':
        if (kind === 'virtual') {
          set('use_vmac', true, t);
          break;
        }
        ctx.diags.warn('unknown-option', `unknown option 'use_vmac' for a static address; ignored`, t.loc);
        break;
      case 'track_group': {
        if (kind !== 'static') {
          ctx.diags.warn('unknown-option', `unknown option 'track_group' for ip address ${first.text} (only static addresses have it); ignored`, t.loc);
          break;
        }
        const v = w.value(ctx, t, first.text);
        if (!v) return undefined;
        set('track_group', v.text, t);
        break;
      }
      default:
        ctx.diags.warn('unknown-option', `unknown option '${opt}' for ip address ${first.text}; ignored${opt === 'nodad' ? " (did you mean '-nodad'?)" : ''}`, t.loc);
    }
  }
  if (e.peer !== undefined && e.prefix !== undefined) {
    ctx.diags.warn('ignored-option', `a prefix cannot be given with a peer address (${first.text}); keepalived ignores the prefix`, first.loc);
  }
  if (e.brd !== undefined && e.peer !== undefined) {
    ctx.diags.warn('ignored-option', `broadcast and peer together on ${first.text}: keepalived ignores the broadcast`, first.loc);
  } else if ((e.brd === '+' || e.brd === '-') && (e.prefix ?? 32) > 30) {
    ctx.diags.warn('ignored-option', `prefix /${e.prefix ?? 32} of ${first.text} is too long for a '${e.brd}' broadcast; ignored`, first.loc);
  }
  return e;
}

/** The words of an address entry, in keepalived's order. */
export function formatIpEntry(e: VirtualIp | StaticIp): string {
  const out: string[] = [cidrText(e)];
  const opt = (k: string, v: string | number | undefined) => {
    if (v !== undefined) out.push(k, q(v));
  };
  opt('brd', e.brd);
  opt('dev', e.dev);
  if ((e as VirtualIp).use_vmac) out.push('use_vmac');
  opt('scope', e.scope);
  opt('label', e.label);
  opt('peer', e.peer);
  if (e.home) out.push('home');
  if (e.nodad) out.push('-nodad');
  if (e.mngtmpaddr) out.push('mngtmpaddr');
  if (e.noprefixroute) out.push('noprefixroute');
  if (e.autojoin) out.push('autojoin');
  if (e.no_track) out.push('no_track');
  opt('preferred_lft', e.preferred_lft);
  opt('track_group', (e as StaticIp).track_group);
  return out.join(' ');
}
