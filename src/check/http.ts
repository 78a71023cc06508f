// OS edge: HTTP_GET and SSL_GET. One probe = each url in order, each over a fresh connection
// (keepalived check_http.c opens one per url), checking status code, MD5 digest of the body (as
// genhash prints it) and body regex. HTTP_GET runs on the probes addon's worker thread when it
// is built (stream-engine.ts: connect, send, read, close there; the response parsed here);
// SSL_GET, and HTTP_GET without the addon, run over Node's net / tls sockets. Both parse with
// http-codec.ts. The deadline is hard: whatever the stage, the probe ends at it.
//
// Why not undici (the library the design named for this): a health check is one GET on a fresh
// connection that the server closes; none of what undici is built for (pooling, keep-alive,
// pipelining, redirects, fetch) applies, and its cost per request was the check's cost: a
// Client, a request and response stream, llhttp in WebAssembly, promises, and an Error with a
// stack for every request ended by a timer (its connect timeout and AbortSignal do not bound a
// connect in progress, so every deadline had to destroy the client). In the checker benchmark
// (10,000 servers, UML, one CPU) HTTP_GET over undici cost up to 1.9x keepalived's CPU per
// probe and about 3x what this exchange costs. keepalived's exchange (RFC 9112 §6.3 framing,
// status, MD5, regex) is what http-codec.ts implements.
import { createHash, type Hash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIP, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { ResolvedUrl } from '../config/resolve-lvs.js';
import type { CallbackProbe } from './callback-probe.js';
import { checkConnectionSupported, isTlsError, openConnection, type ConnectionOptions, type TlsOptions } from './connect.js';
import { atDeadline } from './deadline.js';
import { buildRequest, hostHeader, ResponseParser } from './http-codec.js';
import { ERRNO_NAME } from './native.js';
import { STAGE_CONNECT, STAGE_READ, streamEngine, type StreamEngine, type StreamSink } from './stream-engine.js';
import { CheckError, fail, hostPort, ok, reasonOfErrno, type Checker, type Deadline, type ProbeResult } from './types.js';

export interface HttpCheckerOptions {
  type: 'HTTP_GET' | 'SSL_GET';
  connection: ConnectionOptions;
  /** Per-url budget (connect_timeout), ms. */
  timeoutMs: number;
  urls: ResolvedUrl[];
  /** keepalived's http_protocol: 1.0, 1.0C (1.0 with Connection: close) or 1.1. */
  http_protocol: '1.0' | '1.0C' | '1.1';
  enable_sni: boolean;
  /** SSL_GET's sni_name: the SNI name sent in place of the url's virtualhost. */
  sni_name?: string;
  /** The top-level SSL block (SSL_GET): a CA turns certificate verification on. */
  ssl?: { ca?: string; certificate?: string; key?: string; password?: string };
  /** Use the probes addon for HTTP_GET when it is built (default); false forces net sockets. */
  useNative?: boolean;
}

/** keepalived sends this User-Agent; log filters written for it keep matching. */
export const USER_AGENT = 'KeepAliveClient (lvsd)';

/** Body bytes kept for a regex without max_offset. */
const REGEX_WINDOW = 1 << 20;

interface CompiledUrl extends ResolvedUrl {
  re?: RegExp;
  /** Request bytes, built once (the Host depends only on the url and the connection). */
  request: Buffer;
  tls?: TlsOptions;
  where: string;
  /** Success results by status code, made once each; the last one also kept apart (the usual one). */
  passed: Map<number, ProbeResult>;
  lastStatus: number;
  lastPassed: ProbeResult | undefined;
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
  for (let i = 0; i < ranges.length; i++) {
    const r = ranges[i] as { from: number; to: number };
    if (code >= r.from && code <= r.to) return true;
  }
  return false;
}

/** keepalived's regex test: a match starting at or after min_offset and before max_offset. */
export function regexMatches(re: RegExp, body: string, minOffset = 0, maxOffset?: number): boolean {
  re.lastIndex = minOffset;
  const m = re.exec(body);
  re.lastIndex = 0;
  if (!m) return false;
  return maxOffset === undefined || maxOffset === 0 || m.index < maxOffset;
}

/**
 * One GET of one url over a fresh connection: the parser, the digest and the regex window, and
 * the verdict. The native transport feeds it as its sink; the socket transport through events.
 * `finish` is called once, unless the exchange is cancelled first.
 */
class Exchange implements StreamSink {
  readonly parser: ResponseParser;
  /** The native probe's id (0: none, or over a socket). */
  id = 0;
  /** How long it queued for the worker thread before its connect, and how long it then took, ms. */
  waitMs = 0;
  runMs: number | undefined;
  /** Ends the socket transport (the socket and its deadline). */
  release: (() => void) | undefined;
  private md5: Hash | undefined;
  private text = '';
  private keep = 0;
  private done = false;
  private started = 0;
  private finish: (r: ProbeResult) => void;

  constructor(
    private readonly owner: HttpChecker,
    readonly u: CompiledUrl,
    started: number,
    finish: (r: ProbeResult) => void,
  ) {
    this.finish = finish;
    this.parser = new ResponseParser(u.digest || u.re ? (b, s, e) => this.body(b, s, e) : undefined);
    this.begin(started, finish);
  }

  /**
   * Readies the exchange for a GET (a checker's single-url callback probe reuses one exchange
   * over the native transport: the engine drops a probe's sink once it is reported or
   * cancelled, so nothing of the previous GET reaches it).
   */
  begin(started: number, finish: (r: ProbeResult) => void): void {
    const u = this.u;
    this.started = started;
    this.finish = finish;
    this.id = 0;
    this.waitMs = 0;
    this.runMs = undefined;
    this.release = undefined;
    this.md5 = u.digest ? createHash('md5') : undefined;
    this.text = '';
    this.keep = u.re ? (u.regex?.max_offset ? u.regex.max_offset + 65536 : REGEX_WINDOW) : 0;
    this.done = false;
    this.parser.reset();
  }

  get settled(): boolean {
    return this.done;
  }

  private body(buf: Buffer, start: number, end: number): void {
    this.md5?.update(buf.subarray(start, end));
    if (this.keep > 0) {
      const n = Math.min(this.keep, end - start);
      this.text += buf.toString('latin1', start, start + n);
      this.keep -= n;
    }
  }

  // StreamSink: the native transport.
  data(buf: Buffer, start: number, end: number): void {
    this.feed(buf, start, end);
  }
  end(errno: number, stage: number, buf: Buffer | undefined, start: number, end: number, waitMs: number, runMs: number): void {
    this.id = 0;
    this.waitMs = waitMs;
    this.runMs = runMs;
    if (buf && end > start) this.feed(buf, start, end);
    this.closed(errno, stage);
  }
  expired(): void {
    this.id = 0;
    this.timeout();
  }

  /** Response bytes; ends the exchange once the response is complete or malformed. */
  feed(buf: Buffer, start: number, end: number): void {
    if (this.done) return;
    const complete = this.parser.push(buf, start, end);
    if (this.parser.error !== undefined) this.settle(fail('protocol', `GET ${this.u.where}: malformed response: ${this.parser.error}`));
    else if (complete) this.settle(this.verdict());
  }

  /** The connection ended (errno 0) or broke (errno, at `stage`). */
  closed(errno: number, stage: number): void {
    if (this.done) return;
    this.parser.end();
    if (this.parser.complete) return this.settle(this.verdict());
    const ms = (performance.now() - this.started).toFixed(0);
    const name = ERRNO_NAME[errno] ?? `errno ${errno}`;
    if (errno !== 0 && stage === STAGE_CONNECT) return this.settle(fail(reasonOfErrno(name), `GET ${this.u.where}: connect: ${name}`));
    this.settle(fail('reset', `GET ${this.u.where}: connection closed before the response ended (${ms} ms): ${errno !== 0 ? name : this.parser.truncated()}`));
  }

  timeout(): void {
    this.settle(fail('timeout', `GET ${this.u.where}: no complete response in ${(performance.now() - this.started).toFixed(0)} ms`));
  }

  /** Stops the exchange without a result. */
  cancel(): void {
    if (this.done) return;
    this.done = true;
    this.stopTransport();
  }

  settle(r: ProbeResult): void {
    if (this.done) return;
    this.done = true;
    this.stopTransport();
    this.owner.exchangeEnded(this);
    this.finish(r);
  }

  private stopTransport(): void {
    if (this.id) streamEngine()?.cancel(this.id);
    this.id = 0;
    this.release?.();
    this.release = undefined;
  }

  private verdict(): ProbeResult {
    const u = this.u;
    const status = this.parser.status;
    if (!statusAccepted(status, u.status_code)) return fail('status', `GET ${u.where}: status ${status} not accepted (${(performance.now() - this.started).toFixed(0)} ms)`);
    if (this.md5 && u.digest) {
      const got = this.md5.digest('hex');
      if (got !== u.digest.toLowerCase()) return fail('digest', `GET ${u.where}: MD5 ${got} differs from ${u.digest} (${this.parser.bodyBytes} bytes)`);
    }
    if (u.re && u.regex) {
      const matched = regexMatches(u.re, this.text, u.regex.min_offset, u.regex.max_offset);
      if (matched === u.regex.no_match) return fail('regex', `GET ${u.where}: body ${matched ? 'matches' : 'does not match'} /${u.regex.pattern}/${u.regex.no_match ? ' (regex_no_match)' : ''}`);
    }
    if (status === u.lastStatus && u.lastPassed) return u.lastPassed;
    let r = u.passed.get(status);
    if (!r) u.passed.set(status, (r = ok(`GET ${u.where}: status ${status}`)));
    u.lastStatus = status;
    u.lastPassed = r;
    return r;
  }
}

export class HttpChecker implements Checker, CallbackProbe {
  readonly type: 'HTTP_GET' | 'SSL_GET';
  readonly key: string;
  readonly target: string;
  readonly budgetMs: number;
  private readonly urls: CompiledUrl[];
  /** The exchange in flight of the probe started by startProbe (none between probes). */
  private cbExchange: Exchange | undefined;
  /** The exchange startProbe reuses for a single url over the native transport. */
  private cbReusable: Exchange | undefined;
  /** Stops the probe started by startProbe when it has several urls. */
  private cbStop: (() => void) | undefined;
  /** How long the last callback probe queued for the worker thread, and how long it then took, ms (CallbackProbe; one url). */
  startDelayMs = 0;
  probeMs: number | undefined;

  constructor(private readonly o: HttpCheckerOptions) {
    this.type = o.type;
    checkConnectionSupported(o.type, o.connection);
    const c = o.connection;
    let tlsBase: Omit<TlsOptions, 'servername'> | undefined;
    if (o.type === 'SSL_GET') {
      const s = o.ssl ?? {};
      tlsBase = { verify: s.ca !== undefined };
      try {
        if (s.ca) tlsBase.ca = readFileSync(s.ca);
        if (s.certificate) tlsBase.cert = readFileSync(s.certificate);
        if (s.key) tlsBase.key = readFileSync(s.key);
      } catch (e) {
        throw new CheckError('LVSD_CHECK_CONFIG', `SSL: ${(e as Error).message}`);
      }
      if (s.password) tlsBase.passphrase = s.password;
    }
    this.urls = o.urls.map((u) => {
      const cu: CompiledUrl = { ...u, request: buildRequest(u.path, hostHeader(c.address, c.port, u.virtualhost), o.http_protocol, USER_AGENT), where: `${hostPort(c.address, c.port)}${u.path}`, passed: new Map(), lastStatus: 0, lastPassed: undefined };
      if (u.regex) cu.re = compileRegex(u.regex);
      if (tlsBase) {
        cu.tls = { ...tlsBase };
        // RFC 6066 §3: SNI carries a host name, never an address literal. sni_name (lvsd's)
        // names it outright; otherwise, as keepalived, enable_sni sends the url's virtualhost.
        const sni = o.sni_name ?? (o.enable_sni ? u.virtualhost : undefined);
        if (sni && !isIP(sni)) cu.tls.servername = sni;
      }
      return cu;
    });
    const scheme = o.type === 'SSL_GET' ? 'https' : 'http';
    this.target = `${o.type} ${scheme}://${hostPort(c.address, c.port)}${this.urls.map((u) => u.path).join(',')}`;
    this.budgetMs = o.timeoutMs * Math.max(1, this.urls.length);
    this.key = [o.type, c.address, c.port, c.bindto ?? '', c.bind_port ?? '', c.bind_if ?? '', o.timeoutMs, o.http_protocol, o.enable_sni, o.sni_name ?? '', JSON.stringify(o.urls)].join('|');
  }

  private engine(): StreamEngine | undefined {
    return this.o.type === 'HTTP_GET' && this.o.useNative !== false ? streamEngine() : undefined;
  }

  probe(signal: AbortSignal, deadline: Deadline): Promise<ProbeResult> {
    return new Promise<ProbeResult>((resolve) => {
      const aborted = (): ProbeResult => fail('aborted', `GET ${this.urls[0]?.where ?? ''} aborted`);
      if (signal.aborted) return resolve(aborted());
      let stop: (() => void) | undefined;
      const onAbort = (): void => {
        stop?.();
        resolve(aborted());
      };
      signal.addEventListener('abort', onAbort, { once: true });
      stop = this.run(deadline, (r) => {
        signal.removeEventListener('abort', onAbort);
        resolve(r);
      });
    });
  }

  startProbe(deadline: Deadline, done: (r: ProbeResult) => void): void {
    // One url (the usual case): the exchange reports straight to `done`; nothing else is made.
    this.startDelayMs = 0;
    this.probeMs = undefined;
    if (this.urls.length === 1) {
      const u = this.urls[0] as CompiledUrl;
      // Over the native transport the exchange is the checker's own, reused probe after probe.
      let reuse: Exchange | undefined;
      if (this.engine()) {
        reuse = this.cbReusable;
        if (reuse) reuse.begin(deadline - this.budgetMs, done);
        else reuse = this.cbReusable = new Exchange(this, u, deadline - this.budgetMs, done);
      }
      const ex = this.get(u, deadline, deadline - this.budgetMs, done, reuse);
      if (!ex.settled) this.cbExchange = ex;
      return;
    }
    let finished = false;
    const stop = this.run(deadline, (r) => {
      finished = true;
      this.cbStop = undefined;
      done(r);
    });
    if (!finished) this.cbStop = stop;
  }

  cancelProbe(): void {
    const ex = this.cbExchange;
    const stop = this.cbStop;
    this.cbExchange = undefined;
    this.cbStop = undefined;
    ex?.cancel();
    stop?.();
  }

  close(): void {
    this.cancelProbe();
  }

  /** @internal An exchange settled: the checker holds no reference to it past its probe. */
  exchangeEnded(ex: Exchange): void {
    if (this.cbExchange === ex) {
      this.cbExchange = undefined;
      this.startDelayMs = ex.waitMs;
      this.probeMs = ex.runMs;
    }
  }

  /**
   * Runs every url in turn; calls `done` once with the first failure or the last success.
   * Returns a function that stops the probe without calling `done`.
   */
  private run(deadline: Deadline, done: (r: ProbeResult) => void): () => void {
    let current: Exchange | undefined;
    let stopped = false;
    const step = (i: number, started: number, urlDeadline: number): void => {
      current = this.get(this.urls[i] as CompiledUrl, urlDeadline, started, (r) => {
        if (stopped) return;
        if (!r.ok || i + 1 >= this.urls.length) return done(r);
        const now = performance.now();
        step(i + 1, now, Math.min(deadline, now + this.o.timeoutMs));
      });
    };
    const start = deadline - this.budgetMs;
    // The first url's budget ends connect_timeout after the probe's start, known without a clock read.
    if (this.urls.length === 0) done(fail('error', 'no url'));
    else step(0, start, Math.min(deadline, start + this.o.timeoutMs));
    return () => {
      stopped = true;
      current?.cancel();
    };
  }

  /** Starts one url's exchange over a fresh connection. */
  private get(u: CompiledUrl, deadline: Deadline, started: number, finish: (r: ProbeResult) => void, reuse?: Exchange): Exchange {
    const ex = reuse ?? new Exchange(this, u, started, finish);
    const eng = this.engine();
    if (!eng) {
      this.overSocket(ex, deadline);
      return ex;
    }
    const id = eng.submit(ex, this.o.connection, u.request, deadline);
    if (id < 0) {
      const name = ERRNO_NAME[-id] ?? `errno ${-id}`;
      ex.settle(fail(reasonOfErrno(name), `GET ${u.where}: connect: ${name}`));
    } else if (!ex.settled) ex.id = id;
    return ex;
  }

  /** The exchange over Node's net (or tls) socket. */
  private overSocket(ex: Exchange, deadline: Deadline): void {
    const u = ex.u;
    const ac = new AbortController();
    let sock: Socket | undefined;
    let cancelDeadline: (() => void) | undefined;
    ex.release = () => {
      ac.abort();
      cancelDeadline?.();
      sock?.destroy();
    };
    void openConnection(this.o.connection, deadline, ac.signal, u.tls).then((o) => {
      if ('result' in o) {
        const r = o.result;
        if (r.reason !== 'aborted') ex.settle(r.reason === 'timeout' || r.reason === 'tls' ? r : { ...r, detail: `GET ${u.where}: ${r.detail}` });
        return;
      }
      sock = o.socket;
      if (ac.signal.aborted) return void sock.destroy();
      cancelDeadline = atDeadline(deadline, () => ex.timeout());
      sock.on('data', (d: Buffer) => ex.feed(d, 0, d.length));
      sock.on('end', () => ex.closed(0, STAGE_READ));
      sock.on('error', (e: NodeJS.ErrnoException) => {
        if (u.tls && isTlsError(e)) ex.settle(fail('tls', `GET ${u.where}: TLS: ${e.code ?? ''} ${e.message}`));
        else ex.closed(errnoOf(e.code), STAGE_READ);
      });
      sock.on('close', () => ex.closed(0, STAGE_READ));
      sock.write(u.request);
    });
  }
}

const ERRNO_BY_NAME = new Map<string, number>();
function errnoOf(code: string | undefined): number {
  if (ERRNO_BY_NAME.size === 0) for (const [n, name] of Object.entries(ERRNO_NAME)) ERRNO_BY_NAME.set(name, Number(n));
  return (code && ERRNO_BY_NAME.get(code)) || 104; // ECONNRESET when unnamed
}
