// Config layer (pure): keepalived.conf entries of virtual_rules / static_rules (keepalived's
// alloc_rule, the `ip rule add` grammar without abbreviations), read into the model and written back.
import type { Token } from '../source.js';
import { RULE_ACTIONS, type StaticRule } from '../model/vrrp-ip.js';
import type { ParseContext } from './context.js';
import { q } from './emit-util.js';
import type { Stmt } from './tree.js';
import { cidrText, familyOf, readCidr, readNumOrName, readUnsigned, Words } from './vrrp-ip.js';
import { FamilyGuard, familyWordAt, readRealms, U32 } from './vrrp-route.js';

const PORTS_RE = /^(\d{1,5})(-(\d{1,5}))?$/;

/** One rule entry; undefined when keepalived would drop it while reading. */
export function parseRule(s: Stmt, ctx: ParseContext, kind: 'virtual' | 'static'): StaticRule | undefined {
  const w = new Words(s);
  const guard = new FamilyGuard(ctx, 'rule');
  const r: StaticRule = {};
  ctx.at(r, '', s.kw.loc);
  while (!w.done) {
    const t = w.next() as Token;
    let bad = false;
    const put = <K extends keyof StaticRule>(k: K, v: StaticRule[K] | undefined) => {
      if (v === undefined) bad = true;
      else {
        r[k] = v;
        ctx.at(r, k, t.loc);
      }
    };
    const sel = (): StaticRule['from'] | undefined => {
      const v = w.value(ctx, t, t.text);
      if (!v) return undefined;
      if (v.text === 'all' || v.text === 'any' || v.text === 'default') return 'all';
      const c = readCidr(ctx, v, `rule ${t.text}`);
      if (c) guard.need(familyOf(c.address), t, `${t.text} ${v.text}`);
      return c;
    };
    /** `[type] goto N | nop | blackhole | unreachable | prohibit`. */
    const action = (t0: Token): boolean => {
      let a = t0;
      if (t0.text === 'type') {
        const v = w.value(ctx, t0, 'type');
        if (!v) return false;
        a = v;
      }
      if (a.text === 'goto') put('goto', readUnsigned(ctx, w.value(ctx, a, 'goto'), 'rule goto target', U32));
      else if ((RULE_ACTIONS as readonly string[]).includes(a.text)) put('action', a.text as StaticRule['action']);
      else {
        const guess = a.text === 'ip_proto' ? " (did you mean 'ipproto'?)" : a.text === 'pref' ? " (did you mean 'preference'?)" : '';
        ctx.diags.error('unknown-option', `unknown rule option '${a.text}'; keepalived drops the rule${guess}`, a.loc);
        return false;
      }
      return !bad;
    };
    const ports = (): { start: number; end: number } | undefined => {
      const v = w.value(ctx, t, t.text);
      const m = v ? PORTS_RE.exec(v.text) : null;
      const a = m ? Number(m[1]) : NaN;
      const b = m?.[3] !== undefined ? Number(m[3]) : undefined;
      if (!v || !m || a > 65535 || (b !== undefined && b > 65535)) {
        if (v) ctx.diags.error('invalid-value', `${t.text} '${v.text}' is not PORT or PORT-PORT`, v.loc);
        return undefined;
      }
      if (b === undefined) {
        // keepalived 2.2.7 reads sport/dport with "%hu-%hu" and rejects a single port.
        ctx.diags.warn('keepalived-compat', `keepalived rejects a single ${t.text} port; write ${a}-${a} (lvsd reads it as that)`, v.loc);
      }
      return { start: a, end: b ?? a };
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
      case 'from':
      case 'to':
        put(t.text, sel());
        break;
      case 'table':
      case 'lookup': {
        const v = readNumOrName(ctx, w.value(ctx, t, 'table'), 'rule table', U32);
        if (v === 0) ctx.diags.error('out-of-range', 'rule table 0 is not valid', t.loc);
        put('table', v === 0 ? undefined : v);
        break;
      }
      case 'not':
        put('not', true);
        break;
      case 'preference':
      case 'order':
      case 'priority':
        put('preference', readUnsigned(ctx, w.value(ctx, t, t.text), `rule ${t.text}`, U32));
        break;
      case 'tos':
      case 'dsfield':
        put('tos', readNumOrName(ctx, w.value(ctx, t, 'tos'), 'rule tos', 255));
        break;
      case 'fwmark': {
        const v = w.value(ctx, t, 'fwmark');
        const m = v ? /^(0x[0-9a-f]+|\d+)(\/(0x[0-9a-f]+|\d+))?$/i.exec(v.text) : null;
        const n = (x: string) => (/^0x/i.test(x) ? parseInt(x, 16) : Number(x));
        if (!v || !m || n(m[1] as string) > U32 || (m[3] !== undefined && n(m[3]) > U32)) {
          if (v) ctx.diags.error('invalid-value', `fwmark '${v.text}' is not MARK[/MASK]`, v.loc);
          bad = true;
          break;
        }
        put('fwmark', m[3] !== undefined ? { mark: n(m[1] as string), mask: n(m[3]) } : { mark: n(m[1] as string) });
        break;
      }
      case 'realms':
        guard.need(4, t, "'realms' (IPv4 only)");
        put('realms', readRealms(ctx, w.value(ctx, t, 'realms')));
        break;
      case 'suppress_prefixlength':
      case 'sup_pl':
        put('suppress_prefixlength', readUnsigned(ctx, w.value(ctx, t, t.text), t.text, 2147483647));
        break;
      case 'suppress_ifgroup':
      case 'sup_group':
        put('suppress_ifgroup', readNumOrName(ctx, w.value(ctx, t, t.text), t.text, U32));
        break;
      case 'dev':
      case 'iif':
        put('iif', w.value(ctx, t, t.text)?.text);
        break;
      case 'oif':
        put('oif', w.value(ctx, t, t.text)?.text);
        break;
      case 'tunnel-id':
        put('tunnel_id', readUnsigned(ctx, w.value(ctx, t, t.text), t.text, Number.MAX_SAFE_INTEGER));
        break;
      case 'uidrange': {
        const v = w.value(ctx, t, 'uidrange');
        const m = v ? /^(\d{1,10})-(\d{1,10})$/.exec(v.text) : null;
        if (!v || !m || Number(m[1]) > U32 || Number(m[2]) > U32) {
          if (v) ctx.diags.error('invalid-value', `uidrange '${v.text}' is not START-END`, v.loc);
          bad = true;
          break;
        }
        put('uidrange', { start: Number(m[1]), end: Number(m[2]) });
        break;
      }
      case 'l3mdev':
        put('l3mdev', true);
        break;
      case 'protocol':
        put('protocol', readUnsigned(ctx, w.value(ctx, t, 'protocol'), 'rule protocol', 255));
        break;
      case 'ipproto': {
        const v = readNumOrName(ctx, w.value(ctx, t, 'ipproto'), 'rule ipproto', 255);
        put('ipproto', v);
        break;
      }
      case 'sport':
      case 'dport':
        put(t.text, ports());
        break;
      case 'no_track':
        put('no_track', true);
        break;
      case 'track_group':
        if (kind === 'static') {
          put('track_group', w.value(ctx, t, 'track_group')?.text);
          break;
        }
        if (!action(t)) return undefined;
        break;
      default:
        if (!action(t)) return undefined;
    }
    if (bad) return undefined;
  }
  return guard.ok ? r : undefined;
}

