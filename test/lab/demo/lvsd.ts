// Lab demo, process edge: where this build's `lvsd` and the demo configuration are, what this
// build's `lvsd run` offers, and a director: `lvsd run` in a lab host with its JSON log read back
// as events.
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

/** One director: `lvsd run -f CONF` in `host` (the full daemon: VRRP, checks and IPVS in one process). */
export class Director {
  private constructor(
    readonly host: Host,
    readonly label: string,
    readonly argv: string[],
    readonly proc: LabProcess,
  ) {}

  static start(host: Host, label: string, conf: string, o: DirectorOptions): Director {
    if (!o.features.full) throw new Error("this build's `lvsd run -f FILE` is not the full daemon (its --help says so)");
    const argv = [
      'run', '-f', conf, '--log-level', 'info',
      ...(o.features.metrics && o.metricsListen ? ['--metrics-listen', o.metricsListen] : []),
      ...(o.features.controlSocket && o.controlSocket ? ['--control-socket', o.controlSocket] : []),
    ];
    return new Director(host, label, argv, host.spawn(lvsdArgv(argv), { name: `${label}: lvsd run` }));
  }

  /** The command line, as an operator would type it. */
  command(): string {
    return `lvsd ${this.argv.map((w) => w.replace(/^.*\/(director-.\.conf)$/, '$1')).join(' ')}`;
  }

  get alive(): boolean {
    return this.proc.alive;
  }

  /** lvsd's process group (the lab starts it as a group leader). */
  get pgid(): number {
    return this.proc.pgid;
  }

  events(): LogEvent[] {
    const out: LogEvent[] = [];
    for (const l of this.proc.stdout) {
      if (!l.startsWith('{')) continue;
      try {
        out.push(JSON.parse(l) as LogEvent);
      } catch {
        /* not a log line */
      }
    }
    return out;
  }

  /** When lvsd logged `lvsd.ready` (wall-clock ms), if it did. */
  readyAt(): number | undefined {
    const e = this.events().find((x) => x.event === 'lvsd.ready');
    return e ? eventTime(e) : undefined;
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

  /** A crash: SIGKILL to lvsd's process group (nothing is released). */
  crash(): void {
    this.proc.killGroup('SIGKILL');
  }

  exited(): Promise<ExitStatus> {
    return this.proc.exited;
  }

  /** SIGTERM (graceful stop), SIGKILL after `graceMs`; the exit status. */
  stop(graceMs = 8000): Promise<ExitStatus> {
    return this.proc.stop(graceMs);
  }

  lastLines(n = 12): string {
    return this.proc
      .output()
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
