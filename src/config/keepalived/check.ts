// Config layer (pure): keepalived.conf grammar of the checker blocks inside real_server
// (HTTP_GET, SSL_GET, TCP_CHECK, SMTP_CHECK, DNS_CHECK, MISC_CHECK, UDP_CHECK, PING_CHECK,
// FILE_CHECK, BFD_CHECK), after keepalived's check_api.c and check_*.c keyword installers.
import {
  REGEX_OPTIONS,
  TIMER_MAX,
  TIMER_MIN,
  U32_MAX,
  type Checker,
  type CheckerType,
  type HttpUrl,
  type RegexOption,
  type SmtpHost,
} from '../model/check.js';
import type { RealServer } from '../model/lvs.js';
import type { Token } from '../source.js';
import type { KeywordSpec, KeywordTable, ParseContext } from './context.js';
import { readHex, readStatusCodes } from './lvs-args.js';
import type { Stmt } from './tree.js';

type Rec = Record<string, unknown>;

// ---- generic handlers: one keyword, one field ----

function setField(ctx: ParseContext, t: Rec, field: string, v: unknown, s: Stmt): void {
  if (v !== undefined) ctx.set(t, field, v, s);
}
export function timerKw(field: string, min = 0, max = TIMER_MAX): KeywordSpec<Rec> {
  const limits = { min, max };
  return { handle: (s, t, ctx) => setField(ctx, t, field, ctx.seconds(ctx.arg(s), s.kw.text, limits), s) };
}
export function intKw(field: string, min: number, max: number): KeywordSpec<Rec> {
  const limits = { min, max };
  return { handle: (s, t, ctx) => setField(ctx, t, field, ctx.int(ctx.arg(s), s.kw.text, limits), s) };
}
export function boolKw(field: string): KeywordSpec<Rec> {
  return { handle: (s, t, ctx) => (ctx.arity(s, 0, 1) ? setField(ctx, t, field, ctx.bool(s), s) : undefined) };
}
export function flagKw(field: string): KeywordSpec<Rec> {
  return {
    handle: (s, t, ctx) => {
      ctx.arity(s, 0, 0);
      setField(ctx, t, field, true, s);
    },
  };
}
export function wordKw(field: string): KeywordSpec<Rec> {
  return {
    handle: (s, t, ctx) => {
      const tok = ctx.arg(s);
      if (tok && tok.text === '') ctx.diags.error('invalid-value', `'${s.kw.text}': empty value`, tok.loc);
      else setField(ctx, t, field, tok?.text, s);
    },
  };
}
export function ipKw(field: string): KeywordSpec<Rec> {
  return { handle: (s, t, ctx) => setField(ctx, t, field, ctx.ip(ctx.arg(s), s.kw.text), s) };
}
function ifnameKw(field: string): KeywordSpec<Rec> {
  return {
    handle: (s, t, ctx) => {
      const tok = ctx.arg(s);
      if (!tok) return;
      if (tok.text.length < 1 || tok.text.length > 15 || /[\s/]/.test(tok.text)) {
        ctx.diags.error('invalid-value', `${s.kw.text}: '${tok.text}' is not an interface name (1-15 characters)`, tok.loc);
        return;
      }
      ctx.set(t, field, tok.text, s);
    },
  };
}

// ---- option families shared by the checkers (check_api.c install_checker_common_keywords) ----

/** connect_ip ... connect_timeout: every checker but MISC_CHECK, FILE_CHECK and BFD_CHECK. */
export const connectionTable: KeywordTable<Rec> = {
  connect_ip: ipKw('connect_ip'),
  connect_port: intKw('connect_port', 1, 65535),
  bindto: ipKw('bindto'),
  bind_port: intKw('bind_port', 1, 65535),
  bind_if: ifnameKw('bind_if'),
  fwmark: intKw('fwmark', 0, U32_MAX),
  connect_timeout: timerKw('connect_timeout', TIMER_MIN, U32_MAX / 1e6),
};

