// Test lab, process edge: start programs in their own process group, read their output line by
// line, run commands to completion, and kill whatever is still alive when the lab ends.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { LabError } from './errors.js';

/** Every process the lab started in this Node process and has not yet seen exit. */
const live = new Map<number, LabProcess>();

/** Environment marker put on every lab process, so a suite can find what it left behind. */
export const SUITE_ENV = 'LVSD_LAB_SUITE';

/** The id of this test run: the test runner's pid under `node --test`, else our own pid. */
export function suiteId(): string {
  const fromEnv = process.env[SUITE_ENV];
  if (fromEnv) return fromEnv;
  return String(process.env.NODE_TEST_CONTEXT ? process.ppid : process.pid);
}

/** Synchronous clean-ups run when this Node process exits (labs register their namespaces). */
const exitCleanups = new Set<() => void>();

export function onExitCleanup(fn: () => void): () => void {
  installExitHook();
  exitCleanups.add(fn);
  return () => exitCleanups.delete(fn);
}

let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last line of defence: a test file that died before its finally still takes its processes
  // (and, through the clean-ups, its namespaces) along.
  const cleanup = (): void => {
    for (const p of live.values()) p.killGroupSync('SIGKILL');
    for (const fn of exitCleanups) {
      try {
        fn();
      } catch {
        /* best effort at exit */
      }
    }
    exitCleanups.clear();
  };
  process.on('exit', cleanup);
  for (const [sig, n] of [['SIGTERM', 15], ['SIGINT', 2], ['SIGHUP', 1]] as const) {
    process.once(sig, () => {
      cleanup();
      process.exit(128 + n);
    });
  }
}

export interface SpawnOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** 'pipe' keeps stdin open for write(); default 'ignore'. */
  stdin?: 'pipe' | 'ignore';
  /** Label used in error messages (default: argv[0]). */
  name?: string;
  /** Also pass every output line here as it arrives. */
  onLine?: (stream: 'stdout' | 'stderr', line: string) => void;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

interface LineWaiter {
  re: RegExp;
  stream: 'stdout' | 'stderr' | 'any';
  resolve: (line: string) => void;
}

/** A started program: its pid and process group, its output lines, and ways to end it. */
export class LabProcess {
  readonly pid: number;
  /** The process group: the lab starts every program as a group leader, so pgid = pid. */
  readonly pgid: number;
  readonly argv: readonly string[];
  readonly name: string;
  readonly stdout: string[] = [];
  readonly stderr: string[] = [];
  /** Resolves when the process has exited (never rejects). */
  readonly exited: Promise<ExitStatus>;
  exitStatus: ExitStatus | undefined;
  private readonly child: ChildProcess;
  private waiters: LineWaiter[] = [];

  constructor(argv: readonly string[], opts: SpawnOptions = {}) {
    if (argv.length === 0) throw new LabError('LAB_COMMAND_FAILED', 'spawn: empty argv');
    installExitHook();
    this.argv = argv;
    this.name = opts.name ?? argv[0]!;
    const env = { ...process.env, [SUITE_ENV]: suiteId(), ...opts.env };
    this.child = spawn(argv[0]!, argv.slice(1), {
      cwd: opts.cwd,
      env: env as NodeJS.ProcessEnv,
      detached: true, // setsid(): own session and process group
      stdio: [opts.stdin ?? 'ignore', 'pipe', 'pipe'],
    });
    if (this.child.pid === undefined) {
      // spawn failed synchronously (ENOENT etc.): the 'error' event carries the reason.
      this.pid = -1;
      this.pgid = -1;
      this.exited = new Promise((resolve) => {
        this.child.once('error', (err) => {
          this.stderr.push(String(err));
          this.exitStatus = { code: 127, signal: null };
          resolve(this.exitStatus);
        });
      });
      return;
    }
    this.pid = this.child.pid;
    this.pgid = this.child.pid;
    live.set(this.pid, this);
    this.readLines('stdout', opts.onLine);
    this.readLines('stderr', opts.onLine);
    this.exited = new Promise((resolve) => {
      this.child.once('close', (code, signal) => {
        live.delete(this.pid);
        this.exitStatus = { code, signal };
        resolve(this.exitStatus);
      });
    });
  }