/** The words of a rule entry. */
export function formatRule(r: StaticRule): string {
  const out: string[] = [];
  const opt = (k: string, v: string | number | undefined) => {
    if (v !== undefined) out.push(k, q(v));
  };
  if (r.not) out.push('not');
  opt('from', r.from !== undefined ? cidrText(r.from) : undefined);
  opt('to', r.to !== undefined ? cidrText(r.to) : undefined);
  opt('iif', r.iif);
  opt('oif', r.oif);
  opt('tos', r.tos);
  if (r.fwmark) out.push('fwmark', r.fwmark.mask !== undefined ? `${r.fwmark.mark}/${r.fwmark.mask}` : String(r.fwmark.mark));
  if (r.uidrange) out.push('uidrange', `${r.uidrange.start}-${r.uidrange.end}`);
  if (r.l3mdev) out.push('l3mdev');
  opt('protocol', r.protocol);
  opt('ipproto', r.ipproto);
  if (r.sport) out.push('sport', `${r.sport.start}-${r.sport.end}`);
  if (r.dport) out.push('dport', `${r.dport.start}-${r.dport.end}`);
  opt('tunnel-id', r.tunnel_id);
  opt('preference', r.preference);
  opt('table', r.table);
  opt('goto', r.goto);
  if (r.action) out.push(r.action);
  opt('realms', r.realms);
  opt('suppress_prefixlength', r.suppress_prefixlength);
  opt('suppress_ifgroup', r.suppress_ifgroup);
  if (r.no_track) out.push('no_track');
  opt('track_group', r.track_group);
  if (r.inet6) out.push('inet6'); // last: keepalived skips the word after it
  return out.join(' ');
}