/** alpha ... log_all_failures: every checker but FILE_CHECK and BFD_CHECK. */
export const checkerTimingTable: KeywordTable<Rec> = {
  retry: intKw('retry', 0, U32_MAX),
  delay_before_retry: timerKw('delay_before_retry'),
  warmup: timerKw('warmup'),
  delay_loop: timerKw('delay_loop', TIMER_MIN),
  alpha: boolKw('alpha'),
  log_all_failures: boolKw('log_all_failures'),
};

// ---- HTTP_GET / SSL_GET ----

function regexOptions(s: Stmt, t: Rec, ctx: ParseContext): void {
  if (!ctx.arity(s, 1, Infinity)) return;
  const list = (t.regex_options as RegexOption[] | undefined) ?? [];
  for (const tok of s.args) {
    const o = REGEX_OPTIONS.find((x) => x === tok.text);
    if (o) list.push(o);
    else ctx.diags.error('invalid-regex-option', `regex_options: unknown option '${tok.text}'`, tok.loc);
  }
  if (list.length && t.regex_options === undefined) ctx.set(t, 'regex_options', list, s);
}

const urlTable: KeywordTable<Rec> = {
  path: {
    handle: (s, u, ctx) => {
      const tok = ctx.arg(s);
      if (tok && tok.text !== '') ctx.set(u, 'path', tok.text, s);
      else if (tok) ctx.diags.error('invalid-value', 'path: empty', tok.loc);
    },
  },
  digest: {
    handle: (s, u, ctx) => {
      const tok = ctx.arg(s);
      if (!tok) return;
      if (!/^[0-9a-fA-F]{32}$/.test(tok.text)) {
        ctx.diags.error('invalid-value', `digest: '${tok.text}' is not 32 hex digits (an MD5 as genhash prints it)`, tok.loc);
        return;
      }
      if (u.digest !== undefined) {
        ctx.diags.error('duplicate-digest', 'digest given twice in one url; the second is ignored', s.kw.loc);
        return;
      }
      ctx.set(u, 'digest', tok.text.toLowerCase(), s);
    },
  },
  status_code: {
    handle: (s, u, ctx) => {
      const codes = readStatusCodes(s, ctx);
      if (!codes.length) return;
      if (u.status_code) (u.status_code as unknown[]).push(...codes);
      else ctx.set(u, 'status_code', codes, s);
    },
  },
  virtualhost: wordKw('virtualhost'),
  regex: {
    handle: (s, u, ctx) => {
      const tok = ctx.arg(s);
      if (tok && tok.text !== '') ctx.set(u, 'regex', tok.text, s);
      else if (tok) ctx.diags.error('invalid-value', 'regex: empty', tok.loc);
    },
  },
  regex_no_match: flagKw('regex_no_match'),
  regex_options: { handle: regexOptions },
  regex_stack: {
    handle: (s, u, ctx) => {
      if (!ctx.arity(s, 2)) return;
      const start = ctx.int(s.args[0], 'regex_stack start', { min: 0, max: U32_MAX });
      const max = ctx.int(s.args[1], 'regex_stack max', { min: 0, max: U32_MAX });
      if (start !== undefined && max !== undefined) ctx.set(u, 'regex_stack', { start, max }, s);
    },
  },
  regex_min_offset: intKw('regex_min_offset', 0, U32_MAX),
  regex_max_offset: intKw('regex_max_offset', 0, U32_MAX),
};

