// Test lab, process edge: a real IPVS kernel. Boots User-Mode Linux (Debian's linux.uml) on the
// host root (read-only hostfs + tmpfs overlay), runs one command or script inside, streams its
// output back through a per-run job folder, and returns the exit status. A hard timeout kills
// the whole UML process group; the job folder is always removed.
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, rmSync, existsSync, openSync, readSync, closeSync, fstatSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LabProcess, waitFor, tail, suiteId } from './proc.js';
import { shq } from './netns.js';
import { repoRoot, isRoot, which } from '../util/env.js';

export const UML_DEFAULT_MODULES = ['ip_vs', 'ip_vs_rr', 'ip_vs_wrr', 'ip_vs_wlc', 'ip_vs_sh', 'veth', 'bridge'];

export interface UmlOptions {
  /** Hard limit for boot + command + poweroff (default 180 s); then the process group is killed. */
  timeoutMs?: number;
  /** Guest memory in MiB (default 1024). */
  memMb?: number;
  /** Pin UML to host CPU(s) with taskset (e.g. 1 or "1"); benchmarks should. */
  cpu?: number | string;
  /** Environment for the command (added to PATH, HOME, LVSD_IN_UML=1, LVSD_UML_JOB). */
  env?: Record<string, string>;
  /** Working directory inside the guest (default: the repository root; host paths are the same). */
  cwd?: string;
  /** Kernel modules to load before the command (default UML_DEFAULT_MODULES). */
  modules?: string[];
  /** Called with each chunk of the command's output (stdout and stderr) as it arrives. */
  onOutput?: (chunk: string) => void;
  /** Files the command writes into $LVSD_UML_JOB, read back into result.files. */
  collect?: string[];
  /** Called with the pid (= process group) of the UML kernel once it started. */
  onStart?: (pid: number) => void;
  /** Keep the job folder (also LVSD_UML_KEEP=1) for debugging. */
  keepJob?: boolean;
}

export interface UmlResult {
  /** The command's exit status; null when it never finished (timeout, boot failure). */
  code: number | null;
  /** The command's stdout and stderr, interleaved. */
  output: string;
  /** The UML console (kernel and stage-script messages). */
  console: string;
  timedOut: boolean;
  wallMs: number;
  files: Record<string, string>;
  /** The job folder (removed after the run unless kept). */
  jobDir: string;
  /** Process group of the UML kernel (all its host processes). */
  pgid: number;
}

/** Why UML cannot run here, or undefined. */
export function umlMissing(): string | undefined {
  if (!isRoot()) return 'needs root (UML tests mount and load modules as root inside the guest; CI runs as root)';
  if (!which('linux.uml')) return 'needs linux.uml (Debian package user-mode-linux; scripts/install-deps.sh installs it)';
  if (!which('busybox')) return 'needs busybox (Debian package busybox-static)';
  if (!existsSync('/usr/lib/uml/modules')) return 'needs /usr/lib/uml/modules (Debian package user-mode-linux)';
  return undefined;
}

/** True inside a kernel booted by runInUml. */
export function inUml(): boolean {
  return process.env.LVSD_IN_UML === '1';
}

/** Follows a growing file from an offset, calling `emit` with new text. */
class FileTail {
  private off = 0;
  constructor(
    private readonly file: string,
    private readonly emit: (s: string) => void,
  ) {}
  poll(): void {
    if (!existsSync(this.file)) return;
    const fd = openSync(this.file, 'r');
    try {
      const size = fstatSync(fd).size;
      if (size <= this.off) return;
      const buf = Buffer.alloc(size - this.off);
      const n = readSync(fd, buf, 0, buf.length, this.off);
      this.off += n;
      this.emit(buf.subarray(0, n).toString('utf8'));
    } finally {
      closeSync(fd);
    }
  }
}

