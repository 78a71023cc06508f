// Runtime: the tracked objects of a node (vrrp_script, track_interface, track_file) and each instance's
// effective priority / fault from them (pure policy in ../tracking.ts). Scripts run through the shared
// script runner on their own timers; results arrive as callbacks, so adverts never wait on a script.
import type { VrrpBus } from '../../events/vrrp.js';
import type { LinkMonitor } from '../../net/ports.js';
import type { RuntimeInstance, ScriptSpec, TrackFileSpec } from '../from-config.js';
import { computeTracking, initialScriptState, scriptResult, type ScriptTrackState, type Tracker, type FileTracker, type TrackingResult } from '../tracking.js';
import type { Clock, FileAccess, ScriptRunner, TimerHandle } from './ports.js';

/** How often track_file files are read (keepalived watches them with inotify). */
export const TRACK_FILE_POLL_MS = 500;

interface ScriptRt {
  spec: ScriptSpec;
  st: ScriptTrackState;
  running: boolean;
  /** The next run is due but the previous one is still running. */
  overdue: boolean;
  timer: TimerHandle | undefined;
  runs: number;
}

export interface TrackingDeps {
  clock: Clock;
  runScript: ScriptRunner;
  links?: LinkMonitor;
  files?: FileAccess;
  bus: VrrpBus;
  filePollMs?: number;
}

/** keepalived track_file: the number in the file (missing, empty or not a number: 0). */
export function parseTrackFile(text: string | undefined): number {
  if (text === undefined) return 0;
  const m = /^\s*(-?\d+)/.exec(text);
  return m ? Number(m[1]) : 0;
}

export class TrackingRunner {
  private readonly scripts = new Map<string, ScriptRt>();
  private readonly fileValues = new Map<string, number>();
  private fileTimer: TimerHandle | undefined;
  private readonly abort = new AbortController();
  private stopped = false;
  private readonly inflight = new Set<Promise<void>>();

  constructor(
    private readonly instances: readonly RuntimeInstance[],
    scripts: readonly ScriptSpec[],
    private readonly files: readonly TrackFileSpec[],
    private readonly deps: TrackingDeps,
    /** Called with the names of instances whose tracking inputs changed. */
    private readonly changed: (instances: string[]) => void,
  ) {
    const used = new Set(instances.flatMap((i) => i.trackScripts.map((t) => t.name)));
    for (const s of scripts) {
      if (!used.has(s.name)) continue; // keepalived does not run a script nobody tracks
      this.scripts.set(s.name, { spec: s, st: initialScriptState({ name: s.name, weight: 0, rise: s.rise, fall: s.fall }, s.initFail ? 'failed' : 'init'), running: false, overdue: false, timer: undefined, runs: 0 });
    }
  }

  /** Start running scripts, watching links and reading files. */
  start(): void {
    const f = this.deps.files;
    if (f) {
      for (const t of this.files) {
        // keepalived init_file: write the value when the file is missing (or always, with overwrite).
        if (t.initFile && (t.initFile.overwrite || f.read(t.path) === undefined)) {
          try {
            f.write(t.path, `${t.initFile.value}\n`);
          } catch (e) {
            this.deps.bus.emit('vrrp.error', { instance: null, code: 'track_file_init_failed', message: `track_file ${t.name}: cannot write ${t.path}: ${(e as Error).message}` });
          }
        }
        this.fileValues.set(t.name, parseTrackFile(f.read(t.path)));
      }
      if (this.files.length > 0) this.pollFiles();
    }
    this.deps.links?.onChange((s) => {
      if (this.stopped) return;
      const hit = this.instances.filter((i) => i.trackInterfaces.some((t) => t.name === s.ifname)).map((i) => i.core.name);
      if (hit.length > 0) this.changed(hit);
    });
    for (const s of this.scripts.values()) this.runScript(s);
  }

  private pollFiles(): void {
    this.fileTimer = this.deps.clock.setTimer(() => {
      if (this.stopped) return;
      const hit = new Set<string>();
      for (const t of this.files) {
        const v = parseTrackFile(this.deps.files!.read(t.path));
        if (v === this.fileValues.get(t.name)) continue;
        this.fileValues.set(t.name, v);
        for (const i of this.instances) if (i.trackFiles.some((x) => x.name === t.name)) hit.add(i.core.name);
      }
      if (hit.size > 0) this.changed([...hit]);
      this.pollFiles();
    }, this.deps.filePollMs ?? TRACK_FILE_POLL_MS);
  }

