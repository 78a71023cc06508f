// Config layer (pure): keepalived.conf grammar of the LVS sections: virtual_server_group,
// virtual_server, real_server and the top-level SSL block (keepalived check_parser.c and
// keepalived.conf(5) "LVS CONFIGURATION"). Checker blocks are in check.ts.
import { TIMER_MAX, TIMER_MIN, U32_MAX, type SslConfig } from '../model/check.js';
import type { ConfigModel } from '../model/index.js';
import {
  LVS_SCHEDULERS,
  PERSISTENCE_MAX,
  PROTOCOLS,
  type RealServer,
  type VirtualServer,
  type VirtualServerGroup,
  type VirtualServerOptions,
} from '../model/lvs.js';
import type { Token } from '../source.js';
import { checkerKeywords, boolKw, flagKw, intKw, timerKw, wordKw } from './check.js';
import { canonicalIp, type KeywordSpec, type KeywordTable, type ParseContext } from './context.js';
import { readCommand } from './command.js';
import { readLvsMethod, readVsgAddress } from './lvs-args.js';
import type { Stmt } from './tree.js';

export { validateLvs } from './lvs-validate.js';

type Rec = Record<string, unknown>;

function methodKw(field: string): KeywordSpec<Rec> {
  return {
    handle: (s, t, ctx) => {
      const v = readLvsMethod(s, ctx);
      if (v) ctx.set(t, field, v, s);
    },
  };
}

/** notify_up / quorum_up ...: keepalived keeps the first and ignores later ones. */
function commandKw(field: string): KeywordSpec<Rec> {
  return {
    handle: (s, t, ctx) => {
      const v = readCommand(s, ctx);
      if (!v) return;
      if (t[field] !== undefined) {
        const prev = ctx.locs.get(t, field);
        ctx.diags.warn('duplicate-keyword', `'${s.kw.text}' given again${prev ? ` (first at line ${prev.line})` : ''}; keepalived keeps the first, this one is ignored`, s.kw.loc);
        return;
      }
      ctx.set(t, field, v, s);
    },
  };
}

/** What messages call an `<address> [port]` pair's two words (constants: made once, not per statement). */
interface PairNames {
  address: string;
  port: string;
}
const REAL_SERVER: PairNames = { address: 'real_server address', port: 'real_server port' };
const SORRY_SERVER: PairNames = { address: 'sorry_server address', port: 'sorry_server port' };
const VIRTUAL_SERVER: PairNames = { address: 'virtual_server address', port: 'virtual_server port' };

/** `<address> [port]` of virtual_server, real_server and sorry_server. */
function addressPort(s: Stmt, ctx: ParseContext, what: PairNames): { address: string; port?: number } | undefined {
  if (!ctx.arity(s, 1, 2)) return undefined;
  const address = ctx.ip(s.args[0], what.address);
  const port = s.args[1] ? ctx.port(s.args[1], what.port) : undefined;
  if (!address || (s.args[1] && port === undefined)) return undefined;
  return port === undefined ? { address } : { address, port };
}

const timing: KeywordTable<Rec> = {
  connect_timeout: timerKw('connect_timeout', TIMER_MIN, U32_MAX / 1e6),
  retry: intKw('retry', 1, U32_MAX),
  delay_before_retry: timerKw('delay_before_retry'),
  warmup: timerKw('warmup'),
  delay_loop: timerKw('delay_loop', TIMER_MIN, TIMER_MAX),
};

const realServerTable: KeywordTable<Rec> = {
  weight: intKw('weight', 0, 65535),
  lvs_method: methodKw('lvs_method'),
  notify_up: commandKw('notify_up'),
  notify_down: commandKw('notify_down'),
  uthreshold: intKw('uthreshold', 0, U32_MAX),
  lthreshold: intKw('lthreshold', 0, U32_MAX),
  smtp_alert: boolKw('smtp_alert'),
  virtualhost: wordKw('virtualhost'),
  snmp_name: { notSupported: 'lvsd has no SNMP agent' },
  alpha: boolKw('alpha'),
  ...timing,
  inhibit_on_failure: boolKw('inhibit_on_failure'),
  ...(checkerKeywords as unknown as KeywordTable<Rec>),
};