/**
 * Boots UML, runs `command` (argv, or `{ script }` for /bin/sh text) inside, and powers off.
 * Inside, the command runs as root with $LVSD_UML_JOB (a host folder, same path) for results.
 */
export async function runInUml(command: readonly string[] | { script: string }, opts: UmlOptions = {}): Promise<UmlResult> {
  const root = repoRoot();
  const job = mkdtempSync(join(tmpdir(), `lvsd-uml-${suiteId()}-`));
  const t0 = performance.now();
  let proc: LabProcess | undefined;
  try {
    mkdirSync(join(job, 'mnt'));
    const env: Record<string, string> = {
      PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      HOME: '/root',
      LVSD_IN_UML: '1',
      LVSD_UML_JOB: job,
      ...opts.env,
    };
    const body = 'script' in command ? command.script : `exec ${command.map(shq).join(' ')}`;
    writeFileSync(
      join(job, 'cmd.sh'),
      [`cd ${shq(opts.cwd ?? root)} || exit 125`, ...Object.entries(env).map(([k, v]) => `export ${k}=${shq(v)}`), body, ''].join('\n'),
    );
    const modules = (opts.modules ?? UML_DEFAULT_MODULES).join(',');
    const argv = [
      'linux.uml', `mem=${opts.memMb ?? 1024}M`, 'root=/dev/root', 'rootfstype=hostfs', 'rootflags=/', 'ro',
      `init=${join(root, 'scripts/uml-stage1.sh')}`, `lvsd_job=${job}`, `lvsd_repo=${root}`, `lvsd_stage2=${join(root, 'scripts/uml-stage2.sh')}`,
      `lvsd_modules=${modules}`, `uml_dir=${job}`, 'umid=lvsd', 'con=null', 'con0=null,fd:1', 'quiet', 'loglevel=3',
    ];
    if (opts.cpu !== undefined) argv.unshift('taskset', '-c', String(opts.cpu));
    let output = '';
    const out = new FileTail(join(job, 'out'), (s) => {
      output += s;
      opts.onOutput?.(s);
    });
    proc = new LabProcess(argv, { name: 'linux.uml' });
    opts.onStart?.(proc.pid);
    const timeoutMs = opts.timeoutMs ?? 180_000;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      proc?.killGroup('SIGKILL');
    }, timeoutMs);
    const poller = setInterval(() => out.poll(), 100);
    await proc.exited;
    clearTimeout(timer);
    clearInterval(poller);
    out.poll();
    // UML's helper processes share its group: make sure none outlives the kernel.
    if (proc.groupMembers().length > 0) {
      proc.killGroup('SIGKILL');
      await waitFor(() => proc!.groupMembers().length === 0, 3000);
    }
    const rcFile = join(job, 'rc');
    const code = existsSync(rcFile) ? Number(readFileSync(rcFile, 'utf8').trim()) : null;
    const files: Record<string, string> = {};
    for (const f of opts.collect ?? []) {
      const p = join(job, f);
      if (existsSync(p)) files[f] = readFileSync(p, 'utf8');
    }
    return { code, output, console: proc.stdout.concat(proc.stderr).join('\n'), timedOut, wallMs: performance.now() - t0, files, jobDir: job, pgid: proc.pgid };
  } finally {
    if (proc?.alive) {
      proc.killGroup('SIGKILL');
      await proc.exited;
    }
    if (!opts.keepJob && !process.env.LVSD_UML_KEEP) rmSync(job, { recursive: true, force: true });
  }
}

/** A one-line account of a run that did not exit 0, with the tails of output and console. */
export function describeUmlFailure(r: UmlResult): string {
  const why = r.timedOut ? `UML killed after timeout (${r.wallMs.toFixed(0)} ms)` : r.code === null ? 'the command never finished (no exit status; boot failed?)' : `exit ${r.code}`;
  return `${why}\n--- output ---\n${tail(r.output, 40)}\n--- console ---\n${tail(r.console, 20)}`;
}
