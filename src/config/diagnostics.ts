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