const virtualServerTable: KeywordTable<Rec> = {
  lvs_sched: {
    handle: (s, vs, ctx) => {
      const v = ctx.oneOf(ctx.arg(s), 'lvs_sched', LVS_SCHEDULERS, false);
      if (v) ctx.set(vs, 'lvs_sched', v, s);
    },
  },
  lb_algo: { deprecatedFor: 'lvs_sched' },
  'flag-1': flagKw('flag_1'),
  'flag-2': flagKw('flag_2'),
  'flag-3': flagKw('flag_3'),
  'sh-port': flagKw('sh_port'),
  'sh-fallback': flagKw('sh_fallback'),
  'mh-port': flagKw('mh_port'),
  'mh-fallback': flagKw('mh_fallback'),
  ops: flagKw('ops'),
  hashed: { notSupported: 'keepalived 2.2 ignores it too; IPVS hashes every service' },
  lvs_method: methodKw('lvs_method'),
  lb_kind: { deprecatedFor: 'lvs_method' },
  persistence_engine: wordKw('persistence_engine'),
  persistence_timeout: {
    handle: (s, vs, ctx) => {
      if (!ctx.arity(s, 0, 1)) return;
      // keepalived pto_handler: no value = IPVS_SVC_PERSISTENT_TIMEOUT (360 s), applied by resolve.
      const v = s.args[0] ? ctx.int(s.args[0], 'persistence_timeout', { min: 1, max: PERSISTENCE_MAX }) : true;
      if (v !== undefined) ctx.set(vs, 'persistence_timeout', v, s);
    },
  },
  persistence_granularity: {
    handle: (s, vs, ctx) => {
      const tok = ctx.arg(s);
      if (!tok) return;
      if (tok.text.includes('.')) {
        const mask = canonicalIp(tok.text);
        if (!mask || mask.includes(':')) ctx.diags.error('invalid-address', `persistence_granularity: '${tok.text}' is not an IPv4 netmask`, tok.loc);
        else ctx.set(vs, 'persistence_granularity', mask, s);
        return;
      }
      const p = ctx.int(tok, 'persistence_granularity (IPv6 prefix length)', { min: 1, max: 128 });
      if (p !== undefined) ctx.set(vs, 'persistence_granularity', p, s);
    },
  },
  protocol: {
    handle: (s, vs, ctx) => {
      const v = ctx.oneOf(ctx.arg(s), 'protocol', PROTOCOLS);
      if (v) ctx.set(vs, 'protocol', v, s);
    },
  },
  ha_suspend: flagKw('ha_suspend'),
  smtp_alert: boolKw('smtp_alert'),
  virtualhost: wordKw('virtualhost'),
  snmp_name: { notSupported: 'lvsd has no SNMP agent' },
  alpha: flagKw('alpha'),
  omega: flagKw('omega'),
  quorum: intKw('quorum', 1, U32_MAX),
  hysteresis: intKw('hysteresis', 0, U32_MAX),
  quorum_up: commandKw('quorum_up'),
  quorum_down: commandKw('quorum_down'),
  ip_family: {
    handle: (s, vs, ctx) => {
      const v = ctx.oneOf(ctx.arg(s), 'ip_family', ['inet', 'inet6'] as const, false);
      if (v) ctx.set(vs, 'ip_family', v, s);
    },
  },
  sorry_server: {
    handle: (s, vs, ctx) => {
      const v = addressPort(s, ctx, SORRY_SERVER);
      if (v) ctx.set(vs, 'sorry_server', v, s);
    },
  },
  sorry_server_inhibit: flagKw('sorry_server_inhibit'),
  sorry_server_lvs_method: methodKw('sorry_server_lvs_method'),
  ...timing,
  inhibit_on_failure: flagKw('inhibit_on_failure'),
  weight: intKw('weight', 1, 65535),
  real_server: {
    // keepalived: "Missing '{' at beginning of configuration block" without one.
    block: 'required',
    handle: (s, vs, ctx) => {
      const ap = addressPort(s, ctx, REAL_SERVER);
      if (!ap) return;
      // A literal, not a spread: objects built by spreading each get a hidden class of their own.
      const rs: RealServer = ap.port === undefined ? { address: ap.address, checkers: [] } : { address: ap.address, port: ap.port, checkers: [] };
      ctx.at(rs, '', s.kw.loc);
      ctx.walk(s.block, realServerTable, rs as unknown as Rec, s);
      (vs as unknown as VirtualServerOptions).real_servers.push(rs);
    },
  },
};

