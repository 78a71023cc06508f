// Test support (namespaces): lvsd as a process in a lab host (`lvsd run --vrrp-only`), its JSON log read
// back as events, VIP holder sampling, and an IPv6 variant of the lab's VRRP LAN.
import { writeFileSync, readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Host, Lab } from '../lab/netns.js';
import type { LabProcess } from '../lab/proc.js';
import { sleep, waitFor } from '../lab/proc.js';
import type { VrrpLan } from '../lab/topologies.js';
import { requireRoot } from '../util/env.js';

/** The build this test file belongs to (dist/ under `make test`). */
export const DIST = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * argv that runs `lvsd run ARGS...` from this build. Several nodes share one file system (and one
 * /run/lvsd), so each runs without the default control socket and metrics listener unless ARGS
 * asks for them.
 */
export function lvsdRunArgv(given: string[]): string[] {
  const args = [...given, ...(given.includes('--control-socket') ? [] : ['--control-socket', 'off']), ...(given.includes('--metrics-listen') ? [] : ['--metrics-listen', 'off'])];
  const main = join(DIST, 'src/cli/main.js');
  const index = join(DIST, 'src/cli/commands/index.js');
  // Once `run` is registered among the commands, the real entry point is used.
  if (existsSync(index) && /\brun\b/.test(readFileSync(index, 'utf8').split('\n').filter((l) => l.includes('import')).join('\n'))) {
    return ['node', main, 'run', ...args];
  }
  const runJs = join(DIST, 'src/cli/commands/run.js');
  const script = `import { run } from ${JSON.stringify(runJs)};
const io = { out: (s) => process.stdout.write(s + '\\n'), err: (s) => process.stderr.write(s + '\\n') };
run.run(process.argv.slice(1), io).then((c) => { process.exitCode = c; }, (e) => { process.stderr.write(String(e && e.stack || e) + '\\n'); process.exitCode = 70; });`;
  return ['node', '--input-type=module', '-e', script, '--', ...args];
}

export interface LogEvent {
  event: string;
  time: string;
  level: number;
  [k: string]: unknown;
}

/** Why lvsd cannot run VRRP here (the kernel-edge ports of src/net are not built), or undefined. */
export function lvsdPortsMissing(): string | undefined {
  const missing = ['addresses.js', 'announce.js', 'links.js', 'vrrp-socket.js'].filter((f) => !existsSync(join(DIST, 'src/net', f)));
  if (missing.length > 0) return `lvsd's kernel ports are not in this build yet (src/net/${missing.join(', src/net/')})`;
  return undefined;
}

/** Root, the tools, and a build with lvsd's kernel ports; otherwise skip `t` saying why. */
export function lvsdReady(t: { skip(m?: string): void }, tools: string[]): boolean {
  if (!requireRoot(t, tools)) return false;
  const why = lvsdPortsMissing();
  if (why === undefined) return true;
  process.stderr.write(`# skipped: ${why}\n`);
  t.skip(why);
  return false;
}

let confCounter = 0;

/** One lvsd process in a lab host. */
export class Lvsd {
  private constructor(
    readonly host: Host,
    readonly proc: LabProcess,
    readonly confFile: string,
  ) {}

  static start(host: Host, config: string, opts: { extraArgs?: string[]; logLevel?: string } = {}): Lvsd {
    confCounter += 1;
    const file = join(host.lab.dir, `lvsd-${host.name}-${confCounter}.conf`);
    writeFileSync(file, config);
    const argv = lvsdRunArgv(['--vrrp-only', '-f', file, '--log-level', opts.logLevel ?? 'debug', ...(opts.extraArgs ?? [])]);
    const proc = host.spawn(argv, { name: `${host.name}: lvsd` });
    return new Lvsd(host, proc, file);
  }

  /** JSON log lines parsed (others ignored). */
  events(): LogEvent[] {
    const out: LogEvent[] = [];
    for (const l of this.proc.stdout) {
      if (!l.startsWith('{')) continue;
      try {
        out.push(JSON.parse(l) as LogEvent);
      } catch {
        /* partial line */
      }
    }
    return out;
  }

  transitions(instance = 'VI_1'): LogEvent[] {
    return this.events().filter((e) => e.event === 'vrrp.transition' && e.instance === instance);
  }

  /** Resolves with the log event when `instance` enters `state` (counting only transitions after `after` of them). */
  async waitForState(instance: string, state: string, timeoutMs = 15_000, after = 0): Promise<LogEvent> {
    const re = new RegExp(`"event":"vrrp\\.transition".*"instance":"${instance}".*"to":"${state}"`);
    let hit: LogEvent | undefined;
    const ok = await waitFor(() => {
      hit = this.transitions(instance).slice(after).find((e) => e.to === state);
      return hit !== undefined || !this.proc.alive;
    }, timeoutMs, 10);
    if (!ok || !hit) throw new Error(`${this.host.name}: ${instance} did not enter ${state} within ${timeoutMs} ms (${re}); output:\n${this.proc.output().split('\n').slice(-25).join('\n')}`);
    return hit;
  }

  /** Resolves once the node logged lvsd.ready. */
  ready(timeoutMs = 10_000): Promise<string> {
    return this.proc.waitForLine(/"event":"lvsd\.ready"/, timeoutMs);
  }

