// OS edge: HTTP_GET and SSL_GET with undici 7 (8 does not load on Node 20). One probe = each
// url in order, each over a fresh connection (keepalived check_http.c opens one per url),
// checking status code, MD5 digest of the body (as genhash prints it) and body regex. A timer
// that destroys the client enforces the deadline: undici's connect.timeout is coarse and an
// AbortSignal does not cancel a connect in progress (PACKAGES.md).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Client } from 'undici';
import type { ResolvedUrl } from '../config/resolve-lvs.js';
import { checkConnectionSupported, openConnection, type ConnectionOptions, type TlsOptions } from './connect.js';
import { atDeadline } from './deadline.js';
import { CheckError, fail, hostPort, ok, type Checker, type Deadline, type ProbeResult } from './types.js';

export interface HttpCheckerOptions {
  type: 'HTTP_GET' | 'SSL_GET';
  connection: ConnectionOptions;
  /** Per-url budget (connect_timeout), ms. */
  timeoutMs: number;
  urls: ResolvedUrl[];
  /** keepalived's http_protocol: 1.0, 1.0C (1.0 with Connection: close) or 1.1. */
  http_protocol: '1.0' | '1.0C' | '1.1';
  enable_sni: boolean;
  /** The top-level SSL block (SSL_GET): a CA turns certificate verification on. */
  ssl?: { ca?: string; certificate?: string; key?: string; password?: string };
}

/** keepalived sends this User-Agent; log filters written for it keep matching. */
export const USER_AGENT = 'KeepAliveClient (lvsd)';

interface CompiledUrl extends ResolvedUrl {
  re?: RegExp;
}

/** The probe a reused undici Client is serving: its connector reads deadline and signal here. */
interface ProbeCtx {
  deadline: Deadline;
  signal: AbortSignal;
}

/** Ends a probe from outside undici (deadline, abort, connect failure) with a ready result. */
class ProbeEnd extends Error {
  constructor(readonly result: ProbeResult) {
    super(result.detail);
  }
}

/**
 * PCRE2 options keepalived accepts, mapped to JavaScript RegExp flags. Options that change
 * matching in a way RegExp cannot express are refused rather than ignored.
 */
const REGEX_FLAGS: Record<string, string | null> = {
  caseless: 'i', multiline: 'm', dotall: 's', utf: 'u', ucp: 'u',
  // No effect on what matches here:
  no_auto_capture: '', no_auto_possess: '', no_dotstar_anchor: '', no_start_optimize: '', never_ucp: '',
  never_utf: '', never_backslash_c: '', auto_callout: '', allow_empty_class: '', dupnames: '', use_offset_limit: '',
  match_unset_backref: '', alt_bsux: '', alt_verbnames: '',
  // Not expressible with RegExp:
  extended: null, ungreedy: null, firstline: null, dollar_endonly: null, alt_circumflex: null,
};

export function compileRegex(r: NonNullable<ResolvedUrl['regex']>): RegExp {
  let flags = 'g';
  for (const o of r.options) {
    const f = REGEX_FLAGS[o];
    if (f === null || f === undefined) throw new CheckError('LVSD_CHECK_UNSUPPORTED', `regex option ${o} has no JavaScript equivalent`);
    if (f && !flags.includes(f)) flags += f;
  }
  try {
    return new RegExp(r.pattern, flags);
  } catch (e) {
    throw new CheckError('LVSD_CHECK_CONFIG', `regex /${r.pattern}/ does not compile: ${(e as Error).message}`);
  }
}

/** Accepted when `code` lies in one of the ranges (both ends included). */
export function statusAccepted(code: number, ranges: readonly { from: number; to: number }[]): boolean {
  return ranges.some((r) => code >= r.from && code <= r.to);
}

/** keepalived's regex test: a match starting at or after min_offset and before max_offset. */
export function regexMatches(re: RegExp, body: string, minOffset = 0, maxOffset?: number): boolean {
  re.lastIndex = minOffset;
  const m = re.exec(body);
  re.lastIndex = 0;
  if (!m) return false;
  return maxOffset === undefined || maxOffset === 0 || m.index < maxOffset;
}