  private readLines(stream: 'stdout' | 'stderr', onLine?: SpawnOptions['onLine']): void {
    const src = this.child[stream];
    if (!src) return;
    src.setEncoding('utf8');
    let partial = '';
    const push = (line: string): void => {
      this[stream].push(line);
      onLine?.(stream, line);
      this.waiters = this.waiters.filter((w) => {
        if ((w.stream === 'any' || w.stream === stream) && w.re.test(line)) {
          w.resolve(line);
          return false;
        }
        return true;
      });
    };
    src.on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      for (const l of parts) push(l);
    });
    src.on('end', () => {
      if (partial) push(partial);
      partial = '';
    });
  }

  get alive(): boolean {
    return this.exitStatus === undefined;
  }

  /** Lines of both streams, stdout first (for error messages). */
  output(): string {
    return [...this.stdout, ...this.stderr].join('\n');
  }

  /** Resolves with the first line (already seen or future) matching `re`. */
  waitForLine(re: RegExp, timeoutMs: number, stream: 'stdout' | 'stderr' | 'any' = 'any'): Promise<string> {
    const seen = [...(stream !== 'stderr' ? this.stdout : []), ...(stream !== 'stdout' ? this.stderr : [])];
    const hit = seen.find((l) => re.test(l));
    if (hit !== undefined) return Promise.resolve(hit);
    return new Promise((resolve, reject) => {
      const waiter: LineWaiter = { re, stream, resolve: (l) => done(() => resolve(l)) };
      const timer = setTimeout(
        () => done(() => reject(new LabError('LAB_TIMEOUT', `${this.name}: no line matching ${re} within ${timeoutMs} ms; output:\n${tail(this.output())}`))),
        timeoutMs,
      );
      const onExit = (): void =>
        done(() => reject(new LabError('LAB_PROCESS_EXITED', `${this.name} exited (${fmtStatus(this.exitStatus)}) before a line matching ${re}; output:\n${tail(this.output())}`)));
      let finished = false;
      const done = (f: () => void): void => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== waiter);
        f();
      };
      this.waiters.push(waiter);
      void this.exited.then(() => setImmediate(onExit));
    });
  }

  /** Writes to stdin (spawned with stdin: 'pipe'). */
  write(data: string): void {
    if (!this.child.stdin) throw new LabError('LAB_COMMAND_FAILED', `${this.name}: stdin is not a pipe`);
    this.child.stdin.write(data);
  }

  /** Closes stdin. */
  endInput(): void {
    this.child.stdin?.end();
  }

  /** Sends `signal` to the process itself. */
  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (!this.alive || this.pid < 0) return;
    try {
      process.kill(this.pid, signal);
    } catch {
      /* already gone */
    }
  }

  /** Sends `signal` to the whole process group (a crash when SIGKILL). */
  killGroup(signal: NodeJS.Signals = 'SIGKILL'): void {
    this.killGroupSync(signal);
  }

  /** Synchronous group kill (also used from the exit hook). */
  killGroupSync(signal: NodeJS.Signals): void {
    if (this.pgid < 0) return;
    try {
      process.kill(-this.pgid, signal);
    } catch {
      /* group empty */
    }
  }

  /** Pids still in this process group (children may outlive the leader). */
  groupMembers(): number[] {
    return pidsInGroup(this.pgid);
  }

  /** SIGTERM, wait up to `graceMs`, then SIGKILL the group; resolves when the leader is gone. */
  async stop(graceMs = 3000): Promise<ExitStatus> {
    if (this.alive) {
      this.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const t = await Promise.race([this.exited, new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), graceMs)))]);
      clearTimeout(timer);
      if (t === undefined) this.killGroup('SIGKILL');
    }
    const st = await this.exited;
    // Leftover group members (a child that ignored its parent's death) go too.
    if (this.groupMembers().length > 0) {
      this.killGroup('SIGKILL');
      await waitFor(() => this.groupMembers().length === 0, 2000, 20);
    }
    return st;
  }
}