  private runScript(s: ScriptRt): void {
    if (this.stopped) return;
    if (s.running) {
      s.overdue = true; // keepalived does not start a script again while it is still running
      return;
    }
    s.running = true;
    s.runs++;
    const started = this.deps.clock.now();
    s.timer = this.deps.clock.setTimer(() => this.runScript(s), s.spec.intervalMs);
    const p = this.deps
      .runScript({
        argv: s.spec.command.argv,
        timeoutMs: s.spec.timeoutMs,
        signal: this.abort.signal,
        maxOutputBytes: 4096,
        ...(s.spec.command.user !== undefined ? { user: s.spec.command.user } : {}),
        ...(s.spec.command.group !== undefined ? { group: s.spec.command.group } : {}),
      })
      .then(
        (r) => this.result(s, r.exitCode === 0 && !r.timedOut, r.exitCode, r.timedOut, r.durationMs, r.error ? r.error.message : r.output),
        (e: unknown) => this.result(s, false, null, false, this.deps.clock.now() - started, (e as Error).message ?? String(e)),
      )
      .finally(() => {
        s.running = false;
        if (s.overdue && !this.stopped) {
          s.overdue = false;
          if (s.timer !== undefined) this.deps.clock.clearTimer(s.timer);
          this.runScript(s);
        }
      });
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
  }

  private result(s: ScriptRt, ok: boolean, exitCode: number | null, timedOut: boolean, durationMs: number, output: string): void {
    if (this.stopped) return;
    const before = s.st.status;
    s.st = scriptResult({ name: s.spec.name, weight: 0, rise: s.spec.rise, fall: s.spec.fall }, s.st, ok);
    const after = s.st.status;
    if (after !== before || timedOut) {
      this.deps.bus.emit('vrrp.script', {
        script: s.spec.name,
        status: after === 'up' ? 'up' : 'down',
        exitCode,
        timedOut,
        durationMs,
        ...(ok ? {} : { output: output.slice(0, 512) }),
      });
    }
    if (after !== before) {
      const hit = this.instances.filter((i) => i.trackScripts.some((t) => t.name === s.spec.name)).map((i) => i.core.name);
      if (hit.length > 0) this.changed(hit);
    }
  }

  /** The instance's priority and fault from its trackers now. */
  compute(inst: RuntimeInstance): TrackingResult {
    const trackers: Tracker[] = [];
    for (const t of inst.trackScripts) {
      const s = this.scripts.get(t.name);
      trackers.push({ name: `script:${t.name}`, weight: t.weight, reverse: t.reverse, status: s ? s.st.status : 'down' });
    }
    for (const t of inst.trackInterfaces) {
      const l = this.deps.links?.get(t.name);
      // keepalived: a missing interface counts as down.
      trackers.push({ name: `interface:${t.name}`, weight: t.weight, reverse: t.reverse, status: this.deps.links ? (l?.up ? 'up' : 'down') : 'up' });
    }
    const files: FileTracker[] = inst.trackFiles.map((t) => ({ name: `file:${t.name}`, weight: t.weight, reverse: t.reverse, value: this.fileValues.get(t.name) ?? 0 }));
    const r = computeTracking(inst.core.priority, trackers, files);
    if (inst.unicastFaultNoPeer && inst.core.unicastPeers.length === 0) return { ...r, fault: true, faultBy: [...r.faultBy, 'unicast_fault_no_peer'] };
    return r;
  }

  scriptRuns(name: string): number {
    return this.scripts.get(name)?.runs ?? 0;
  }

  /** Stop timers, abort running scripts (their process groups are killed by the runner), wait for them. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const s of this.scripts.values()) if (s.timer !== undefined) this.deps.clock.clearTimer(s.timer);
    if (this.fileTimer !== undefined) this.deps.clock.clearTimer(this.fileTimer);
    this.abort.abort();
    await Promise.all([...this.inflight]);
  }
}
