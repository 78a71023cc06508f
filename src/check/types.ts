// Pure model: the one interface every health checker implements (a checker makes exactly one
// probe per call, bounded by a deadline and an AbortSignal), its result, and typed errors.
// Retry, rise/fall, delays and what a result does to the IPVS table live in policy.ts and
// aggregate.ts, written once for every checker type.

/** Why a probe failed (or `ok`). Stable codes: logs, metrics and tests key on them. */
export type ProbeReason =
  | 'ok'
  /** The deadline passed (connect, TLS, headers, body, reply or script). */
  | 'timeout'
  /** The probe was aborted from outside (stop, reload, ha_suspend). */
  | 'aborted'
  /** TCP RST to the SYN, or ICMP port unreachable to a datagram. */
  | 'refused'
  /** The connection broke after it was made (RST, EPIPE, early close). */
  | 'reset'
  /** No route, host or network unreachable, ICMP unreachable other than port. */
  | 'unreachable'
  /** The source address or port could not be bound. */
  | 'bind'
  /** TLS handshake or certificate failure. */
  | 'tls'
  /** HTTP status not in the accepted list. */
  | 'status'
  /** MD5 of the body differs from the configured digest. */
  | 'digest'
  /** Body regex did (regex_no_match) or did not match. */
  | 'regex'
  /** The peer spoke, but not the expected protocol (bad SMTP code, DNS rcode, short reply). */
  | 'protocol'
  /** A script exited with a failing status or was killed by a signal. */
  | 'exit'
  /** A script could not be started (missing, not executable, unknown user). */
  | 'spawn'
  /** A tracked file is missing, unreadable, or its value puts the server in fault. */
  | 'file'
  /** Anything else (a bug or an unexpected OS error); `detail` says what. */
  | 'error';

export interface ProbeResult {
  ok: boolean;
  reason: ProbeReason;
  /** One line for logs: what happened, with the value seen (status 503, exit 1, 3.0 s). */
  detail: string;
  /**
   * A weight the probe asks for, when the checker type sets weights: MISC_CHECK with
   * misc_dynamic (exit status - 2) replaces the real server's weight; FILE_CHECK gives a delta.
   */
  weight?: number;
  /** How the weight applies: `set` replaces the weight (MISC), `delta` adds to it (FILE). */
  weightMode?: 'set' | 'delta';
}

/** Monotonic milliseconds (performance.now() scale) by which the probe must have ended. */
export type Deadline = number;

export interface Checker {
  /** keepalived's checker type name, e.g. HTTP_GET. */
  readonly type: string;
  /**
   * Identity of the probe: two checkers with the same key send the same packets and may share
   * one probe per period (a real server under several virtual servers).
   */
  readonly key: string;
  /** One line for logs: "HTTP_GET http://10.0.0.1:80/health". */
  readonly target: string;
  /**
   * How long one probe may take, ms: connect_timeout (per url for HTTP_GET/SSL_GET),
   * misc_timeout for MISC_CHECK. The scheduler sets each probe's deadline from it.
   */
  readonly budgetMs: number;
  /**
   * Makes one probe. Must settle by `deadline` (plus a few ms of event-loop slack) and when
   * `signal` aborts; must never throw (failures are results).
   */
  probe(signal: AbortSignal, deadline: Deadline): Promise<ProbeResult>;
  /** Optional: release shared resources (sockets, watchers) when the checker is retired. */
  close?(): void;
  /**
   * Optional: checkers whose input can change between probes (FILE_CHECK's file) call
   * `onChange` so the pool probes at once instead of at the next period. Returns a stop function.
   */
  watch?(onChange: () => void): () => void;
}

export class CheckError extends Error {
  constructor(
    readonly code: CheckErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'CheckError';
  }
}

export type CheckErrorCode =
  /** A checker option lvsd cannot honour on this platform (fwmark, bind_if on IPv4, BFD). */
  | 'LVSD_CHECK_UNSUPPORTED'
  /** The configuration handed to a checker is not usable (bad regex, missing track file). */
  | 'LVSD_CHECK_CONFIG'
  /** Something needed at run time is missing (ICMP socket, permissions). */
  | 'LVSD_CHECK_RUNTIME';

export function ok(detail: string, extra: Partial<ProbeResult> = {}): ProbeResult {
  return { ok: true, reason: 'ok', detail, ...extra };
}

export function fail(reason: Exclude<ProbeReason, 'ok'>, detail: string): ProbeResult {
  return { ok: false, reason, detail };
}

/** Milliseconds left before `deadline` (never negative). */
export function remaining(deadline: Deadline, now: number): number {
  return Math.max(0, deadline - now);
}

/** Maps a Node socket error code to a probe reason. */
export function reasonOfErrno(code: string | undefined): Exclude<ProbeReason, 'ok'> {
  switch (code) {
    case 'ECONNREFUSED':
      return 'refused';
    case 'ECONNRESET':
    case 'EPIPE':
    case 'ECONNABORTED':
      return 'reset';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EHOSTDOWN':
    case 'ENETDOWN':
      return 'unreachable';
    case 'EADDRINUSE':
    case 'EADDRNOTAVAIL':
    case 'EACCES':
      return 'bind';
    case 'ETIMEDOUT':
      return 'timeout';
    default:
      return 'error';
  }
}

/** "10.0.0.1:80" or "[2001:db8::1]:80". */
export function hostPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}
