// Benchmark: VRRP failover time of lvsd and keepalived 2.2.7 in the same namespace topology, same run.
// For (v2, advert_int 1) and (v3, advert_int 0.1), hard kill (SIGKILL of the master's process group) and
// graceful stop (SIGTERM), N runs each. Both pairs run side by side (one lab each) and their failovers
// alternate, so load from anything else on the machine falls on both alike. The time is read from an
// observer's capture on each LAN: from the old master's last advert (kill) or its priority-0 advert
// (stop) to the new master's first advert, which RFC 5798 §6.1 bounds by Master_Down_Interval (kill) and
// Skew_Time (stop). Also printed: signal to first advert of the new master (what a client sees), and a
// verdict per case: lvsd's median within 5% of the bound, and no worse than keepalived's.
// Usage (root): node dist/bench/vrrp-failover.js [--runs 20] [--only lvsd|keepalived] [--configs v2,v3]
import { Lab, type Host } from '../test/lab/netns.js';
import { vrrpPair, type VrrpLan } from '../test/lab/topologies.js';
import { Keepalived, keepalivedConf } from '../test/lab/keepalived.js';
import { ipv4Packets } from '../test/lab/pcap.js';
import { sleep, waitFor } from '../test/lab/proc.js';
import type { Capture } from '../test/lab/capture.js';
import { Lvsd, median, lvsdPortsMissing } from '../test/ns/vrrp-support.js';
import { masterDownIntervalMs, skewTimeMs } from '../src/vrrp/timers.js';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? (process.argv[i + 1] as string) : dflt;
}

type Impl = 'lvsd' | 'keepalived';
type Mode = 'kill' | 'stop';
interface Cfg {
  name: string;
  version: 2 | 3;
  advertInt: number;
}
const PRIO = 100;
const VRID = 81;

/** One running VRRP daemon of either kind. */
interface Daemon {
  host: Host;
  waitState(state: 'MASTER' | 'BACKUP', timeoutMs: number): Promise<unknown>;
  kill(): Promise<void>;
  stop(): Promise<void>;
}

function start(impl: Impl, topo: VrrpLan, host: Host, cfg: Cfg): Daemon {
  const conf = keepalivedConf({
    routerId: host.name,
    version: cfg.version,
    instances: [{ name: 'VI_1', iface: 'eth0', vrid: VRID, priority: PRIO, advertInt: cfg.advertInt, vips: [`${topo.vip}/24 dev eth0`] }],
  });
  if (impl === 'keepalived') {
    const k = Keepalived.start(host, conf, { only: 'vrrp', extraArgs: ['--dont-respawn'] });
    const seen = { MASTER: 0, BACKUP: 0 };
    return {
      host,
      async waitState(state, timeoutMs) {
        const n = seen[state]++;
        const re = `(VI_1) Entering ${state} STATE`;
        const ok = await waitFor(() => k.log().split('\n').filter((l) => l.includes(re)).length > n, timeoutMs, 10);
        if (!ok) throw new Error(`keepalived on ${host.name}: not ${state} after ${timeoutMs} ms`);
      },
      kill: () => k.crash().then(() => undefined),
      stop: () => k.stop().then(() => undefined),
    };
  }
  const l = Lvsd.start(host, conf, { logLevel: 'info' });
  const seen = { MASTER: 0, BACKUP: 0 };
  return {
    host,
    async waitState(state, timeoutMs) {
      const n = seen[state]++;
      const ok = await waitFor(() => l.transitions().filter((e) => e.to === state).length > n, timeoutMs, 10);
      if (!ok) throw new Error(`lvsd on ${host.name}: not ${state} after ${timeoutMs} ms:\n${l.proc.output()}`);
    },
    kill: () => l.crash(),
    stop: () => l.stop().then(() => undefined),
  };
}

interface Sample {
  /** Old master's last advert (or its priority 0) -> new master's first advert, ms. */
  wire: number;
  /** Signal -> new master's first advert, ms. */
  signal: number;
}

