// Config layer (pure): keepalived.conf writer for the LVS sections (SSL, virtual_server_group,
// virtual_server, real_server, checkers). The output parses back to the same model.
import type { Command } from '../model/common.js';
import type { Checker, HttpUrl, SslConfig } from '../model/check.js';
import type { ConfigModel } from '../model/index.js';
import type { LvsMethod, RealServer, VirtualServer, VirtualServerGroup } from '../model/lvs.js';
import type { ConfWriter } from './emit-util.js';
import { commandArgs } from './command.js';

type Rec = Record<string, unknown>;

function method(w: ConfWriter, kw: string, m: LvsMethod | undefined): void {
  if (!m) return;
  const words: (string | number)[] = [m.method];
  if (m.method === 'TUN') {
    if (m.type !== undefined) words.push('type', m.type);
    if ('port' in m) words.push('port', m.port);
    if (m.csum !== undefined) words.push(m.csum);
  }
  w.line(kw, ...words);
}

function command(w: ConfWriter, kw: string, c: Command | undefined): void {
  if (c) w.line(kw, ...commandArgs(c));
}

function num(w: ConfWriter, kw: string, v: number | undefined): void {
  if (v !== undefined) w.line(kw, v);
}
function str(w: ConfWriter, kw: string, v: string | undefined): void {
  if (v !== undefined) w.line(kw, v);
}

const CONNECTION = ['connect_ip', 'connect_port', 'bindto', 'bind_port', 'bind_if', 'fwmark', 'connect_timeout'] as const;

function connection(w: ConfWriter, c: Rec): void {
  for (const k of CONNECTION) if (c[k] !== undefined) w.line(k, c[k] as string | number);
}

function checkerTiming(w: ConfWriter, c: Rec): void {
  for (const k of ['retry', 'delay_before_retry', 'warmup', 'delay_loop'] as const) num(w, k, c[k] as number | undefined);
  w.flag('alpha', c.alpha as boolean | undefined, true);
  w.flag('log_all_failures', c.log_all_failures as boolean | undefined, true);
}

function url(w: ConfWriter, u: HttpUrl): void {
  w.block('url', [], () => {
    str(w, 'path', u.path);
    str(w, 'digest', u.digest);
    if (u.status_code) w.line('status_code', ...u.status_code.map((r) => (r.from === r.to ? String(r.from) : `${r.from}-${r.to}`)));
    str(w, 'virtualhost', u.virtualhost);
    str(w, 'regex', u.regex);
    w.flag('regex_no_match', u.regex_no_match);
    if (u.regex_options) w.line('regex_options', ...u.regex_options);
    if (u.regex_stack) w.line('regex_stack', u.regex_stack.start, u.regex_stack.max);
    num(w, 'regex_min_offset', u.regex_min_offset);
    num(w, 'regex_max_offset', u.regex_max_offset);
  });
}

function checker(w: ConfWriter, c: Checker): void {
  w.block(c.type, [], () => {
    const r = c as unknown as Rec;
    switch (c.type) {
      case 'FILE_CHECK':
        str(w, 'track_file', c.track_file);
        w.flag('dynamic', c.dynamic);
        if (c.weight) w.line('weight', c.weight.value, c.weight.reverse === undefined ? undefined : c.weight.reverse ? 'reverse' : 'noreverse');
        return;
      case 'BFD_CHECK':
        str(w, 'name', c.name);
        return;
      case 'MISC_CHECK':
        checkerTiming(w, r);
        str(w, 'misc_path', c.misc_path);
        num(w, 'misc_timeout', c.misc_timeout);
        w.flag('misc_dynamic', c.misc_dynamic);
        if (c.user) w.line('user', c.user.name, c.user.group);
        return;
      default:
        break;
    }
    connection(w, r);
    checkerTiming(w, r);
    switch (c.type) {
      case 'HTTP_GET':
      case 'SSL_GET':
        str(w, 'virtualhost', c.virtualhost);
        str(w, 'http_protocol', c.http_protocol);
        w.flag('fast_recovery', c.fast_recovery, true);
        if (c.type === 'SSL_GET') {
          w.flag('enable_sni', c.enable_sni, true);
          str(w, 'sni_name', c.sni_name);
        }
        for (const u of c.url ?? []) url(w, u);
        break;
      case 'SMTP_CHECK':
        str(w, 'helo_name', c.helo_name);
        for (const h of c.host ?? []) w.block('host', [], () => connection(w, h as Rec));
        break;
      case 'DNS_CHECK':
        str(w, 'type', c.query_type);
        str(w, 'name', c.name);
        break;
      case 'UDP_CHECK':
        str(w, 'payload', c.payload);
        if (c.require_reply === true) w.line('require_reply');
        else str(w, 'require_reply', c.require_reply);
        num(w, 'min_reply_length', c.min_reply_length);
        num(w, 'max_reply_length', c.max_reply_length);
        break;
      default:
        break;
    }
  });
}

