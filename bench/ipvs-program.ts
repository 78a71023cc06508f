// Benchmark: program IPVS from empty (1,000 x 10 and 10,000 x 10) with lvsd, `ipvsadm -R` and
// keepalived (no checkers) in one UML boot pinned to one CPU; one weight change on the large
// table; a graceful stop of 2,000 x 20. Prints times and ratios.
// Usage: node dist/bench/ipvs-program.js [--runs N] [--sizes '[[1000,10],[10000,10]]'] [--stop '[2000,20]'] [--cpu 1]
import { fileURLToPath } from 'node:url';
import { runInUml, umlMissing, describeUmlFailure } from '../test/lab/uml.js';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? (process.argv[i + 1] as string) : dflt;
}

const MODULES = ['ip_vs', 'ip_vs_rr', 'ip_vs_wrr', 'ip_vs_wlc', 'ip_vs_sh', 'veth', 'bridge'];

interface KaResult {
  program: number;
  stop: number;
  left: { services: number; dests: number };
}
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
}

const ms = (x: number): string => `${(x / 1000).toFixed(2)} s`;
const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function main(): Promise<void> {
  const why = umlMissing();
  if (why) {
    console.error(`ipvs-program: ${why}`);
    process.exitCode = 2;
    return;
  }
  const guest = fileURLToPath(new URL('./ipvs-program-guest.js', import.meta.url));
  const cpu = arg('cpu', '1');
  const env = { BENCH_RUNS: arg('runs', '1'), BENCH_SIZES: arg('sizes', '[[1000,10],[10000,10]]'), BENCH_STOP: arg('stop', '[2000,20]') };
  console.log(`IPVS programming benchmark in UML (Linux 6.1), pinned to host CPU ${cpu}; runs per size: ${env.BENCH_RUNS}`);
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
  const res = JSON.parse(line.slice(7)) as Record<string, unknown> & { sizes: [number, number][]; stop: { lvsd: LvsdResult; lvsdLeft: { services: number; dests: number }; keepalived: KaResult } };
  console.log('');
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
  const st = res.stop;
  const [sn, sd] = res.sizes.length ? (res.stopSize as [number, number]) : [0, 0];
  console.log('');
  console.log(`graceful stop of ${sn} x ${sd}:`);
  console.log(`  lvsd        ${ms(st.lvsd.inside.stop!.ms)}, removed ${st.lvsd.inside.stop!.removed} services, left in kernel: ${st.lvsdLeft.services} services / ${st.lvsdLeft.dests} destinations`);
  console.log(`  keepalived  ${ms(st.keepalived.stop)} (SIGTERM to exit), left in kernel: ${st.keepalived.left.services} services / ${st.keepalived.left.dests} destinations`);
  console.log(`  (programming that table: lvsd ${ms(st.lvsd.inside.program)}, keepalived ${ms(st.keepalived.program)})`);
  console.log(`\nUML wall time ${ms(r.wallMs)}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
