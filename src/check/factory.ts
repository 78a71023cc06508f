// Composition: builds a Checker and its timing from a resolved checker (src/config/resolve-lvs.ts).
// Options lvsd cannot honour are refused here with a typed error, before anything runs.
import type { ResolvedChecker, ResolvedRealServer, ResolvedVirtualServer } from '../config/resolve-lvs.js';
import type { SslConfig } from '../config/model/check.js';
import type { RunOptions, RunResult } from '../exec/run.js';
import { DnsChecker } from './dns.js';
import { FileChecker } from './file.js';
import { HttpChecker } from './http.js';
import { MiscChecker } from './misc.js';
import { PingChecker } from './ping.js';
import type { CheckerTiming, Flavor } from './policy.js';
import { SmtpChecker } from './smtp.js';
import { TcpChecker } from './tcp.js';
import { UdpChecker } from './udp.js';
import { CheckError, type Checker } from './types.js';

export interface TrackFileInfo {
  file: string;
  /** The block's weight (default 1) and reverse flag, used when the FILE_CHECK gives none. */
  weight: number;
  reverse: boolean;
}

export interface FactoryContext {
  ssl?: SslConfig;
  /** global_defs script_user: who MISC_CHECK scripts run as by default. */
  scriptUser?: { user: string; group?: string };
  trackFiles?: ReadonlyMap<string, TrackFileInfo>;
  runScript?: (o: RunOptions) => Promise<RunResult>;
}

export interface Built {
  checker: Checker;
  timing: CheckerTiming;
}

const s2ms = (s: number): number => Math.round(s * 1000);

export function flavorOf(type: ResolvedChecker['type']): Flavor {
  switch (type) {
    case 'HTTP_GET':
    case 'SSL_GET':
      return 'http';
    case 'MISC_CHECK':
      return 'misc';
    case 'SMTP_CHECK':
      return 'smtp';
    default:
      return 'generic';
  }
}

export function timingOf(ck: ResolvedChecker): CheckerTiming {
  const t: CheckerTiming = {
    flavor: flavorOf(ck.type),
    delayLoopMs: s2ms(ck.delay_loop),
    delayBeforeRetryMs: s2ms(ck.delay_before_retry),
    warmupMs: s2ms(ck.warmup),
    retry: ck.retry,
    alpha: ck.alpha,
  };
  if (ck.type === 'HTTP_GET' || ck.type === 'SSL_GET') t.fastRecovery = ck.fast_recovery;
  // track_file.c: a tracked file's state is known at once (no alpha, no retries, no warmup).
  if (ck.type === 'FILE_CHECK') Object.assign(t, { retry: 0, alpha: false, warmupMs: 0 });
  return t;
}

export function buildChecker(ck: ResolvedChecker, _vs: ResolvedVirtualServer, _rs: ResolvedRealServer, ctx: FactoryContext = {}): Built {
  const timing = timingOf(ck);
  switch (ck.type) {
    case 'TCP_CHECK':
      return { timing, checker: new TcpChecker(ck.connection, s2ms(ck.connection.connect_timeout)) };
    case 'HTTP_GET':
    case 'SSL_GET':
      return {
        timing,
        checker: new HttpChecker({
          type: ck.type,
          connection: ck.connection,
          timeoutMs: s2ms(ck.connection.connect_timeout),
          urls: ck.urls,
          http_protocol: ck.http_protocol,
          enable_sni: ck.enable_sni,
          ...(ck.sni_name !== undefined ? { sni_name: ck.sni_name } : {}),
          ...(ctx.ssl ? { ssl: ctx.ssl } : {}),
        }),
      };
    case 'MISC_CHECK': {
      const user = ck.user ?? ctx.scriptUser?.user;
      const group = ck.user ? ck.group : ctx.scriptUser?.group;
      return {
        timing,
        checker: new MiscChecker({
          misc_path: ck.misc_path,
          timeoutMs: s2ms(ck.misc_timeout),
          misc_dynamic: ck.misc_dynamic,
          ...(user !== undefined ? { user } : {}),
          ...(group !== undefined ? { group } : {}),
          ...(ctx.runScript ? { run: ctx.runScript } : {}),
        }),
      };
    }
    case 'SMTP_CHECK':
      return { timing, checker: new SmtpChecker(ck.connection, s2ms(ck.connection.connect_timeout), ck.helo_name) };
    case 'DNS_CHECK':
      return { timing, checker: new DnsChecker(ck.connection, s2ms(ck.connection.connect_timeout), ck.query_type, ck.name) };
    case 'UDP_CHECK': {
      const o = { require_reply: ck.require_reply, min_reply_length: ck.min_reply_length, max_reply_length: ck.max_reply_length, ...(ck.payload ? { payload: ck.payload } : {}), ...(ck.reply_data ? { reply_data: ck.reply_data } : {}) };
      return { timing, checker: new UdpChecker(ck.connection, s2ms(ck.connection.connect_timeout), o) };
    }
    case 'PING_CHECK':
      return { timing, checker: new PingChecker(ck.connection, s2ms(ck.connection.connect_timeout)) };
    case 'FILE_CHECK': {
      const tf = ctx.trackFiles?.get(ck.track_file);
      if (!tf) throw new CheckError('LVSD_CHECK_CONFIG', `FILE_CHECK: track_file ${ck.track_file} has no file`);
      // check_file.c file_end_handler: no weight on the FILE_CHECK -> the track_file block's.
      const weight = ck.weight !== undefined && ck.weight !== 0 ? ck.weight : tf.weight;
      const reverse = ck.weight !== undefined && ck.weight !== 0 ? ck.reverse : tf.reverse;
      return { timing, checker: new FileChecker(tf.file, weight, reverse) };
    }
    case 'BFD_CHECK':
      throw new CheckError('LVSD_CHECK_UNSUPPORTED', `BFD_CHECK ${ck.name}: lvsd has no BFD; this checker is not supported`);
  }
}