function timing(w: ConfWriter, o: Rec): void {
  for (const k of ['connect_timeout', 'retry', 'delay_before_retry', 'warmup', 'delay_loop'] as const) num(w, k, o[k] as number | undefined);
}

function realServer(w: ConfWriter, rs: RealServer): void {
  w.block('real_server', [rs.address, rs.port], () => {
    num(w, 'weight', rs.weight);
    method(w, 'lvs_method', rs.lvs_method);
    command(w, 'notify_up', rs.notify_up);
    command(w, 'notify_down', rs.notify_down);
    num(w, 'uthreshold', rs.uthreshold);
    num(w, 'lthreshold', rs.lthreshold);
    w.flag('smtp_alert', rs.smtp_alert, true);
    str(w, 'virtualhost', rs.virtualhost);
    w.flag('alpha', rs.alpha, true);
    timing(w, rs as unknown as Rec);
    w.flag('inhibit_on_failure', rs.inhibit_on_failure, true);
    for (const c of rs.checkers) checker(w, c);
  });
}

function virtualServer(w: ConfWriter, vs: VirtualServer): void {
  const head: (string | number | undefined)[] = 'fwmark' in vs ? ['fwmark', vs.fwmark] : 'group' in vs ? ['group', vs.group] : [vs.address, vs.port];
  w.block('virtual_server', head, () => {
    // lvs_sched first: keepalived reads sh-port / mh-port against the scheduler already set.
    str(w, 'lvs_sched', vs.lvs_sched);
    const flags = [['flag_1', 'flag-1'], ['flag_2', 'flag-2'], ['flag_3', 'flag-3'], ['sh_port', 'sh-port'], ['sh_fallback', 'sh-fallback'], ['mh_port', 'mh-port'], ['mh_fallback', 'mh-fallback'], ['ops', 'ops']] as const;
    for (const [f, kw] of flags) w.flag(kw, vs[f]);
    method(w, 'lvs_method', vs.lvs_method);
    str(w, 'persistence_engine', vs.persistence_engine);
    if (vs.persistence_timeout === true) w.line('persistence_timeout');
    else num(w, 'persistence_timeout', vs.persistence_timeout);
    if (vs.persistence_granularity !== undefined) w.line('persistence_granularity', vs.persistence_granularity);
    str(w, 'protocol', vs.protocol);
    w.flag('ha_suspend', vs.ha_suspend);
    w.flag('smtp_alert', vs.smtp_alert, true);
    str(w, 'virtualhost', vs.virtualhost);
    w.flag('alpha', vs.alpha);
    w.flag('omega', vs.omega);
    num(w, 'quorum', vs.quorum);
    num(w, 'hysteresis', vs.hysteresis);
    command(w, 'quorum_up', vs.quorum_up);
    command(w, 'quorum_down', vs.quorum_down);
    str(w, 'ip_family', vs.ip_family);
    // sorry_server before its options: keepalived applies them to the sorry server already read.
    if (vs.sorry_server) w.line('sorry_server', vs.sorry_server.address, vs.sorry_server.port);
    w.flag('sorry_server_inhibit', vs.sorry_server_inhibit);
    method(w, 'sorry_server_lvs_method', vs.sorry_server_lvs_method);
    timing(w, vs as unknown as Rec);
    w.flag('inhibit_on_failure', vs.inhibit_on_failure);
    num(w, 'weight', vs.weight);
    for (const rs of vs.real_servers) realServer(w, rs);
  });
}

function group(w: ConfWriter, g: VirtualServerGroup): void {
  w.block('virtual_server_group', [g.name], () => {
    for (const a of g.addresses) w.line(a.last !== undefined ? `${a.address}-${a.last}` : a.address, a.port);
    for (const f of g.fwmarks) w.line('fwmark', f.fwmark, f.family);
  });
}

function ssl(w: ConfWriter, s: SslConfig): void {
  w.block('SSL', [], () => {
    str(w, 'password', s.password);
    str(w, 'ca', s.ca);
    str(w, 'certificate', s.certificate);
    str(w, 'key', s.key);
  });
}

export function emitLvs(m: ConfigModel, w: ConfWriter): void {
  if (m.ssl) {
    ssl(w, m.ssl);
    w.blank();
  }
  for (const g of m.virtual_server_groups) {
    group(w, g);
    w.blank();
  }
  for (const vs of m.virtual_servers) {
    virtualServer(w, vs);
    w.blank();
  }
}
