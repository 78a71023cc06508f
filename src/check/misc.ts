// OS edge: MISC_CHECK. One probe = one run of misc_path (with its arguments) through the shared
// script runner: own process group killed whole at misc_timeout, output read and bounded so
// it never blocks the script, run as `user` or script_user (keepalived check_misc.c).
import { runScript, splitCommand, type RunOptions, type RunResult } from '../exec/run.js';
import { CheckError, fail, ok, type Checker, type Deadline, type ProbeResult } from './types.js';
import { performance } from 'node:perf_hooks';

export interface MiscCheckerOptions {
  misc_path: string;
  /** misc_timeout, ms. */
  timeoutMs: number;
  misc_dynamic: boolean;
  user?: string;
  group?: string;
  /** The script runner (tests may inject one); defaults to src/exec/run.ts. */
  run?: (o: RunOptions) => Promise<RunResult>;
  /** Output kept for the log line. */
  maxOutputBytes?: number;
}

/** keepalived misc_dynamic: exit 0 up (weight unchanged), 1 down, 2..255 up with weight status - 2. */
export function miscVerdict(code: number, dynamic: boolean): { ok: boolean; weight?: number } {
  if (code === 0) return { ok: true };
  if (dynamic && code >= 2 && code <= 255) return { ok: true, weight: code - 2 };
  return { ok: false };
}

export class MiscChecker implements Checker {
  readonly type = 'MISC_CHECK';
  readonly key: string;
  readonly target: string;
  readonly budgetMs: number;
  private readonly argv: string[];
  private readonly run: (o: RunOptions) => Promise<RunResult>;

  constructor(private readonly o: MiscCheckerOptions) {
    this.argv = splitCommand(o.misc_path);
    if (!this.argv.length || !this.argv[0]) throw new CheckError('LVSD_CHECK_CONFIG', 'MISC_CHECK: misc_path is empty');
    this.run = o.run ?? runScript;
    this.budgetMs = o.timeoutMs;
    this.target = `MISC_CHECK ${o.misc_path}`;
    this.key = ['MISC_CHECK', o.misc_path, o.timeoutMs, o.misc_dynamic, o.user ?? '', o.group ?? ''].join('|');
  }

  async probe(signal: AbortSignal, deadline: Deadline): Promise<ProbeResult> {
    const ro: RunOptions = {
      argv: this.argv,
      timeoutMs: Math.max(1, deadline - performance.now()),
      signal,
      maxOutputBytes: this.o.maxOutputBytes ?? 4096,
      killGraceMs: 200,
    };
    if (this.o.user !== undefined) ro.user = this.o.user;
    if (this.o.group !== undefined) ro.group = this.o.group;
    const r = await this.run(ro);
    const ms = r.durationMs.toFixed(0);
    const said = lastLine(r.output);
    const tail = said ? `: ${said}` : '';
    if (r.error) return fail('spawn', `${this.o.misc_path}: cannot run: ${r.error.code ?? r.error.message}`);
    if (r.aborted) return fail('aborted', `${this.o.misc_path}: aborted after ${ms} ms`);
    if (r.timedOut) return fail('timeout', `${this.o.misc_path}: killed (with its process group) after ${ms} ms`);
    if (r.exitCode === null) return fail('exit', `${this.o.misc_path}: killed by ${r.signal ?? 'a signal'}${tail}`);
    const v = miscVerdict(r.exitCode, this.o.misc_dynamic);
    if (!v.ok) return fail('exit', `${this.o.misc_path}: exit ${r.exitCode} in ${ms} ms${tail}`);
    const detail = `${this.o.misc_path}: exit ${r.exitCode} in ${ms} ms${v.weight !== undefined ? ` (weight ${v.weight})` : ''}`;
    return v.weight !== undefined ? ok(detail, { weight: v.weight, weightMode: 'set' }) : ok(detail);
  }
}

function lastLine(s: string): string {
  const lines = s.trimEnd().split('\n');
  const l = (lines[lines.length - 1] ?? '').trim();
  return l.length > 200 ? `${l.slice(0, 200)}...` : l;
}
