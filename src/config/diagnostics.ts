// Config layer (pure): diagnostics with file, line and column; the error type for fatal input problems.
import { fmtLoc, type SourceLoc } from './source.js';

export type Severity = 'error' | 'warning' | 'info';

export interface Diagnostic {
  severity: Severity;
  /** Stable machine-readable code, e.g. "unknown-keyword", "out-of-range", "duplicate-name". */
  code: string;
  message: string;
  loc?: SourceLoc;
}

export function formatDiagnostic(d: Diagnostic): string {
  return `${fmtLoc(d.loc)}: ${d.severity}: ${d.message}`;
}

/**
 * Diagnostics as a running daemon prints them: every error, and of a warning repeated word for
 * word (the same code and message at other places: a deprecated keyword in each of 1,000
 * virtual_server blocks) the first `shown`, then one line with how many more there are.
 * `lvsd check-config` lists each one; a daemon's start or reload should not bury the one warning
 * that matters under a thousand copies of another.
 */
export function formatForRun(diags: readonly Diagnostic[], shown = 3): string[] {
  const seen = new Map<string, { n: number; first: Diagnostic }>();
  const out: string[] = [];
  for (const d of diags) {
    if (d.severity !== 'warning') {
      out.push(formatDiagnostic(d));
      continue;
    }
    const k = `${d.code}\0${d.message}`;
    const e = seen.get(k);
    if (!e) seen.set(k, { n: 1, first: d });
    else e.n++;
    if ((e?.n ?? 1) <= shown) out.push(formatDiagnostic(d));
  }
  for (const { n, first } of seen.values()) {
    if (n > shown) out.push(`${fmtLoc(first.loc)}: warning: ${first.message}: ${n - shown} more like this (\`lvsd check-config\` lists each)`);
  }
  return out;
}

/** Thrown only for input that cannot be read at all (missing file, include loop); carries a location. */
export class ConfigError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly loc?: SourceLoc,
  ) {
    super(loc ? `${fmtLoc(loc)}: ${message}` : message);
    this.name = 'ConfigError';
  }
}

export class Diagnostics {
  readonly list: Diagnostic[] = [];

  add(severity: Severity, code: string, message: string, loc?: SourceLoc): void {
    // A plain copy: a location may be a token object that carries more than file/line/col.
    this.list.push(loc ? { severity, code, message, loc: { file: loc.file, line: loc.line, col: loc.col } } : { severity, code, message });
  }
  error(code: string, message: string, loc?: SourceLoc): void {
    this.add('error', code, message, loc);
  }
  warn(code: string, message: string, loc?: SourceLoc): void {
    this.add('warning', code, message, loc);
  }
  info(code: string, message: string, loc?: SourceLoc): void {
    this.add('info', code, message, loc);
  }
  get errors(): Diagnostic[] {
    return this.list.filter((d) => d.severity === 'error');
  }
  get warnings(): Diagnostic[] {
    return this.list.filter((d) => d.severity === 'warning');
  }
}
