// Benchmark: the product's start only, A/B. In one UML boot pinned to one CPU, keepalived (no
// checkers) and one or more lvsd bundles (`lvsd run --check-only`, metrics and control socket off)
// program the same keepalived.conf from empty, interleaved run by run, each in a fresh network
// namespace, timed from spawn to the complete table as bench/ipvs-program.ts times them; plus
// spawn-to-exit of `node -e 0` and of each bundle's `--version`. Shorter than ipvs-program.js
// (no bench child, no ipvsadm -R, no stop or breakdown): for comparing builds of the start.
// Usage: node dist/bench/ipvs-start-ab.js [--bundles a.mjs,b.mjs] [--sizes '[[1000,10],[10000,10]]'] [--runs 3] [--cpu 1]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeUmlFailure, runInUml, umlMissing } from '../test/lab/uml.js';

const SELF = fileURLToPath(import.meta.url);
const MODULES = ['ip_vs', 'ip_vs_rr', 'ip_vs_wrr', 'ip_vs_wlc', 'ip_vs_sh'];

interface Result {
  sizes: [number, number][];
  bundles: string[];
  nodeE0: number[];
  version: Record<string, number[]>;
  /** `${n}x${d}` -> 'keepalived' | bundle -> spawn-to-table ms per run. */
  table: Record<string, Record<string, number[]>>;
}

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? (process.argv[i + 1] as string) : dflt;
}

const med = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const h = Math.floor(s.length / 2);
  return s.length % 2 ? (s[h] as number) : ((s[h - 1] as number) + (s[h] as number)) / 2;
};
const sec = (x: number): string => (x / 1000).toFixed(2);
const rng = (xs: number[]): string => `${sec(med(xs))} [${sec(Math.min(...xs))}-${sec(Math.max(...xs))}]`;

async function guest(): Promise<void> {
  const g = await import('./ipvs-program-guest.js');
  const bundles = JSON.parse(process.env.AB_BUNDLES as string) as string[];
  const sizes = JSON.parse(process.env.AB_SIZES as string) as [number, number][];
  const runs = Number(process.env.AB_RUNS);
  const wall = (argv: string[]): number => {
    const t0 = performance.now();
    const p = spawnSync(argv[0] as string, argv.slice(1), { stdio: 'ignore' });
    if (p.status !== 0) throw new Error(`${argv.join(' ')}: exit ${String(p.status)}`);
    return performance.now() - t0;
  };
  const out: Result = { sizes, bundles, nodeE0: [], version: {}, table: {} };
  for (let k = 0; k < runs; k++) {
    out.nodeE0.push(wall([process.execPath, '-e', '0']));
    for (const b of bundles) (out.version[b] ??= []).push(wall([process.execPath, b, '--version']));
  }
  const dir = mkdtempSync('/tmp/lvsd-ab-');
  for (const [n, d] of sizes) {
    const conf = join(dir, `keepalived-${n}x${d}.conf`);
    writeFileSync(conf, g.keepalivedConf(n, d));
    const row: Record<string, number[]> = {};
    for (let k = 0; k < runs; k++) {
      // keepalived, then the bundles in an order that turns each run.
      const order = ['keepalived', ...bundles.map((_, i) => bundles[(i + k) % bundles.length] as string)];
      for (const who of order) {
        const ns = g.freshNs();
        if (who !== 'keepalived') process.env.BENCH_LVSD_BUNDLE = who;
        const r = g.daemonIn(ns, who === 'keepalived' ? 'keepalived' : 'lvsd', conf, n, d);
        (row[who] ??= []).push(r.program);
        spawnSync('ip', ['netns', 'del', ns]);
      }
    }
    out.table[`${n}x${d}`] = row;
  }
  console.log(`RESULT ${JSON.stringify(out)}`);
}

async function host(): Promise<void> {
  const why = umlMissing();
  if (why) {
    console.error(`ipvs-start-ab: ${why}`);
    process.exitCode = 2;
    return;
  }
  const dflt = fileURLToPath(new URL('../src/cli/lvsd.mjs', import.meta.url));
  const bundles = arg('bundles', dflt).split(',').map((b) => resolve(b));
  const cpu = arg('cpu', '1');
  const env = { AB_BUNDLES: JSON.stringify(bundles), AB_SIZES: arg('sizes', '[[1000,10],[10000,10]]'), AB_RUNS: arg('runs', '3') };
  console.log(`lvsd run --check-only vs keepalived --check in UML, pinned to host CPU ${cpu}; ${env.AB_RUNS} run(s); median [min-max] s`);
  const r = await runInUml({ script: `exec ${JSON.stringify(process.execPath)} ${JSON.stringify(SELF)} --guest` }, { cpu, env, modules: MODULES, timeoutMs: 3_600_000 });
  const line = r.output.split('\n').find((l) => l.startsWith('RESULT '));
  if (r.code !== 0 || !line) {
    console.error(describeUmlFailure(r));
    process.exitCode = 1;
    return;
  }
  const res = JSON.parse(line.slice(7)) as Result;
  console.log(`node -e 0: ${rng(res.nodeE0)}`);
  for (const b of res.bundles) console.log(`${b} --version: ${rng(res.version[b] as number[])}`);
  for (const [n, d] of res.sizes) {
    const row = res.table[`${n}x${d}`] as Record<string, number[]>;
    const ka = row.keepalived as number[];
    console.log(`${n} x ${d}: keepalived ${rng(ka)}`);
    for (const b of res.bundles) {
      const xs = row[b] as number[];
      const ratios = xs.map((x, i) => x / (ka[i] as number));
      console.log(`  ${b}: ${rng(xs)}; / keepalived ${med(ratios).toFixed(2)} [${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}]`);
    }
  }
  console.log(`UML wall time ${sec(r.wallMs)} s`);
}

(process.argv[2] === '--guest' ? guest() : host()).catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
