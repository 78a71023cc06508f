// OS edge: one notify FIFO, as keepalived's notify.c fifo_open / fifo_close run it. The FIFO is
// created (mode 0600, owned by the configured or default script user) when it does not exist; the
// notify_fifo_script is started first, in its own process group, with the FIFO's path appended to
// its arguments; lvsd then opens the FIFO O_RDWR|O_NONBLOCK|O_NOFOLLOW, so opening never waits for
// a reader and a write never blocks: a line (at most PIPE_BUF bytes, so it is written whole or not
// at all) that does not fit in a full pipe is dropped and counted, nothing is queued in lvsd. At
// close a FIFO lvsd created is unlinked first (a script that reopens in a loop cannot find it), the
// descriptor closed (the reader sees end of file), and the script's process group is given a short
// grace, then SIGTERM, then SIGKILL.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, closeSync, constants, fstatSync, lstatSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { splitCommand } from '../exec/run.js';
import { resolveIds } from '../exec/users.js';
import { PIPE_BUF } from './format.js';
import type { FifoSpec } from './settings.js';

export type LogFn = (level: 'debug' | 'info' | 'warn' | 'error', event: string, msg: string, fields?: Record<string, unknown>) => void;

export class NotifyFifoError extends Error {
  constructor(
    readonly code: 'LVSD_FIFO_CREATE' | 'LVSD_FIFO_NOT_FIFO' | 'LVSD_FIFO_OPEN' | 'LVSD_FIFO_OWNER',
    message: string,
  ) {
    super(message);
    this.name = 'NotifyFifoError';
  }
}

export interface FifoStats {
  path: string;
  vrrp: boolean;
  lvs: boolean;
  open: boolean;
  /** Lines written whole. */
  written: number;
  /** Lines dropped because the pipe was full (EAGAIN) or the FIFO is not open. */
  dropped: number;
  /** Lines longer than PIPE_BUF (never written: they could be torn). */
  tooLong: number;
  /** Other write failures. */
  errors: number;
  script?: { pid?: number; running: boolean; exitCode: number | null; signal: string | null };
}

export interface FifoTiming {
  /** Time the script gets to exit on its own after end of file, before SIGTERM. Default 500 ms. */
  eofGraceMs?: number;
  /** Time between SIGTERM and SIGKILL to the script's group. Default 1000 ms. */
  killGraceMs?: number;
}

function killGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    /* the group is gone */
  }
}

export class NotifyFifo {
  private fd: number | null = null;
  private created = false;
  private child: ChildProcess | null = null;
  private childExit: Promise<void> = Promise.resolve();
  private lastError = '';
  private readonly st: FifoStats;

  private constructor(
    readonly spec: FifoSpec,
    private readonly log: LogFn,
    private readonly timing: FifoTiming,
  ) {
    this.st = { path: spec.path, vrrp: spec.vrrp, lvs: spec.lvs, open: false, written: 0, dropped: 0, tooLong: 0, errors: 0 };
  }

  /** Creates (if needed) and opens the FIFO, starting its script. Failures are logged; the FIFO then drops every line. */
  static open(spec: FifoSpec, log: LogFn, timing: FifoTiming = {}): NotifyFifo {
    const f = new NotifyFifo(spec, log, timing);
    try {
      f.create();
      f.startScript();
      f.openFd();
    } catch (e) {
      const err = e as NotifyFifoError;
      log('error', 'notify.fifo_error', `${spec.keyword} ${spec.path}: ${err.message}`, { path: spec.path, code: err.code ?? 'LVSD_FIFO_OPEN' });
      if (f.created) f.unlink();
    }
    return f;
  }

  private create(): void {
    const p = this.spec.path;
    let exists = false;
    try {
      const s = lstatSync(p);
      exists = true;
      // keepalived opens whatever is there; lvsd refuses anything but a FIFO (a regular file would grow without bound).
      if (!s.isFIFO()) throw new NotifyFifoError('LVSD_FIFO_NOT_FIFO', 'exists and is not a FIFO');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e instanceof NotifyFifoError ? e : new NotifyFifoError('LVSD_FIFO_CREATE', (e as Error).message);
    }
    if (exists) return;
    // Node has no mkfifo(3); coreutils' mkfifo makes the same call. keepalived 2.2.7 creates it 0600.
    const r = spawnSync('mkfifo', ['-m', '0600', '--', p], { encoding: 'utf8', timeout: 10_000 });
    if (r.status !== 0) throw new NotifyFifoError('LVSD_FIFO_CREATE', `cannot create: ${(r.stderr || r.error?.message || `mkfifo exit ${r.status}`).trim()}`);
    this.created = true;
    if (this.spec.user !== undefined) {
      try {
        const ids = resolveIds(this.spec.user, this.spec.group);
        const uid = process.getuid?.();
        const gid = process.getgid?.();
        if (ids.uid !== uid || ids.gid !== gid) chownSync(p, ids.uid, ids.gid);
      } catch (e) {
        // keepalived: "Failed to set uid:gid for fifo"; the FIFO is still used.
        this.log('warn', 'notify.fifo_owner', `${this.spec.keyword} ${p}: cannot give it to ${this.spec.user}: ${(e as Error).message}`, { path: p });
      }
    }
  }