/** Adverts of VRID 81 seen by the observer: time (s), source, priority. */
function adverts(cap: Capture): { time: number; src: string; prio: number }[] {
  return ipv4Packets(cap.read())
    .filter((p) => p.protocol === 112 && p.payload[1] === VRID)
    .map((p) => ({ time: p.time, src: p.src, prio: p.payload[2]! }));
}

/** The RFC 5798 §6.1 bound of a failover: Master_Down_Interval after a crash, Skew_Time after a priority 0. */
function boundMs(cfg: Cfg, mode: Mode): number {
  const cs = cfg.advertInt * 100;
  return mode === 'kill' ? masterDownIntervalMs(cfg.version, PRIO, cs) : skewTimeMs(cfg.version, PRIO, cs);
}

async function runOne(impl: Impl, mode: Mode, topo: VrrpLan, cap: Capture, master: Daemon, backup: Daemon, cfg: Cfg): Promise<Sample> {
  const oldAddr = topo.addrOf(master.host);
  const newAddr = topo.addrOf(backup.host);
  const tSig = Date.now() / 1000;
  if (mode === 'kill') await master.kill();
  else await master.stop();
  // The harness keeps quiet (no polling) while the takeover cannot have happened yet.
  const earliest = mode === 'kill' ? boundMs(cfg, mode) - cfg.advertInt * 1000 : boundMs(cfg, mode);
  await sleep(Math.max(0, earliest - (Date.now() / 1000 - tSig) * 1000 - 30));
  await backup.waitState('MASTER', 10_000);
  let first: { time: number } | undefined;
  await waitFor(() => {
    first = adverts(cap).find((a) => a.src === newAddr && a.time > tSig);
    return first !== undefined;
  }, 3000, 10);
  if (!first) throw new Error(`${impl}: no advert from the new master in the capture`);
  const before = adverts(cap).filter((a) => a.src === oldAddr && a.time < first!.time);
  const last = mode === 'stop' ? before.filter((a) => a.prio === 0).at(-1) : before.at(-1);
  if (!last) throw new Error(`${impl} ${mode}: no ${mode === 'stop' ? 'priority-0 ' : ''}advert from the old master`);
  return { wire: (first.time - last.time) * 1000, signal: (first.time - tSig) * 1000 };
}

/** One implementation's pair in its own lab, with the observer's capture. */
interface Pair {
  impl: Impl;
  lab: Lab;
  topo: VrrpLan;
  cap: Capture;
  master: Daemon;
  backup: Daemon;
}

async function openPair(impl: Impl, cfg: Cfg, net: number): Promise<Pair> {
  const lab = Lab.create(`bench-vrrp-${impl}`);
  try {
    const topo = await vrrpPair(lab, net);
    const cap = await topo.observer.capture('eth0', 'ip proto 112');
    const [d1, d2] = topo.directors as [Host, Host];
    const master = start(impl, topo, d1, cfg);
    await master.waitState('MASTER', 20_000);
    const backup = start(impl, topo, d2, cfg);
    await backup.waitState('BACKUP', 20_000);
    return { impl, lab, topo, cap, master, backup };
  } catch (e) {
    await lab.close();
    throw e;
  }
}

/** One failover on `pair`; the old master comes back as the backup (equal priority: it accepts the master). */
async function failover(pair: Pair, mode: Mode, cfg: Cfg): Promise<Sample> {
  const s = await runOne(pair.impl, mode, pair.topo, pair.cap, pair.master, pair.backup, cfg);
  await pair.master.host.ip([`addr del ${pair.topo.vip}/24 dev eth0`]).catch(() => undefined);
  const again = start(pair.impl, pair.topo, pair.master.host, cfg);
  await again.waitState('BACKUP', 20_000);
  [pair.master, pair.backup] = [pair.backup, again];
  return s;
}

async function closePair(pair: Pair): Promise<void> {
  try {
    await pair.backup.stop();
    await pair.master.stop();
    await pair.cap.stop();
  } finally {
    await pair.lab.close();
  }
}