/** `virtual_server <addr> [port] | fwmark <N> | group <name> { ... }` */
function virtualServer(s: Stmt, m: ConfigModel, ctx: ParseContext): void {
  if (!ctx.arity(s, 1, 2)) return;
  const a0 = s.args[0] as Token;
  let vs: VirtualServer | undefined;
  if (!a0.quoted && (a0.text === 'fwmark' || a0.text === 'group')) {
    if (!ctx.arity(s, 2)) return;
    const a1 = s.args[1] as Token;
    if (a0.text === 'fwmark') {
      const n = ctx.int(a1, 'virtual_server fwmark', { min: 0, max: U32_MAX });
      if (n !== undefined) vs = { fwmark: n, real_servers: [] };
    } else if (a1.text === '' || /[\s"{}#!\\]/.test(a1.text)) {
      ctx.diags.error('invalid-value', `virtual_server group: '${a1.text}' is not a group name`, a1.loc);
    } else {
      vs = { group: a1.text, real_servers: [] };
    }
  } else {
    const v = addressPort(s, ctx, VIRTUAL_SERVER);
    if (v) vs = v.port === undefined ? { address: v.address, real_servers: [] } : { address: v.address, port: v.port, real_servers: [] };
  }
  if (!vs) return;
  ctx.at(vs, '', s.kw.loc);
  ctx.walk(s.block, virtualServerTable, vs as unknown as Rec, s);
  m.virtual_servers.push(vs);
}

/** `virtual_server_group <name> { <addr>[-end|/nn] [port] ... fwmark <N> [inet|inet6] ... }` */
function virtualServerGroup(s: Stmt, m: ConfigModel, ctx: ParseContext): void {
  const tok = ctx.arg(s);
  if (!tok) return;
  if (tok.text === '' || /[\s"{}#!\\]/.test(tok.text)) {
    ctx.diags.error('invalid-value', `virtual_server_group: '${tok.text}' is not a group name`, tok.loc);
    return;
  }
  const g: VirtualServerGroup = { name: tok.text, addresses: [], fwmarks: [] };
  ctx.at(g, '', s.kw.loc);
  ctx.at(g, 'name', tok.loc);
  for (const e of s.block ?? []) {
    if (e.block) ctx.diags.warn('unexpected-block', `'${e.kw.text}' in virtual_server_group takes no block; the block is ignored`, e.blockLoc ?? e.kw.loc);
    if (e.kw.text === 'fwmark' && !e.kw.quoted) {
      if (!ctx.arity(e, 1, 2)) continue;
      const fwmark = ctx.int(e.args[0], 'virtual_server_group fwmark', { min: 0, max: U32_MAX });
      const family = e.args[1] ? ctx.oneOf(e.args[1], 'fwmark family', ['inet', 'inet6'] as const, false) : undefined;
      if (fwmark === undefined || (e.args[1] && !family)) continue;
      const f = family ? { fwmark, family } : { fwmark };
      ctx.at(f, '', e.kw.loc);
      g.fwmarks.push(f);
      continue;
    }
    const a = readVsgAddress(e, ctx);
    if (!a) continue;
    ctx.at(a, '', e.kw.loc);
    g.addresses.push(a);
  }
  m.virtual_server_groups.push(g);
}

const sslTable: KeywordTable<Rec> = {
  password: wordlessString('password'),
  ca: wordlessString('ca'),
  certificate: wordlessString('certificate'),
  key: wordlessString('key'),
};
/** A single (possibly quoted) value. */
function wordlessString(field: string): KeywordSpec<Rec> {
  return {
    handle: (s, t, ctx) => {
      const tok = ctx.arg(s);
      if (tok && tok.text !== '') ctx.set(t, field, tok.text, s);
      else if (tok) ctx.diags.error('invalid-value', `SSL ${field}: empty`, tok.loc);
    },
  };
}

export const lvsTopLevel: KeywordTable<ConfigModel> = {
  virtual_server_group: { block: 'required', handle: virtualServerGroup },
  virtual_server: { block: 'required', handle: virtualServer },
  SSL: {
    block: 'required',
    handle: (s, m, ctx) => {
      ctx.arity(s, 0, 0);
      if (m.ssl) {
        const prev = ctx.locs.get(m.ssl);
        ctx.diags.warn('duplicate-keyword', `SSL given again${prev ? ` (first at line ${prev.line})` : ''}; this block replaces it`, s.kw.loc);
      }
      const ssl: SslConfig = {};
      ctx.at(ssl, '', s.kw.loc);
      ctx.walk(s.block, sslTable, ssl as Rec, 'SSL');
      m.ssl = ssl;
    },
  },
};