  private startScript(): void {
    const s = this.spec.script;
    if (!s) return;
    const argv = [...splitCommand(s.command), this.spec.path];
    let ids: { uid: number; gid: number } | undefined;
    if (s.user !== undefined) ids = resolveIds(s.user, s.group);
    const child = spawn(argv[0] as string, argv.slice(1), {
      detached: true, // its own process group, killed whole at close
      stdio: 'ignore',
      ...(ids ? { uid: ids.uid, gid: ids.gid } : {}),
    });
    this.child = child;
    this.st.script = { ...(child.pid !== undefined ? { pid: child.pid } : {}), running: child.pid !== undefined, exitCode: null, signal: null };
    this.childExit = new Promise<void>((resolve) => {
      child.once('error', (e) => {
        this.st.script = { running: false, exitCode: null, signal: null };
        this.log('error', 'notify.fifo_script', `${this.spec.keyword} script ${argv[0]} cannot start: ${e.message}`, { path: this.spec.path });
        resolve();
      });
      child.once('exit', (code, signal) => {
        this.st.script = { ...(child.pid !== undefined ? { pid: child.pid } : {}), running: false, exitCode: code, signal };
        if (!this.closing) this.log('warn', 'notify.fifo_script', `${this.spec.keyword} script ${argv[0]} exited (${signal ?? `status ${code}`}); it is not restarted`, { path: this.spec.path, exitCode: code, signal });
        resolve();
      });
    });
    // Without a pid the spawn failed; its 'error' event says why.
    if (child.pid !== undefined) this.log('info', 'notify.fifo_script', `${this.spec.keyword} script started: ${argv.join(' ')}`, { path: this.spec.path, pid: child.pid });
  }

  private openFd(): void {
    let fd: number;
    try {
      fd = openSync(this.spec.path, constants.O_RDWR | constants.O_NONBLOCK | constants.O_NOFOLLOW);
    } catch (e) {
      throw new NotifyFifoError('LVSD_FIFO_OPEN', `cannot open: ${(e as Error).message}`);
    }
    if (!fstatSync(fd).isFIFO()) {
      closeSync(fd);
      throw new NotifyFifoError('LVSD_FIFO_NOT_FIFO', 'is not a FIFO');
    }
    this.fd = fd;
    this.st.open = true;
  }

  /** Writes one line whole, or drops it. Never blocks, never queues. */
  write(line: string): boolean {
    const buf = Buffer.from(line, 'utf8');
    if (buf.length > PIPE_BUF) {
      this.st.tooLong++;
      return false;
    }
    if (this.fd === null) {
      this.st.dropped++;
      return false;
    }
    try {
      const n = writeSync(this.fd, buf);
      if (n === buf.length) {
        this.st.written++;
        return true;
      }
      this.st.errors++; // a short write cannot happen for <= PIPE_BUF bytes on a pipe
      return false;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
      if (code === 'EAGAIN' || code === 'EWOULDBLOCK') {
        // Logged at the 1st, 10th, 100th... drop: a stuck reader is visible without flooding the log.
        if (Number.isInteger(Math.log10(++this.st.dropped))) {
          this.log('warn', 'notify.fifo_full', `${this.spec.path}: the reader is not keeping up; lines dropped (${this.st.dropped} so far)`, { path: this.spec.path, dropped: this.st.dropped });
        }
        return false;
      }
      this.st.errors++;
      if (code !== this.lastError) this.log('error', 'notify.fifo_error', `${this.spec.path}: write failed: ${(e as Error).message}`, { path: this.spec.path, code });
      this.lastError = code;
      return false;
    }
  }

  stats(): FifoStats {
    return { ...this.st, ...(this.st.script ? { script: { ...this.st.script } } : {}) };
  }

  private closing = false;

  private unlink(): void {
    try {
      unlinkSync(this.spec.path);
    } catch {
      /* already gone */
    }
    this.created = false;
  }

  async close(): Promise<void> {
    if (this.closing) return this.childExit;
    this.closing = true;
    if (this.created) this.unlink();
    if (this.fd !== null) {
      try {
        closeSync(this.fd);
      } catch {
        /* closing anyway */
      }
      this.fd = null;
      this.st.open = false;
    }
    const child = this.child;
    if (!child) return;
    if (child.pid === undefined) return this.childExit; // it never started: wait for its 'error'
    const pid = child.pid;
    const within = (ms: number): Promise<boolean> =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve(true);
        const t = setTimeout(() => resolve(false), ms);
        void this.childExit.then(() => {
          clearTimeout(t);
          resolve(true);
        });
      });
    // End of file first: a script that drains the FIFO and exits keeps the last lines (STOP).
    if (!(await within(this.timing.eofGraceMs ?? 500))) {
      killGroup(pid, 'SIGTERM');
      if (!(await within(this.timing.killGraceMs ?? 1000))) {
        killGroup(pid, 'SIGKILL');
        await within(1000);
      }
      // The leader was signalled: anything it forked into its group goes too.
      killGroup(pid, 'SIGKILL');
    }
  }
}