export class HttpChecker implements Checker {
  readonly type: 'HTTP_GET' | 'SSL_GET';
  readonly key: string;
  readonly target: string;
  readonly budgetMs: number;
  private readonly urls: CompiledUrl[];
  private readonly tlsBase?: Omit<TlsOptions, 'servername'>;
  private readonly idle = new Map<string, { client: Client; ctx: ProbeCtx }[]>();

  constructor(private readonly o: HttpCheckerOptions) {
    this.type = o.type;
    checkConnectionSupported(o.type, o.connection);
    this.urls = o.urls.map((u) => (u.regex ? { ...u, re: compileRegex(u.regex) } : { ...u }));
    if (o.type === 'SSL_GET') {
      const s = o.ssl ?? {};
      const base: Omit<TlsOptions, 'servername'> = { verify: s.ca !== undefined };
      try {
        if (s.ca) base.ca = readFileSync(s.ca);
        if (s.certificate) base.cert = readFileSync(s.certificate);
        if (s.key) base.key = readFileSync(s.key);
      } catch (e) {
        throw new CheckError('LVSD_CHECK_CONFIG', `SSL: ${(e as Error).message}`);
      }
      if (s.password) base.passphrase = s.password;
      this.tlsBase = base;
    }
    const c = o.connection;
    const scheme = o.type === 'SSL_GET' ? 'https' : 'http';
    this.target = `${o.type} ${scheme}://${hostPort(c.address, c.port)}${this.urls.map((u) => u.path).join(',')}`;
    this.budgetMs = o.timeoutMs * Math.max(1, this.urls.length);
    this.key = [o.type, c.address, c.port, c.bindto ?? '', c.bind_port ?? '', c.bind_if ?? '', o.timeoutMs, o.http_protocol, o.enable_sni, JSON.stringify(o.urls)].join('|');
  }

  async probe(signal: AbortSignal, deadline: Deadline): Promise<ProbeResult> {
    let last: ProbeResult = fail('error', 'no url');
    for (const u of this.urls) {
      const urlDeadline = Math.min(deadline, performance.now() + this.o.timeoutMs);
      last = await this.get(u, signal, urlDeadline);
      if (!last.ok) return last;
    }
    return last;
  }

  private tlsFor(u: CompiledUrl): TlsOptions | undefined {
    if (!this.tlsBase) return undefined;
    const t: TlsOptions = { ...this.tlsBase };
    // RFC 6066 §3: SNI carries a host name, never an address literal.
    if (this.o.enable_sni && u.virtualhost && !isIP(u.virtualhost)) t.servername = u.virtualhost;
    return t;
  }

