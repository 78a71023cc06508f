// CLI layer: the shape of one `lvsd` subcommand.
import type { FlagSpec } from './args.js';

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  flags: FlagSpec[];
  /** Returns the process exit code. Throw UsageError for bad invocations. */
  run(argv: string[], io: Io): Promise<number>;
}

/** Exit codes shared by every command (sysexits-style where one exists). */
export const EXIT = {
  OK: 0,
  /** check-config: the configuration loads, with warnings. */
  WARNINGS: 1,
  /** check-config: the configuration has errors. */
  CONFIG_ERRORS: 2,
  /** The daemon could not start or failed at run time. */
  RUNTIME: 3,
  /** Command line misuse (EX_USAGE). */
  USAGE: 64,
  /** Input file missing or unreadable (EX_NOINPUT). */
  NOINPUT: 66,
  /** A bug: an unexpected exception (EX_SOFTWARE). */
  INTERNAL: 70,
} as const;
