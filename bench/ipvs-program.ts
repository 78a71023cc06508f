// Benchmark: program IPVS from empty (1,000 x 10 and 10,000 x 10) with lvsd, `ipvsadm -R` and
// keepalived (no checkers) in one UML boot pinned to one CPU; one weight change on the large
// table; a graceful stop of 2,000 x 20; the product itself (`lvsd run --check-only`, the bundled
// CLI) on keepalived's own keepalived.conf, timed as keepalived is. Prints times and ratios;
// --breakdown adds where lvsd run's start goes (bench/ipvs-start-breakdown.ts).
// Usage: node dist/bench/ipvs-program.js [--runs N] [--sizes '[[1000,10],[10000,10]]'] [--stop '[2000,20]'] [--cpu 1]
//        [--breakdown [--reps N]] [--keywords deprecated|current] [--bundle PATH]
// --keywords: lb_algo / lb_kind (default, as before) or lvs_sched / lvs_method in the keepalived.conf;
// --bundle: the lvsd program to time (default: the bundle of this build, dist/src/cli/lvsd.mjs).
import { fileURLToPath } from 'node:url';
import { runInUml, umlMissing, describeUmlFailure } from '../test/lab/uml.js';
import type { DaemonRun } from './ipvs-program-guest.js';
import type { Breakdown, Sample } from './ipvs-start-breakdown.js';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? (process.argv[i + 1] as string) : dflt;
}

const MODULES = ['ip_vs', 'ip_vs_rr', 'ip_vs_wrr', 'ip_vs_wlc', 'ip_vs_sh', 'veth', 'bridge'];

type KaResult = DaemonRun;
interface LvsdResult {
  wall: number;
  inside: {
    model: number;
    open: number;
    program: number;
    ops: number;
    failed: number;
    window: number;
    datagrams: number;
    weight?: { ms: number; model: number; ops: number; messages: number };
    stop?: { ms: number; removed: number; left: number };
  };
}
interface Row {
  lvsd: LvsdResult;
  lvsdCount: { services: number; dests: number };
  ipvsadmR: number;
  ipvsadmCount: { services: number; dests: number };
  keepalived: KaResult;
  product: DaemonRun;
}

const ms = (x: number): string => `${(x / 1000).toFixed(2)} s`;
const med = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const h = Math.floor(s.length / 2);
  return s.length % 2 ? (s[h] as number) : ((s[h - 1] as number) + (s[h] as number)) / 2;
};
/** `median [min-max]` in seconds (the range only with more than one run). */
const rng = (xs: number[]): string => (xs.length > 1 ? `${ms(med(xs))} [${(Math.min(...xs) / 1000).toFixed(2)}-${(Math.max(...xs) / 1000).toFixed(2)}]` : ms(xs[0] as number));
const left = (l: { services: number; dests: number }): string => `${l.services}/${l.dests}`;
/** Stop times of daemon runs (`self-exit` for a run whose daemon exited by itself before SIGTERM). */
const stops = (xs: DaemonRun[]): string => {
  const t = xs.flatMap((x) => (x.stop === null ? [] : [x.stop]));
  const self = xs.length - t.length;
  return [t.length ? rng(t) : '', self ? `${self} self-exit` : ''].filter(Boolean).join(', ');
};