  private async get(u: CompiledUrl, signal: AbortSignal, deadline: Deadline): Promise<ProbeResult> {
    const c = this.o.connection;
    const where = `${hostPort(c.address, c.port)}${u.path}`;
    const started = performance.now();
    if (signal.aborted) return fail('aborted', `GET ${where} aborted`);
    const tlsOpts = this.tlsFor(u);
    const entry = this.acquire(tlsOpts);
    const { client, ctx } = entry;
    ctx.deadline = deadline;
    ctx.signal = signal;
    let ended = false;
    const end = (r: ProbeResult): void => {
      ended = true;
      client.destroy(new ProbeEnd(r)).catch(() => undefined);
    };
    const cancel = atDeadline(deadline, () => end(fail('timeout', `GET ${where}: no complete response in ${(performance.now() - started).toFixed(0)} ms`)));
    const onAbort = (): void => end(fail('aborted', `GET ${where} aborted`));
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      const headers: Record<string, string> = { 'user-agent': USER_AGENT, connection: 'close' };
      if (u.virtualhost) headers.host = u.virtualhost;
      const res = await client.request({ path: u.path, method: 'GET', headers, reset: true });
      const md5 = u.digest ? createHash('md5') : undefined;
      const keep = u.re ? (u.regex?.max_offset ? u.regex.max_offset + 65536 : 1 << 20) : 0;
      const parts: Buffer[] = [];
      let kept = 0;
      let bytes = 0;
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        bytes += chunk.length;
        md5?.update(chunk);
        if (kept < keep) {
          const part = chunk.length + kept > keep ? chunk.subarray(0, keep - kept) : chunk;
          parts.push(part);
          kept += part.length;
        }
      }
      const ms = (performance.now() - started).toFixed(0);
      if (!statusAccepted(res.statusCode, u.status_code)) return fail('status', `GET ${where}: status ${res.statusCode} not accepted (${ms} ms)`);
      if (md5 && u.digest) {
        const got = md5.digest('hex');
        if (got !== u.digest.toLowerCase()) return fail('digest', `GET ${where}: MD5 ${got} differs from ${u.digest} (${bytes} bytes)`);
      }
      if (u.re && u.regex) {
        const matched = regexMatches(u.re, Buffer.concat(parts).toString('latin1'), u.regex.min_offset, u.regex.max_offset);
        if (matched === u.regex.no_match) return fail('regex', `GET ${where}: body ${matched ? 'matches' : 'does not match'} /${u.regex.pattern}/${u.regex.no_match ? ' (regex_no_match)' : ''}`);
      }
      return ok(`GET ${where}: status ${res.statusCode}, ${bytes} bytes in ${ms} ms`);
    } catch (e) {
      return this.failure(e, where, started);
    } finally {
      cancel();
      signal.removeEventListener('abort', onAbort);
      this.release(entry, tlsOpts, ended);
    }
  }

  /**
   * An idle undici Client for this checker (and TLS name), or a new one. Each request still goes
   * over a fresh connection (Connection: close, reset), as keepalived's checks do; reusing the
   * Client only spares building one per probe. Its connector reads the current probe's deadline
   * and signal from `ctx`.
   */
  private acquire(tlsOpts: TlsOptions | undefined): { client: Client; ctx: ProbeCtx } {
    const k = tlsOpts?.servername ?? '';
    const idle = this.idle.get(k);
    const reuse = idle?.pop();
    if (reuse) return reuse;
    const c = this.o.connection;
    const ctx: ProbeCtx = { deadline: 0, signal: new AbortController().signal };
    const client = new Client(`${tlsOpts ? 'https' : 'http'}://${hostPort(c.address, c.port)}`, {
      connect: (_opts, cb) => {
        void openConnection(c, ctx.deadline, ctx.signal, tlsOpts).then((r) => ('socket' in r ? cb(null, r.socket) : cb(new ProbeEnd(r.result), null)));
      },
      pipelining: 1,
      // The probe's own deadline bounds everything; undici's timers stay out of the way.
      headersTimeout: 0,
      bodyTimeout: 0,
      keepAliveTimeout: 1,
    });
    return { client, ctx };
  }

  private release(entry: { client: Client; ctx: ProbeCtx }, tlsOpts: TlsOptions | undefined, ended: boolean): void {
    const { client } = entry;
    const k = tlsOpts?.servername ?? '';
    let idle = this.idle.get(k);
    if (!idle) this.idle.set(k, (idle = []));
    // A client ended from outside (deadline, abort) is destroyed; a few idle ones are kept.
    if (ended || client.destroyed || client.closed || idle.length >= 4) {
      client.destroy().catch(() => undefined);
      return;
    }
    idle.push(entry);
  }

  close(): void {
    for (const list of this.idle.values()) for (const { client } of list) client.destroy().catch(() => undefined);
    this.idle.clear();
  }

  private failure(e: unknown, where: string, started: number): ProbeResult {
    if (e instanceof ProbeEnd) return e.result;
    const err = e as NodeJS.ErrnoException & { cause?: unknown };
    if (err?.cause instanceof ProbeEnd) return err.cause.result;
    const code = err?.code ?? '';
    const ms = (performance.now() - started).toFixed(0);
    if (code === 'UND_ERR_SOCKET' || code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH')
      return fail('reset', `GET ${where}: connection closed before the response ended (${ms} ms): ${err.message}`);
    if (code.startsWith('HPE_') || code === 'UND_ERR_HEADERS_OVERFLOW')
      return fail('protocol', `GET ${where}: malformed response: ${err.message}`);
    return fail('error', `GET ${where}: ${code || 'error'}: ${err?.message ?? String(e)}`);
  }
}
