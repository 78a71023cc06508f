// Benchmark: VRRP failover time of lvsd and keepalived 2.2.7 in the same namespace pair, same run.
// For (v2, advert_int 1) and (v3, advert_int 0.1), hard kill (SIGKILL of the master's process group) and
// graceful stop (SIGTERM), N runs each. The time is read from an observer's capture: from the old
// master's last advert (kill) or its priority-0 advert (stop) to the new master's first advert, which
// RFC 5798 §6.1 bounds by Master_Down_Interval (kill) and Skew_Time (stop). Also printed: signal to
// first advert of the new master (what a client sees).
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

async function runOne(impl: Impl, mode: Mode, topo: VrrpLan, cap: Capture, master: Daemon, backup: Daemon, cfg: Cfg): Promise<Sample> {
  const oldAddr = topo.addrOf(master.host);
  const newAddr = topo.addrOf(backup.host);
  const tSig = Date.now() / 1000;
  if (mode === 'kill') await master.kill();
  else await master.stop();
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
  void cfg;
  return { wire: (first.time - last.time) * 1000, signal: (first.time - tSig) * 1000 };
}

async function series(impl: Impl, cfg: Cfg, runs: number, net: number): Promise<Record<Mode, Sample[]>> {
  const lab = Lab.create(`bench-vrrp-${impl}`);
  try {
    return await seriesIn(lab, impl, cfg, runs, net);
  } finally {
    await lab.close();
  }
}

async function seriesIn(lab: Lab, impl: Impl, cfg: Cfg, runs: number, net: number): Promise<Record<Mode, Sample[]>> {
  const topo = await vrrpPair(lab, net);
  const cap = await topo.observer.capture('eth0', 'ip proto 112');
  const [d1, d2] = topo.directors as [Host, Host];
  let master = start(impl, topo, d1, cfg);
  await master.waitState('MASTER', 20_000);
  let backup = start(impl, topo, d2, cfg);
  await backup.waitState('BACKUP', 20_000);
  const out: Record<Mode, Sample[]> = { kill: [], stop: [] };
  const adv = cfg.advertInt * 1000;
  for (let i = 0; i < 2 * runs; i++) {
    const mode: Mode = i % 2 === 0 ? 'kill' : 'stop';
    // Random phase against the advert timer.
    await sleep(adv + Math.random() * adv);
    const s = await runOne(impl, mode, topo, cap, master, backup, cfg);
    out[mode].push(s);
    process.stderr.write(`# ${impl} ${cfg.name} ${mode} #${out[mode].length}: ${s.wire.toFixed(1)} ms (signal -> advert ${s.signal.toFixed(1)} ms)\n`);
    // The old master comes back as a backup (equal priority, lower or higher address: it accepts the master).
    await master.host.ip([`addr del ${topo.vip}/24 dev eth0`]).catch(() => undefined);
    const again = start(impl, topo, master.host, cfg);
    await again.waitState('BACKUP', 20_000);
    [master, backup] = [backup, again];
  }
  await backup.stop();
  await master.stop();
  await cap.stop();
  return out;
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
  {
    let net = 60;
    for (const cfg of cfgs) {
      const res = {} as Record<Impl, Record<Mode, Sample[]>>;
      for (const impl of impls) res[impl] = await series(impl, cfg, runs, net++);
      const cs = cfg.advertInt * 100;
      for (const mode of ['kill', 'stop'] as Mode[]) {
        const bound = mode === 'kill' ? masterDownIntervalMs(cfg.version, PRIO, cs) : skewTimeMs(cfg.version, PRIO, cs);
        const med: Partial<Record<Impl, number>> = {};
        for (const impl of impls) {
          const w = res[impl][mode].map((s) => s.wire);
          const sig = res[impl][mode].map((s) => s.signal);
          med[impl] = median(w);
          rows.push(
            `${cfg.name.padEnd(18)} ${mode.padEnd(5)} ${impl.padEnd(11)} n=${w.length}  median ${median(w).toFixed(1).padStart(7)} ms  max ${Math.max(...w).toFixed(1).padStart(7)} ms  ` +
              `bound ${bound.toFixed(1).padStart(7)} ms  median/bound ${(median(w) / bound).toFixed(3)}  signal->advert median ${median(sig).toFixed(1)} max ${Math.max(...sig).toFixed(1)} ms`,
          );
        }
        if (med.lvsd !== undefined && med.keepalived !== undefined) rows.push(`${' '.repeat(25)}lvsd/keepalived median ratio ${(med.lvsd / med.keepalived).toFixed(3)}`);
      }
    }
  }
  process.stdout.write(`VRRP failover (observer capture: old master's last advert or priority 0 -> new master's first advert)\n${rows.join('\n')}\n`);
}

await main();
