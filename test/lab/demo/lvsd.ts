// Lab demo, process edge: where this build's `lvsd` and the demo configuration are, what this
// build's `lvsd run` offers, and a director: lvsd running in a lab host with its JSON log read
// back as events.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Host } from '../netns.js';
import { run, waitFor, type ExitStatus, type LabProcess } from '../proc.js';

/** The build this file belongs to (dist/ under `make lab`). */
export const DIST = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
/**
 * `lvsd` of this build: the bundled program operators run (`make build` makes it), else the
 * per-file entry point of the same sources.
 */
export const LVSD_MAIN = [join(DIST, 'src', 'cli', 'lvsd.mjs'), join(DIST, 'src', 'cli', 'main.js')].find((f) => existsSync(f)) ?? join(DIST, 'src', 'cli', 'main.js');

/** The repository root: the folder above the build that holds package.json. */
export function repoDir(): string {
  const up = dirname(DIST);
  if (!existsSync(join(up, 'package.json'))) throw new Error(`lab demo: no package.json above the build ${DIST}`);
  return up;
}

/** The demo configuration (kept in the repository, next to this file's source). */
export function confFile(director: 'a' | 'b'): string {
  return join(repoDir(), 'test', 'lab', 'demo', 'conf', `director-${director}.conf`);
}

/** argv of `lvsd ARGS...` from this build. */
export function lvsdArgv(args: readonly string[]): string[] {
  return [process.execPath, LVSD_MAIN, ...args];
}

/** What this build's `lvsd run` offers, read from its --help (the demo follows the CLI as it grows). */
export interface RunFeatures {
  /** `lvsd run -f FILE` runs VRRP, checks and IPVS in one process. */
  full: boolean;
  /** `--metrics-listen ADDR:PORT` (Prometheus metrics over HTTP). */
  metrics: boolean;
  /** `--control-socket PATH` (each director of the demo needs its own). */
  controlSocket: boolean;
}

export function runFeatures(help: string): RunFeatures {
  return {
    // Until the daemon lands, the help says a configuration with virtual_server blocks is refused without a mode.
    full: !/not in this build yet/.test(help) && !/is refused/.test(help),
    metrics: /--metrics-listen\b/.test(help),
    controlSocket: /--control-socket\b/.test(help),
  };
}

export async function probeRunFeatures(): Promise<RunFeatures & { help: string }> {
  const r = await run(lvsdArgv(['run', '--help']), { allowFail: true, timeoutMs: 30_000 });
  const help = `${r.stdout}\n${r.stderr}`;
  return { ...runFeatures(help), help };
}

export interface LogEvent {
  event: string;
  time: string;
  [k: string]: unknown;
}

export interface DirectorOptions {
  features: RunFeatures;
  /** ADDR:PORT for --metrics-listen (only passed when the build offers it). */
  metricsListen?: string;
  /** Path for --control-socket (only passed when the build offers it). */
  controlSocket?: string;
}

/**
 * One director: `lvsd run -f CONF` in `host` (the full daemon), or, while this build does not have
 * it, `lvsd run --vrrp-only` and `lvsd run --check-only` side by side (keepalived's -P / -C).
 */
export class Director {
  private constructor(
    readonly host: Host,
    readonly label: string,
    readonly argvs: string[][],
    readonly procs: LabProcess[],
  ) {}

  static start(host: Host, label: string, conf: string, o: DirectorOptions): Director {
    const common = ['-f', conf, '--log-level', 'info'];
    const extra = [
      ...(o.features.metrics && o.metricsListen ? ['--metrics-listen', o.metricsListen] : []),
      ...(o.features.controlSocket && o.controlSocket ? ['--control-socket', o.controlSocket] : []),
    ];
    const argvs = o.features.full ? [['run', ...common, ...extra]] : [['run', '--vrrp-only', ...common], ['run', '--check-only', ...common]];
    const procs = argvs.map((a) => host.spawn(lvsdArgv(a), { name: `${label}: lvsd ${a.slice(0, 2).join(' ')}` }));
    return new Director(host, label, argvs, procs);
  }

  /** The command lines, as an operator would type them. */
  commands(): string[] {
    return this.argvs.map((a) => `lvsd ${a.map((w) => w.replace(/^.*\/(director-.\.conf)$/, '$1')).join(' ')}`);
  }

  get alive(): boolean {
    return this.procs.every((p) => p.alive);
  }

  /** Process groups (one per process; the lab starts each as a group leader). */
  pgids(): number[] {
    return this.procs.map((p) => p.pgid);
  }

  events(): LogEvent[] {
    const out: LogEvent[] = [];
    for (const p of this.procs) {
      for (const l of p.stdout) {
        if (!l.startsWith('{')) continue;
        try {
          out.push(JSON.parse(l) as LogEvent);
        } catch {
          /* not a log line */
        }
      }
    }
    return out;
  }

  /** When every process of this director logged `lvsd.ready` (wall-clock ms), if they all did. */
  readyAt(): number | undefined {
    const at = this.procs.map((p) => {
      for (const l of p.stdout) if (l.includes('"lvsd.ready"')) return Date.parse((JSON.parse(l) as LogEvent).time);
      return undefined;
    });
    return at.every((x) => x !== undefined) ? Math.max(...(at as number[])) : undefined;
  }

  transitions(instance: string): LogEvent[] {
    return this.events().filter((e) => e.event === 'vrrp.transition' && e.instance === instance);
  }

  /** The first transition of `instance` to `state` among those logged after the first `after`. */
  async waitForState(instance: string, state: string, timeoutMs: number, after = 0): Promise<LogEvent> {
    let hit: LogEvent | undefined;
    await waitFor(() => {
      hit = this.transitions(instance).slice(after).find((e) => e.to === state);
      return hit !== undefined || !this.alive;
    }, timeoutMs, 20);
    if (!hit) throw new Error(`${this.label}: ${instance} did not become ${state} within ${timeoutMs} ms${this.alive ? '' : ' (lvsd exited)'}; lvsd said:\n${this.lastLines()}`);
    return hit;
  }

  /** A crash: SIGKILL to every process group of this director (nothing is released). */
  crash(): void {
    for (const p of this.procs) p.killGroup('SIGKILL');
  }

  exited(): Promise<ExitStatus[]> {
    return Promise.all(this.procs.map((p) => p.exited));
  }

  /** SIGTERM to each process (graceful stop), SIGKILL after `graceMs`; their exit statuses. */
  async stop(graceMs = 8000): Promise<ExitStatus[]> {
    return Promise.all(this.procs.map((p) => p.stop(graceMs)));
  }

  lastLines(n = 12): string {
    return this.procs
      .map((p) => p.output())
      .join('\n')
      .split('\n')
      .filter((l) => l && !l.includes('"vrrp.counter"'))
      .slice(-n)
      .join('\n');
  }
}

/** Wall-clock ms of a log event. */
export function eventTime(e: LogEvent): number {
  return Date.parse(e.time);
}

/** The MAC address of `ifname` on `host`. */
export async function macOf(host: Host, ifname = 'eth0'): Promise<string> {
  const r = await host.exec(['ip', '-j', 'link', 'show', 'dev', ifname]);
  return (JSON.parse(r.stdout) as { address: string }[])[0]!.address;
}

/** RFC 3768 §6.1 (VRRPv2): Skew_Time = (256 - Priority) / 256 s; Master_Down_Interval = 3 x Advertisement_Interval + Skew_Time. */
export function masterDownIntervalMs(advertIntS: number, priority: number): number {
  return 3 * advertIntS * 1000 + ((256 - priority) * 1000) / 256;
}