const httpTable: KeywordTable<Rec> = {
  ...connectionTable,
  ...checkerTimingTable,
  nb_get_retry: { deprecatedFor: 'retry' },
  virtualhost: wordKw('virtualhost'),
  http_protocol: {
    handle: (s, c, ctx) => {
      const tok = ctx.arg(s);
      const v = tok?.text === '1.0c' ? '1.0C' : ctx.oneOf(tok, 'http_protocol', ['1.0', '1.0C', '1.1'] as const, false);
      if (v) ctx.set(c, 'http_protocol', v, s);
    },
  },
  fast_recovery: boolKw('fast_recovery'),
  enable_sni: { notSupported: 'SNI applies to SSL_GET only' },
  sni_name: { notSupported: 'SNI applies to SSL_GET only' },
  url: {
    block: 'required',
    handle: (s, c, ctx) => {
      ctx.arity(s, 0, 0);
      const url: HttpUrl = {};
      ctx.at(url, '', s.kw.loc);
      ctx.walk(s.block, urlTable, url, 'url');
      if (c.url) (c.url as HttpUrl[]).push(url);
      else ctx.set(c, 'url', [url], s);
    },
  },
};
const sslTable: KeywordTable<Rec> = { ...httpTable, enable_sni: boolKw('enable_sni'), sni_name: wordKw('sni_name') };

// ---- the other checkers ----

const tcpTable: KeywordTable<Rec> = { ...connectionTable, ...checkerTimingTable };

function smtpHostTable(parent: Rec): KeywordTable<Rec> {
  // keepalived installs all the common keywords inside host {}; the non-connection ones set the
  // checker itself (check_smtp.c), so they are stored on the parent.
  const onParent: KeywordTable<Rec> = {};
  for (const [k, spec] of Object.entries(checkerTimingTable)) {
    onParent[k] = { handle: (s, _h, ctx) => spec.handle?.(s, parent, ctx) };
  }
  return { ...connectionTable, ...onParent };
}

const smtpTable: KeywordTable<Rec> = {
  ...connectionTable,
  ...checkerTimingTable,
  helo_name: wordKw('helo_name'),
  host: {
    block: 'required',
    handle: (s, c, ctx) => {
      ctx.arity(s, 0, 0);
      ctx.diags.warn('deprecated-keyword', "the SMTP_CHECK 'host' block is deprecated; use one SMTP_CHECK per address", s.kw.loc);
      const h: SmtpHost = {};
      ctx.at(h, '', s.kw.loc);
      ctx.walk(s.block, smtpHostTable(c), h, 'SMTP_CHECK host');
      if (c.host) (c.host as SmtpHost[]).push(h);
      else ctx.set(c, 'host', [h], s);
    },
  },
};

const dnsTable: KeywordTable<Rec> = {
  ...connectionTable,
  ...checkerTimingTable,
  type: {
    handle: (s, c, ctx) => {
      const tok = ctx.arg(s);
      const v = ctx.oneOf(tok, 'DNS_CHECK type', ['A', 'NS', 'CNAME', 'SOA', 'MX', 'TXT', 'AAAA'] as const);
      if (v) ctx.set(c, 'query_type', v, s);
    },
  },
  name: {
    handle: (s, c, ctx) => {
      const tok = ctx.arg(s);
      if (!tok) return;
      // keepalived check_dns.c: no empty label ("a..b", ".a").
      if (!/^(\.|([A-Za-z0-9_-]{1,63}\.)*[A-Za-z0-9_-]{1,63}\.?)$/.test(tok.text)) {
        ctx.diags.error('invalid-value', `DNS_CHECK name '${tok.text}' is not a domain name (empty label?)`, tok.loc);
        return;
      }
      ctx.set(c, 'name', tok.text, s);
    },
  },
};

const miscTable: KeywordTable<Rec> = {
  ...checkerTimingTable,
  misc_path: {
    handle: (s, c, ctx) => {
      if (!ctx.arity(s, 1, Infinity)) return;
      // keepalived reads the rest of the line as the command and its arguments.
      const cmd = s.args.map((t: Token) => t.text).join(' ');
      if (cmd.trim() === '') ctx.diags.error('invalid-value', 'misc_path: empty command', s.kw.loc);
      else ctx.set(c, 'misc_path', cmd, s);
    },
  },
  misc_timeout: intKw('misc_timeout', 0, 4294),
  misc_dynamic: flagKw('misc_dynamic'),
  user: {
    handle: (s, c, ctx) => {
      if (!ctx.arity(s, 1, 2)) return;
      const [u, g] = s.args as [Token, Token | undefined];
      ctx.set(c, 'user', g ? { name: u.text, group: g.text } : { name: u.text }, s);
    },
  },
};

