// Benchmark, guest side (inside UML, started by bench/ipvs-program-guest.js with --breakdown): where
// the start of `lvsd run --check-only` goes. Spawn to exit of `node -e 0`, of the bundle's
// `--version` (read, compile and link the bundle and its external modules, run its top level), and
// of `lvsd run` on a missing file (also the run path's modules and the logger); then, in one
// process on the per-file build, the phases of a check-only start on the bench's keepalived.conf in
// the daemon's order: read + parse, parts, notifications, netlink open, pool, programming. Last,
// the product with its default metrics listener on (control socket off).
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUNDLE, count, daemonIn, freshNs, runIn, type DaemonRun } from './ipvs-program-guest.js';

const SELF = fileURLToPath(import.meta.url);

export interface Sample {
  /** Spawn to exit, ms (measured by this process). */
  wall: number;
  /** User + system CPU of the program, ms (GNU time, 10 ms resolution). */
  cpu: number;
  /** Minor page faults: inside UML each costs far more than on the host. */
  minflt: number;
}

export interface Phases {
  /** performance.nodeTiming.bootstrapComplete: Node's own start, ms after the process began. */
  nodeBootstrap: number;
  load: number;
  parts: number;
  notify: number;
  open: number;
  pool: number;
  /** pool.start(): the checkers' initial verdicts to a table, and the reconciler's first sync. */
  start: number;
  /** Of `start`, the reconciler's sync (dump, diff, apply), as its 'applied' event reports it. */
  program: number;
  ops: number;
  table: { services: number; dests: number };
}

export interface SizeBreakdown {
  n: number;
  d: number;
  phases: Phases[];
  withMetrics: DaemonRun[];
}

export interface Breakdown {
  reps: number;
  nodeE0: Sample[];
  version: Sample[];
  runMissing: Sample[];
  sizes: SizeBreakdown[];
}

/** Runs argv under GNU time; wall from here, CPU and faults from time's report. */
function sample(argv: string[], okCodes: number[]): Sample {
  const t0 = performance.now();
  const p = spawnSync('/usr/bin/time', ['-f', 'LVSD-TIME %U %S %R', ...argv], { encoding: 'utf8' });
  const wall = performance.now() - t0;
  const m = /LVSD-TIME ([\d.]+) ([\d.]+) (\d+)/.exec(p.stderr);
  const code = /Command exited with non-zero status (\d+)/.exec(p.stderr);
  const exit = code ? Number(code[1]) : p.status;
  if (!m || !okCodes.includes(exit ?? -1)) throw new Error(`${argv.join(' ')}: exit ${String(exit)}\n${p.stderr}`);
  return { wall, cpu: (Number(m[1]) + Number(m[2])) * 1000, minflt: Number(m[3]) };
}

export async function startBreakdown(sizes: { n: number; d: number; conf: string }[]): Promise<Breakdown> {
  const reps = Number(process.env.BENCH_BREAKDOWN_REPS ?? 3);
  const node = process.execPath;
  const times = <T>(f: () => T): T[] => Array.from({ length: reps }, f);
  const out: Breakdown = {
    reps,
    nodeE0: times(() => sample([node, '-e', '0'], [0])),
    version: times(() => sample([node, BUNDLE, '--version'], [0])),
    // 66: the file is unreadable, after every module of the run path has loaded and the logger exists.
    runMissing: times(() => sample([node, BUNDLE, 'run', '--check-only', '-f', '/nonexistent/lvsd-bench.conf', '--metrics-listen', 'off', '--control-socket', 'off'], [66])),
    sizes: [],
  };
  for (const { n, d, conf } of sizes) {
    const phases = times(() => {
      const p = runIn(freshNs(), [node, SELF, '--phases', conf]);
      const line = p.stdout.split('\n').filter((l) => l.startsWith('{')).at(-1);
      if (!line) throw new Error(`phases failed: ${p.stdout}\n${p.stderr}`);
      return JSON.parse(line) as Phases;
    });
    const withMetrics = times(() => daemonIn(freshNs(), 'lvsd', conf, n, d, ['--metrics-listen', '127.0.0.1:9650']));
    out.sizes.push({ n, d, phases, withMetrics });
  }
  return out;
}

/** One check-only start, phase by phase, as src/daemon/daemon.ts runs it (metrics and control socket off). */
async function phases(conf: string): Promise<Phases> {
  const [{ loadToRun }, { buildParts }, { startNotifications }, { vrrpBus }, { lvsBus }, { openIpvs }, { Reconciler }, { CheckPool }, { saveOwned }] = await Promise.all([
    import('../src/config/load.js'),
    import('../src/daemon/parts.js'),
    import('../src/notify/index.js'),
    import('../src/events/vrrp.js'),
    import('../src/events/lvs.js'),
    import('../src/ipvs/client.js'),
    import('../src/ipvs/reconcile.js'),
    import('../src/check/scheduler.js'),
    import('../src/daemon/owned-store.js'),
  ]);
  const owned = join(mkdtempSync('/tmp/lvsd-bench-owned-'), 'owned');
  const t0 = performance.now();
  const problems: string[] = [];
  const loaded = loadToRun(conf, undefined, (s) => problems.push(s));
  if (!loaded.ok) throw new Error(problems.join('\n'));
  const t1 = performance.now();
  // As the daemon does: the LVS half the load resolved (loadToRun keeps it) is not resolved again.
  const parts = buildParts(loaded.cfg.model, 'check-only', undefined, loaded.cfg.lvs);
  const t2 = performance.now();
  const notes = await startNotifications({ model: parts.model, vrrp: vrrpBus(), lvs: lvsBus(), log: () => undefined });
  const t3 = performance.now();
  const kernel = await openIpvs();
  const t4 = performance.now();
  let program = 0;
  let ops = 0;
  const rec = new Reconciler({
    kernel,
    onEvent: (e) => {
      if (e.type !== 'applied') return;
      program += e.ms;
      ops += e.ops.length;
    },
    onOwnedChange: (ids) => saveOwned(owned, ids),
  });
  const pool = new CheckPool({ virtualServers: parts.virtualServers, sink: { setDesired: (s) => rec.setDesired(s) }, context: parts.checkContext, policy: { rsInitNotifies: false }, suspended: [] });
  const t5 = performance.now();
  await pool.start();
  const t6 = performance.now();
  const table = count();
  const synced = { program, ops };
  await pool.stop();
  await rec.stop();
  kernel.close();
  await notes.close();
  return { nodeBootstrap: performance.nodeTiming.bootstrapComplete, load: t1 - t0, parts: t2 - t1, notify: t3 - t2, open: t4 - t3, pool: t5 - t4, start: t6 - t5, ...synced, table };
}

if (process.argv[1] === SELF && process.argv[2] === '--phases') {
  phases(process.argv[3] as string).then(
    (r) => console.log(JSON.stringify(r)),
    (e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
