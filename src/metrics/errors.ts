// Pure definitions: typed errors of the metrics endpoint, each with a stable code.

export type MetricsErrorCode =
  /** The HTTP listener could not bind its address (port taken, address not on this host, no permission). */
  'LVSD_METRICS_LISTEN';

export class MetricsError extends Error {
  readonly code: MetricsErrorCode;
  constructor(code: MetricsErrorCode, message: string, opts: { cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = code;
  }
}