export function spawnProcess(argv: readonly string[], opts: SpawnOptions = {}): LabProcess {
  return new LabProcess(argv, opts);
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions extends SpawnOptions {
  /** Text written to stdin, which is then closed. */
  input?: string;
  timeoutMs?: number;
  /** Do not throw on a non-zero exit. */
  allowFail?: boolean;
}

/** Runs a command to completion; throws LabError('LAB_COMMAND_FAILED') on a non-zero exit. */
export async function run(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const p = new LabProcess(argv, { ...opts, stdin: opts.input !== undefined ? 'pipe' : 'ignore' });
  if (opts.input !== undefined) {
    p.write(opts.input);
    p.endInput();
  }
  const timeoutMs = opts.timeoutMs ?? 30_000;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    p.killGroup('SIGKILL');
  }, timeoutMs);
  const st = await p.exited;
  clearTimeout(timer);
  const res: RunResult = { code: st.code, signal: st.signal, stdout: p.stdout.join('\n'), stderr: p.stderr.join('\n') };
  if (timedOut) {
    throw new LabError('LAB_TIMEOUT', `${argv.join(' ')}: killed after ${timeoutMs} ms\n${tail(p.output())}`);
  }
  if (!opts.allowFail && st.code !== 0) {
    throw new LabError('LAB_COMMAND_FAILED', `${argv.join(' ')}: ${fmtStatus(st)}\n${tail(p.output())}${opts.input ? `\ninput:\n${tail(opts.input)}` : ''}`);
  }
  return res;
}

/** Pids of processes whose process group is `pgid` (from /proc; field 5 of stat). */
export function pidsInGroup(pgid: number): number[] {
  if (pgid <= 0) return [];
  const out: number[] = [];
  for (const n of readdirSync('/proc')) {
    if (!/^\d+$/.test(n)) continue;
    const st = readProcStat(Number(n));
    if (st && st.pgid === pgid && st.state !== 'Z') out.push(Number(n));
  }
  return out;
}

export function readProcStat(pid: number): { state: string; ppid: number; pgid: number } | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return { state: rest[0]!, ppid: Number(rest[1]), pgid: Number(rest[2]) };
  } catch {
    return undefined;
  }
}

/** Pids (not zombies) whose environment carries SUITE_ENV=`id`. */
export function pidsOfSuite(id: string): number[] {
  const needle = `${SUITE_ENV}=${id}\0`;
  const out: number[] = [];
  for (const n of readdirSync('/proc')) {
    if (!/^\d+$/.test(n) || Number(n) === process.pid) continue;
    try {
      const env = readFileSync(`/proc/${n}/environ`, 'latin1');
      if (!env.includes(needle)) continue;
      const st = readProcStat(Number(n));
      if (st && st.state !== 'Z') out.push(Number(n));
    } catch {
      /* gone or not readable */
    }
  }
  return out;
}

/** Processes this Node process started and has not seen exit. */
export function liveProcesses(): LabProcess[] {
  return [...live.values()];
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `pred` every `intervalMs` until it is true (resolves true) or `timeoutMs` passes (false). */
export async function waitFor(pred: () => boolean | Promise<boolean>, timeoutMs: number, intervalMs = 25): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await pred()) return true;
    if (Date.now() >= end) return false;
    await sleep(intervalMs);
  }
}

export function fmtStatus(st: ExitStatus | undefined): string {
  if (!st) return 'still running';
  return st.signal ? `killed by ${st.signal}` : `exit ${st.code}`;
}

export function tail(s: string, lines = 30): string {
  const l = s.split('\n');
  return l.length <= lines ? s : ['...', ...l.slice(-lines)].join('\n');
}