async function main(): Promise<void> {
  const why = umlMissing();
  if (why) {
    console.error(`ipvs-program: ${why}`);
    process.exitCode = 2;
    return;
  }
  const guest = fileURLToPath(new URL('./ipvs-program-guest.js', import.meta.url));
  const cpu = arg('cpu', '1');
  const env = {
    BENCH_RUNS: arg('runs', '1'),
    BENCH_SIZES: arg('sizes', '[[1000,10],[10000,10]]'),
    BENCH_STOP: arg('stop', '[2000,20]'),
    BENCH_BREAKDOWN: process.argv.includes('--breakdown') ? '1' : '0',
    BENCH_BREAKDOWN_REPS: arg('reps', '3'),
    BENCH_KEYWORDS: arg('keywords', 'deprecated'),
    ...(process.argv.includes('--bundle') ? { BENCH_LVSD_BUNDLE: arg('bundle', '') } : {}),
  };
  console.log(`IPVS programming benchmark in UML (Linux 6.1), pinned to host CPU ${cpu}; runs per size: ${env.BENCH_RUNS}; keepalived.conf keywords: ${env.BENCH_KEYWORDS}`);
  const r = await runInUml({ script: `exec ${JSON.stringify(process.execPath)} ${JSON.stringify(guest)}` }, {
    cpu,
    env,
    modules: MODULES,
    timeoutMs: 3_600_000,
    onOutput: (s) => process.stderr.write(s.split('\n').filter((l) => l && !l.startsWith('RESULT ')).map((l) => `  [uml] ${l}\n`).join('')),
  });
  const line = r.output.split('\n').find((l) => l.startsWith('RESULT '));
  if (r.code !== 0 || !line) {
    console.error(describeUmlFailure(r));
    process.exitCode = 1;
    return;
  }
  const res = JSON.parse(line.slice(7)) as Record<string, unknown> & {
    sizes: [number, number][];
    stop?: {
      lvsd: LvsdResult;
      lvsdLeft: { services: number; dests: number };
      keepalived: KaResult;
      product: DaemonRun;
      restart?: Record<'keepalived' | 'lvsd', { first: DaemonRun; again: DaemonRun }>;
    };
    breakdown?: Breakdown;
  };
  console.log('');
  console.log('lvsd here is the bench child (opens the client and programs directly); the product is below.');
  console.log('table        lvsd program  lvsd process  ipvsadm -R  keepalived  lvsd/keepalived  lvsd/ipvsadm -R');
  for (const [n, d] of res.sizes) {
    const rows = res[`${n}x${d}`] as Row[];
    for (const row of rows) {
      if (row.lvsdCount.dests !== n * d || row.ipvsadmCount.dests !== n * d) throw new Error(`incomplete table: ${JSON.stringify(row)}`);
    }
    const lp = med(rows.map((x) => x.lvsd.inside.program));
    const lw = med(rows.map((x) => x.lvsd.wall));
    const ir = med(rows.map((x) => x.ipvsadmR));
    const ka = med(rows.map((x) => x.keepalived.program));
    console.log(
      `${`${n} x ${d}`.padEnd(12)} ${ms(lp).padStart(12)}  ${ms(lw).padStart(12)}  ${ms(ir).padStart(10)}  ${ms(ka).padStart(10)}  ${(lp / ka).toFixed(3).padStart(15)}  ${(lp / ir).toFixed(3).padStart(15)}`,
    );
    const l0 = rows[0]!.lvsd.inside;
    console.log(`             (${l0.ops} operations in ${l0.datagrams} datagrams, window ${l0.window}; lvsd process = node start + model + program)`);
    const w = rows[0]!.lvsd.inside.weight;
    if (w) {
      console.log(`             one weight change on this table: ${w.ops} operation, ${w.messages} netlink message, ${w.ms.toFixed(1)} ms (building the new table model: ${w.model.toFixed(0)} ms more)`);
    }
  }
  console.log('');
  console.log('The product: `lvsd run --check-only -f keepalived.conf` (the bundled CLI; metrics and control socket off) on the');
  console.log('keepalived.conf keepalived gets, both timed from spawn to the complete table by the same netlink poll (20 ms),');
  console.log(`then SIGTERM to exit. Median [min-max] of ${res.runs as number} run(s); left = services/destinations still in the kernel.`);
  console.log('table        keepalived          lvsd run            lvsd run/keepalived  half keepalived  stop: keepalived (left)        lvsd run (left)');
  for (const [n, d] of res.sizes) {
    const rows = res[`${n}x${d}`] as Row[];
    const ka = rows.map((x) => x.keepalived.program);
    const pr = rows.map((x) => x.product.program);
    const ratios = rows.map((x) => x.product.program / x.keepalived.program);
    const ratio = ratios.length > 1 ? `${med(ratios).toFixed(2)} [${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}]` : (ratios[0] as number).toFixed(2);
    const kaStop = `${stops(rows.map((x) => x.keepalived))} (${rows.map((x) => left(x.keepalived.left)).join(', ')})`;
    const prStop = `${stops(rows.map((x) => x.product))} (${rows.map((x) => left(x.product.left)).join(', ')})`;
    console.log(`${`${n} x ${d}`.padEnd(12)} ${rng(ka).padEnd(19)} ${rng(pr).padEnd(19)} ${ratio.padEnd(20)} ${ms(med(ka) / 2).padEnd(16)} ${kaStop.padEnd(30)} ${prStop}`);
    console.log(`${''.padEnd(12)} CPU of the process group at the complete table: keepalived ${rng(rows.map((x) => x.keepalived.cpu))}, lvsd run ${rng(rows.map((x) => x.product.cpu))}`);
  }
  const all = res.sizes.flatMap(([n, d]) => (res[`${n}x${d}`] as Row[]).map((x) => x.product));
  if (all.some((x) => x.selfExit)) {
    console.log('  self-exit: lvsd run exited by itself (status 0) within 0.5 s of programming the table and left it in the kernel:');
    console.log('  with the metrics listener and the control socket off and no checkers, nothing holds its event loop.');
  }
  const st = res.stop;
  if (st) {
    const [sn, sd] = res.stopSize as [number, number];
    console.log('');
    console.log(`graceful stop of ${sn} x ${sd}:`);
    console.log(`  lvsd (bench child)  ${ms(st.lvsd.inside.stop!.ms)}, removed ${st.lvsd.inside.stop!.removed} services, left in kernel: ${st.lvsdLeft.services} services / ${st.lvsdLeft.dests} destinations`);
    console.log(`  lvsd run (SIGTERM)  ${st.product.stop === null ? 'not measured: exited by itself (exit 0) once the table was programmed' : `${ms(st.product.stop)} to exit 0`}, left in kernel: ${st.product.left.services} services / ${st.product.left.dests} destinations`);
    console.log(`  keepalived          ${stops([st.keepalived])} (SIGTERM to exit), left in kernel: ${st.keepalived.left.services} services / ${st.keepalived.left.dests} destinations`);
    console.log(`  (programming that table: lvsd child ${ms(st.lvsd.inside.program)}, lvsd run from spawn ${ms(st.product.program)}, keepalived from spawn ${ms(st.keepalived.program)})`);
    if (st.restart) {
      // The kernel keeps removed destinations in a trash list that every add searches linearly.
      console.log(`restart of ${sn} x ${sd} right after a graceful stop, in the same namespace (the removed destinations still in the kernel's trash):`);
      for (const kind of ['lvsd', 'keepalived'] as const) {
        const x = st.restart[kind];
        const name = kind === 'lvsd' ? 'lvsd run  ' : 'keepalived';
        console.log(`  ${name}  first start ${ms(x.first.program)}, stop left ${x.first.left.services}/${x.first.left.dests}; started again: ${ms(x.again.program)}`);
      }
    }
  }
  if (res.breakdown) printBreakdown(res.breakdown, res);
  console.log(`\nUML wall time ${ms(r.wallMs)}`);
}