  /** SIGKILL of the whole process group: nothing is released. */
  async crash(): Promise<void> {
    this.proc.killGroup('SIGKILL');
    await this.proc.stop(0);
  }

  /** SIGTERM; resolves with the exit status. */
  stop(graceMs = 8000) {
    return this.proc.stop(graceMs);
  }

  /** Waits until `addr` is on this node's host (or absent), naming the node's last log lines on failure. */
  async waitForAddr(addr: string, opts: { present?: boolean; timeoutMs?: number } = {}): Promise<number> {
    try {
      return await this.host.waitForAddr(addr, { intervalMs: 10, ...opts });
    } catch (e) {
      throw new Error(`${(e as Error).message}; ${this.host.name}'s lvsd said:\n${this.proc.output().split('\n').filter((l) => !l.includes('"vrrp.counter"')).slice(-20).join('\n')}`);
    }
  }

  get state(): string | undefined {
    return this.transitions().at(-1)?.to as string | undefined;
  }
}

/** Wall-clock ms of a log event. */
export function eventTime(e: LogEvent): number {
  return Date.parse(e.time);
}

/** Which directors hold `vip` now. */
export async function holders(topo: { directors: Host[] }, vip: string): Promise<string[]> {
  const has = await Promise.all(topo.directors.map((d) => d.hasAddr(vip)));
  return topo.directors.filter((_, i) => has[i]).map((d) => d.name);
}

/**
 * Samples the VIP holders every `intervalMs` (one `ip -j addr` per director per sample) until stopped;
 * `ignore` names hosts whose daemon was killed (their stale VIP is expected).
 */
export function sampleHolders(topo: { directors: Host[] }, vip: string, intervalMs = 50) {
  const samples: { t: number; holders: string[] }[] = [];
  const ignore = new Set<string>();
  let stop = false;
  const loop = (async () => {
    while (!stop) {
      let h: string[];
      try {
        h = (await holders(topo, vip)).filter((n) => !ignore.has(n));
      } catch (e) {
        if (stop) break;
        throw e;
      }
      samples.push({ t: Date.now(), holders: h });
      await sleep(intervalMs);
    }
  })();
  loop.catch(() => undefined); // reported by stop(); never an unhandled rejection
  return {
    samples,
    ignore,
    async stop(): Promise<{ t: number; holders: string[] }[]> {
      stop = true;
      await loop;
      return samples;
    },
  };
}

/** The MAC address of `ifname` on `host`. */
export async function macOf(host: Host, ifname = 'eth0'): Promise<string> {
  const r = await host.exec(['ip', '-j', 'link', 'show', 'dev', ifname]);
  return (JSON.parse(r.stdout) as { address: string }[])[0]!.address;
}

/** `host`'s neighbour entry for `addr` (lladdr and state), if any. */
export async function neighbour(host: Host, addr: string, ifname = 'eth0'): Promise<{ lladdr?: string; state?: string[] } | undefined> {
  const r = await host.exec(['ip', '-j', 'neigh', 'show', 'to', addr, 'dev', ifname]);
  const list = JSON.parse(r.stdout || '[]') as { lladdr?: string; state?: string[] }[];
  return list[0];
}

/**
 * IPv6 variant of the lab's VRRP LAN: `count` directors and an observer on one bridge with
 * fd00:77:N::/64 (directors ::1.., observer ::250) and link-local addresses, DAD finished.
 */
export async function vrrpLan6(lab: Lab, count: number, net = 0): Promise<VrrpLan & { addr6(h: Host): string; vip6: string }> {
  const p = `fd00:77:${net}::`;
  const names = Array.from({ length: count }, (_, i) => `d${i + 1}`);
  const v4 = (i: number) => `10.77.${net}.${i}`;
  const addr = new Map<string, [string, string]>(names.map((n, i) => [n, [v4(i + 1), `${p}${i + 1}`]]));
  addr.set('obs', [v4(250), `${p}250`]);
  await lab.build({
    hosts: [...names, 'obs'].map((name) => ({ name, sysctls: { 'net.ipv6.conf.all.accept_dad': 0, 'net.ipv6.conf.default.accept_dad': 0 } })),
    lans: [{ name: 'lan', members: [...names, 'obs'].map((host) => ({ host, ifname: 'eth0', addrs: [`${addr.get(host)![0]}/24`, `${addr.get(host)![1]}/64`] })) }],
  });
  const hosts = [...names, 'obs'].map((n) => lab.host(n));
  // Link-local addresses come up with the link; wait until none is tentative.
  const ok = await waitFor(async () => {
    for (const h of hosts) {
      const r = await h.exec(['ip', '-6', '-j', 'addr', 'show', 'dev', 'eth0']);
      const info = (JSON.parse(r.stdout) as { addr_info: { local: string; tentative?: boolean; scope: string }[] }[])[0]?.addr_info ?? [];
      if (!info.some((a) => a.scope === 'link' && !a.tentative)) return false;
    }
    return true;
  }, 10_000, 50);
  if (!ok) throw new Error('IPv6 link-local addresses did not come up');
  return {
    lab,
    directors: names.map((n) => lab.host(n)),
    observer: lab.host('obs'),
    ifname: 'eth0',
    vip: `${p}100`,
    vip6: `${p}100`,
    prefixLen: 24,
    addrOf: (h) => addr.get(h.name)![0],
    addr6: (h) => addr.get(h.name)![1],
  };
}

/** Percentile helpers for printed figures. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