/** `runs` failovers per mode and implementation, the implementations' failovers interleaved. */
async function series(impls: Impl[], cfg: Cfg, runs: number, net: number): Promise<Record<Impl, Record<Mode, Sample[]>>> {
  const pairs: Pair[] = [];
  try {
    for (const [k, impl] of impls.entries()) pairs.push(await openPair(impl, cfg, net + k));
    const out = {} as Record<Impl, Record<Mode, Sample[]>>;
    for (const impl of impls) out[impl] = { kill: [], stop: [] };
    const adv = cfg.advertInt * 1000;
    for (let i = 0; i < 2 * runs; i++) {
      const mode: Mode = i % 2 === 0 ? 'kill' : 'stop';
      // Alternate which implementation goes first, so neither always follows the other's failover.
      const order = (i >> 1) % 2 === 0 ? pairs : [...pairs].reverse();
      for (const pair of order) {
        // Random phase against the advert timer.
        await sleep(adv + Math.random() * adv);
        const s = await failover(pair, mode, cfg);
        out[pair.impl][mode].push(s);
        process.stderr.write(`# ${pair.impl} ${cfg.name} ${mode} #${out[pair.impl][mode].length}: ${s.wire.toFixed(3)} ms (signal -> advert ${s.signal.toFixed(1)} ms)\n`);
      }
    }
    return out;
  } finally {
    for (const p of pairs) await closePair(p).catch(() => undefined);
  }
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
}

async function main(): Promise<void> {
  const why = lvsdPortsMissing();
  if (process.getuid?.() !== 0 || why) {
    process.stderr.write(`vrrp-failover: ${why ?? 'needs root'}\n`);
    process.exitCode = 1;
    return;
  }
  const runs = Number(arg('runs', '20'));
  const only = arg('only', '');
  const impls: Impl[] = only ? [only as Impl] : ['lvsd', 'keepalived'];
  const cfgs: Cfg[] = [
    { name: 'v2 advert_int 1', version: 2, advertInt: 1 },
    { name: 'v3 advert_int 0.1', version: 3, advertInt: 0.1 },
  ].filter((c) => arg('configs', 'v2,v3').split(',').includes(`v${c.version}`)) as Cfg[];
  const rows: string[] = [];
  const verdicts: string[] = [];
  let net = 60;
  for (const cfg of cfgs) {
    const res = await series(impls, cfg, runs, net);
    net += impls.length;
    for (const mode of ['kill', 'stop'] as Mode[]) {
      const bound = boundMs(cfg, mode);
      const med: Partial<Record<Impl, number>> = {};
      for (const impl of impls) {
        const w = res[impl][mode].map((s) => s.wire);
        const sig = res[impl][mode].map((s) => s.signal);
        med[impl] = median(w);
        rows.push(
          `${cfg.name.padEnd(18)} ${mode.padEnd(5)} ${impl.padEnd(11)} n=${w.length}  median ${median(w).toFixed(3).padStart(8)} ms (bound +${(median(w) - bound).toFixed(3)})  ` +
            `p90 ${quantile(w, 0.9).toFixed(3).padStart(8)}  max ${Math.max(...w).toFixed(3).padStart(8)} ms  bound ${bound.toFixed(3).padStart(8)} ms  median/bound ${(median(w) / bound).toFixed(4)}  ` +
            `signal->advert median ${median(sig).toFixed(1)} max ${Math.max(...sig).toFixed(1)} ms`,
        );
      }
      const l = med.lvsd;
      const k = med.keepalived;
      if (l !== undefined && k !== undefined) {
        rows.push(`${' '.repeat(25)}lvsd/keepalived median ratio ${(l / k).toFixed(4)} (lvsd ${l - k >= 0 ? '+' : ''}${(l - k).toFixed(3)} ms)`);
      }
      if (l !== undefined) {
        const within = l <= bound * 1.05;
        const noWorse = k === undefined ? 'not measured' : l <= k ? 'yes' : 'no';
        verdicts.push(`${cfg.name.padEnd(18)} ${mode.padEnd(5)} lvsd median within 5% of the RFC bound: ${within ? 'yes' : 'no'}; no worse than keepalived: ${noWorse}`);
      }
    }
  }
  process.stdout.write(`VRRP failover (observer capture: old master's last advert or priority 0 -> new master's first advert)\n${rows.join('\n')}\n${verdicts.join('\n')}\n`);
}

await main();