/** Where lvsd run's start goes, beside keepalived's whole start. */
function printBreakdown(b: Breakdown, res: Record<string, unknown>): void {
  const sm = (xs: Sample[]): string => `${rng(xs.map((x) => x.wall)).padEnd(19)} CPU ${rng(xs.map((x) => x.cpu)).padEnd(19)} minor faults ${med(xs.map((x) => x.minflt))}`;
  console.log('');
  console.log(`Where lvsd run's start goes (inside UML; median [min-max] of ${b.reps}; spawn to exit):`);
  console.log(`  node -e 0                           ${sm(b.nodeE0)}`);
  console.log(`  lvsd --version (bundle loaded)      ${sm(b.version)}`);
  console.log(`  lvsd run, missing file (run path)   ${sm(b.runMissing)}`);
  for (const s of b.sizes) {
    const rows = res[`${s.n}x${s.d}`] as Row[];
    const ka = med(rows.map((x) => x.keepalived.program));
    const pr = med(rows.map((x) => x.product.program));
    const p = (k: keyof Omit<typeof s.phases[number], 'table' | 'ops'>): string => rng(s.phases.map((x) => x[k] as number));
    console.log(`  ${s.n} x ${s.d}: keepalived ${ms(ka)} (half: ${ms(ka / 2)}); lvsd run ${ms(pr)}. In one process (per-file build, the daemon's order):`);
    console.log(`    node bootstrap ${p('nodeBootstrap')}; read + parse ${p('load')}; parts ${p('parts')}; notifications ${p('notify')}`);
    console.log(`    netlink open ${p('open')}; pool ${p('pool')}; pool start ${p('start')}, of which the reconciler's sync ${p('program')} (${s.phases[0]?.ops} operations)`);
    console.log(`    lvsd run with its metrics listener on 127.0.0.1:9650: ${rng(s.withMetrics.map((x) => x.program))} (off: ${ms(pr)}); its SIGTERM stop ${stops(s.withMetrics)}, left ${s.withMetrics.map((x) => left(x.left)).join(', ')}`);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