const udpTable: KeywordTable<Rec> = {
  ...connectionTable,
  ...checkerTimingTable,
  payload: {
    handle: (s, c, ctx) => {
      if (!ctx.arity(s, 1, Infinity)) return;
      setField(ctx, c, 'payload', readHex(s.args, 'payload', ctx), s);
    },
  },
  require_reply: {
    handle: (s, c, ctx) => setField(ctx, c, 'require_reply', s.args.length ? readHex(s.args, 'require_reply', ctx, true) : true, s),
  },
  min_reply_length: intKw('min_reply_length', 0, 65535),
  max_reply_length: intKw('max_reply_length', 0, 65535),
};

const fileTable: KeywordTable<Rec> = {
  track_file: wordKw('track_file'),
  dynamic: flagKw('dynamic'),
  weight: {
    handle: (s, c, ctx) => {
      if (!ctx.arity(s, 1, 2)) return;
      const value = ctx.int(s.args[0], 'FILE_CHECK weight', { min: -2147483647, max: 2147483647 });
      const r = s.args[1];
      const reverse = r ? ctx.oneOf(r, 'FILE_CHECK weight option', ['reverse', 'noreverse'] as const, false) : undefined;
      if (value === undefined || (r && !reverse)) return;
      ctx.set(c, 'weight', reverse ? { value, reverse: reverse === 'reverse' } : { value }, s);
    },
  },
};

const bfdTable: KeywordTable<Rec> = { name: wordKw('name') };

const tables: Record<CheckerType, KeywordTable<Rec>> = {
  HTTP_GET: httpTable,
  SSL_GET: sslTable,
  TCP_CHECK: tcpTable,
  SMTP_CHECK: smtpTable,
  DNS_CHECK: dnsTable,
  MISC_CHECK: miscTable,
  UDP_CHECK: udpTable,
  PING_CHECK: tcpTable,
  FILE_CHECK: fileTable,
  BFD_CHECK: bfdTable,
};

function checkerBlock(type: CheckerType, notSupported?: string): KeywordSpec<RealServer> {
  return {
    block: 'required',
    ...(notSupported ? { notSupported } : {}),
    handle: (s, rs, ctx) => {
      ctx.arity(s, 0, 0);
      const c = { type } as Checker;
      ctx.at(c, '', s.kw.loc);
      ctx.walk(s.block, tables[type], c as unknown as Rec, type);
      // An array literal of the one checker most real servers have: a pushed one has room for 17.
      if (rs.checkers.length) rs.checkers.push(c);
      else rs.checkers = [c];
    },
  };
}

/** The checker blocks a real_server may hold (any number, any mix). */
export const checkerKeywords: KeywordTable<RealServer> = {
  HTTP_GET: checkerBlock('HTTP_GET'),
  SSL_GET: checkerBlock('SSL_GET'),
  TCP_CHECK: checkerBlock('TCP_CHECK'),
  SMTP_CHECK: checkerBlock('SMTP_CHECK'),
  DNS_CHECK: checkerBlock('DNS_CHECK'),
  MISC_CHECK: checkerBlock('MISC_CHECK'),
  UDP_CHECK: checkerBlock('UDP_CHECK'),
  PING_CHECK: checkerBlock('PING_CHECK'),
  FILE_CHECK: checkerBlock('FILE_CHECK'),
  BFD_CHECK: checkerBlock('BFD_CHECK', 'lvsd has no BFD; this checker is never run'),
};
