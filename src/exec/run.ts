// OS edge: runs a script or program with a hard deadline. Each run gets its own process group;
// at the deadline (or on abort) the whole group is sent SIGTERM, then SIGKILL after a grace
// period, so children a script forked cannot outlive it. Output is read continuously and only
// its first bytes kept, so a chatty script never blocks on a full pipe.
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { resolveIds } from './users.js';

export interface RunOptions {
  /** Program and arguments. Either this or `command`. */
  argv?: string[];
  /** A command line, split into words as keepalived does (quotes group, backslash escapes). */
  command?: string;
  /** Run `command` through `/bin/sh -c` instead of splitting it. */
  shell?: boolean;
  /** Hard deadline for the whole run, from spawn to exit. */
  timeoutMs: number;
  /** Time between SIGTERM and SIGKILL to the group after the deadline. Default 1000 ms. */
  killGraceMs?: number;
  user?: string;
  group?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  signal?: AbortSignal;
  /** Bytes of combined stdout/stderr to keep. Default 64 KiB. */
  maxOutputBytes?: number;
}

export interface RunResult {
  /** Exit status, or null when killed by a signal or never started. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** The deadline passed and the group was killed. */
  timedOut: boolean;
  /** The AbortSignal fired and the group was killed. */
  aborted: boolean;
  durationMs: number;
  output: string;
  outputTruncated: boolean;
  /** Set when the program could not be started (ENOENT, EACCES, unknown user). */
  error?: Error & { code?: string };
  pid?: number;
}

/** keepalived-style word splitting: white space separates, '...' and "..." group, \x escapes. */
export function splitCommand(cmd: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: string | null = null;
  for (let i = 0; i < cmd.length; i++) {
    const c = cmd[i] as string;
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < cmd.length) cur += cmd[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < cmd.length) {
      cur += cmd[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

function killGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    /* the group is already gone */
  }
}

export function runScript(opts: RunOptions): Promise<RunResult> {
  const start = performance.now();
  const max = opts.maxOutputBytes ?? 64 * 1024;
  const grace = opts.killGraceMs ?? 1000;
  const fail = (error: Error & { code?: string }): RunResult => ({
    exitCode: null,
    signal: null,
    timedOut: false,
    aborted: false,
    durationMs: performance.now() - start,
    output: '',
    outputTruncated: false,
    error,
  });
  let argv: string[];
  if (opts.argv) argv = opts.argv;
  else if (opts.command !== undefined) argv = opts.shell ? ['/bin/sh', '-c', opts.command] : splitCommand(opts.command);
  else return Promise.resolve(fail(new Error('runScript: no argv or command')));
  if (argv.length === 0 || !argv[0]) return Promise.resolve(fail(new Error('runScript: empty command')));
  if (opts.signal?.aborted) return Promise.resolve({ ...fail(new Error('aborted before start')), aborted: true });

  let ids: { uid: number; gid: number } | undefined;
  try {
    if (opts.user !== undefined) ids = resolveIds(opts.user, opts.group);
  } catch (e) {
    return Promise.resolve(fail(e as Error));
  }

  return new Promise<RunResult>((resolve) => {
    const child = spawn(argv[0] as string, argv.slice(1), {
      detached: true, // own process group (setsid): the deadline kills every descendant
      stdio: ['ignore', 'pipe', 'pipe'],
      env: opts.env ?? process.env,
      ...(opts.cwd ? { cwd: opts.cwd } : {}),
      ...(ids ? { uid: ids.uid, gid: ids.gid } : {}),
    });
    const chunks: Buffer[] = [];
    let kept = 0;
    let truncated = false;
    const onData = (b: Buffer): void => {
      if (kept >= max) {
        truncated = true;
        return;
      }
      const part = b.length + kept > max ? b.subarray(0, max - kept) : b;
      if (part.length < b.length) truncated = true;
      chunks.push(part);
      kept += part.length;
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    let timedOut = false;
    let aborted = false;
    let killTimer: NodeJS.Timeout | undefined;
    let done = false;
    const terminate = (): void => {
      if (child.pid === undefined) return;
      killGroup(child.pid, 'SIGTERM');
      killTimer = setTimeout(() => killGroup(child.pid as number, 'SIGKILL'), grace);
      killTimer.unref();
    };
    const deadline = setTimeout(() => {
      timedOut = true;
      terminate();
    }, opts.timeoutMs);
    const onAbort = (): void => {
      aborted = true;
      terminate();
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const finish = (r: Omit<RunResult, 'durationMs' | 'output' | 'outputTruncated' | 'timedOut' | 'aborted'>): void => {
      if (done) return;
      done = true;
      clearTimeout(deadline);
      opts.signal?.removeEventListener('abort', onAbort);
      // After a kill, make sure nothing of the group survives the grace period.
      if ((timedOut || aborted) && child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
      if (killTimer) clearTimeout(killTimer);
      // Stop reading: descendants that keep the pipes open must not keep this run alive.
      child.stdout.destroy();
      child.stderr.destroy();
      resolve({
        ...r,
        timedOut,
        aborted,
        durationMs: performance.now() - start,
        output: Buffer.concat(chunks).toString('utf8'),
        outputTruncated: truncated,
        ...(child.pid !== undefined ? { pid: child.pid } : {}),
      });
    };
    child.on('error', (e: Error & { code?: string }) => finish({ exitCode: null, signal: null, error: e }));
    child.on('exit', (code, sig) => finish({ exitCode: code, signal: sig }));
  });
}
