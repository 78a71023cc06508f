// Lab demo, process edge: where this build's `lvsd` and the demo configuration are, lvsd started
// in a lab host with its JSON log read back as events, and small readers of a host's links.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Host } from '../netns.js';
import { run, waitFor, type LabProcess } from '../proc.js';

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

/**
 * True when this build's `lvsd run` offers --check-only (IPVS and health checks from the
 * configuration). Read from `lvsd run --help`, so the demo follows the CLI as it grows.
 */
export async function checkOnlyWired(): Promise<boolean> {
  const r = await run(lvsdArgv(['run', '--help']), { allowFail: true, timeoutMs: 20_000 });
  return r.code === 0 && /--check-only\b/.test(r.stdout);
}

export interface LogEvent {
  event: string;
  time: string;
  [k: string]: unknown;
}

/** One `lvsd run` process in a lab host, its JSON log lines parsed on demand. */
export class LvsdProcess {
  constructor(
    readonly host: Host,
    readonly proc: LabProcess,
  ) {}

  static runVrrp(host: Host, conf: string): LvsdProcess {
    return new LvsdProcess(host, host.spawn(lvsdArgv(['run', '--vrrp-only', '-f', conf, '--log-level', 'info']), { name: `${host.name}: lvsd` }));
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

  /** The first transition of `instance` to `state` among those logged after the first `after`. */
  async waitForState(instance: string, state: string, timeoutMs: number, after = 0): Promise<LogEvent> {
    let hit: LogEvent | undefined;
    await waitFor(() => {
      hit = this.transitions(instance).slice(after).find((e) => e.to === state);
      return hit !== undefined || !this.proc.alive;
    }, timeoutMs, 10);
    if (!hit) throw new Error(`${this.host.name}: ${instance} did not become ${state} within ${timeoutMs} ms; lvsd said:\n${this.lastLines()}`);
    return hit;
  }

  transitions(instance: string): LogEvent[] {
    return this.events().filter((e) => e.event === 'vrrp.transition' && e.instance === instance);
  }

  lastLines(n = 12): string {
    return this.proc.output().split('\n').filter((l) => !l.includes('"vrrp.counter"')).slice(-n).join('\n');
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

/** `host`'s neighbour entry for `addr` on `ifname`: lladdr and state, if there is one. */
export async function neighbour(host: Host, addr: string, ifname = 'eth0'): Promise<{ lladdr?: string; state?: string[] } | undefined> {
  const r = await host.exec(['ip', '-j', 'neigh', 'show', 'to', addr, 'dev', ifname]);
  return (JSON.parse(r.stdout || '[]') as { lladdr?: string; state?: string[] }[])[0];
}

/** IPv4 addresses of `ifname` on `host`, as "a.b.c.d/len". */
export async function v4Addrs(host: Host, ifname = 'eth0'): Promise<string[]> {
  return (await host.addrs(ifname)).filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`);
}

/** RFC 3768 §6.1 (VRRPv2): Skew_Time = (256 - Priority) / 256 s; Master_Down_Interval = 3 x Advertisement_Interval + Skew_Time. */
export function masterDownIntervalMs(advertIntS: number, priority: number): number {
  return 3 * advertIntS * 1000 + ((256 - priority) * 1000) / 256;
}
