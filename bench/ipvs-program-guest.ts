// Benchmark, guest side (runs inside UML, started by bench/ipvs-program.js): programs IPVS tables
// with lvsd, with `ipvsadm -R` and with keepalived (no checkers), times a one-weight change and
// a graceful stop, and prints one JSON line of results. `--child ...` is the lvsd process itself,
// `--keepalived ...` the keepalived driver. Every phase runs in a fresh network namespace: IPVS
// keeps deleted destinations in a per-namespace trash for minutes and scans it on every add, so
// a phase that followed a large flush in the same namespace would pay for its predecessor.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openIpvs, type IpvsClient } from '../src/ipvs/client.js';
import { Reconciler } from '../src/ipvs/reconcile.js';
import { makeDest, makeService, type ServiceKey, type VirtualServer } from '../src/ipvs/types.js';

const SELF = fileURLToPath(import.meta.url);
const vip = (i: number): string => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
const rs = (i: number, r: number): string => `172.${16 + r}.${(i >> 8) & 255}.${i & 255}`;
const key = (i: number): ServiceKey => ({ kind: 'addr', family: 'ipv4', protocol: 'tcp', address: vip(i), port: 80 });

export function table(n: number, d: number, changed?: { i: number; r: number; weight: number }): VirtualServer[] {
  const out: VirtualServer[] = [];
  for (let i = 0; i < n; i++) {
    out.push({
      service: makeService(key(i), { scheduler: 'wrr' }),
      dests: Array.from({ length: d }, (_, r) =>
        makeDest('ipv4', rs(i, r), 80, { forwarding: 'masq', weight: changed && changed.i === i && changed.r === r ? changed.weight : 1 }),
      ),
    });
  }
  return out;
}

function rules(n: number, d: number): string {
  const l: string[] = [];
  for (let i = 0; i < n; i++) {
    l.push(`-A -t ${vip(i)}:80 -s wrr`);
    for (let r = 0; r < d; r++) l.push(`-a -t ${vip(i)}:80 -r ${rs(i, r)}:80 -m -w 1`);
  }
  return `${l.join('\n')}\n`;
}

function keepalivedConf(n: number, d: number): string {
  const l: string[] = ['global_defs {', '  router_id bench', '}'];
  for (let i = 0; i < n; i++) {
    l.push(`virtual_server ${vip(i)} 80 {`, '  lb_algo wrr', '  lb_kind NAT', '  protocol TCP');
    for (let r = 0; r < d; r++) l.push(`  real_server ${rs(i, r)} 80 {`, '    weight 1', '  }');
    l.push('}');
  }
  return `${l.join('\n')}\n`;
}

/** Services and destinations in the kernel, from /proc/net/ip_vs (one read, no netlink). */
function countText(text: string): { services: number; dests: number } {
  const lines = text.split('\n').slice(3).filter(Boolean);
  const dests = lines.filter((l) => l.startsWith('  ->')).length;
  return { services: lines.length - dests, dests };
}
const count = (): { services: number; dests: number } => countText(readFileSync('/proc/net/ip_vs', 'utf8'));

let nsCounter = 0;
const namespaces: string[] = [];
/** A fresh network namespace for one phase (its own IPVS table and trash). */
function freshNs(): string {
  const ns = `lvsd-bench-${process.pid}-${++nsCounter}`;
  const r = spawnSync('ip', ['netns', 'add', ns]);
  if (r.status !== 0) throw new Error(`ip netns add ${ns}: ${r.stderr}`);
  namespaces.push(ns);
  // IPVS refuses a destination whose address type is not unicast: a namespace needs its routes (lo up).
  runIn(ns, ['ip', 'link', 'set', 'lo', 'up']);
  return ns;
}
const inNs = (ns: string, argv: string[]): string[] => ['ip', 'netns', 'exec', ns, ...argv];
/** spawnSync of `argv` inside `ns`. */
function runIn(ns: string, argv: string[], opts: { input?: string } = {}): ReturnType<typeof spawnSync> & { stdout: string; stderr: string } {
  const [cmd, ...rest] = inNs(ns, argv);
  return spawnSync(cmd as string, rest, { encoding: 'utf8', maxBuffer: 64 << 20, ...opts }) as ReturnType<typeof spawnSync> & { stdout: string; stderr: string };
}
function countIn(ns: string): { services: number; dests: number } {
  return countText(runIn(ns, ['cat', '/proc/net/ip_vs']).stdout);
}
function clearIn(ns: string): void {
  runIn(ns, ['ipvsadm', '-C']);
}

// ---------------------------------------------------------------------------------------------
// The lvsd side, in its own process: opens the client, programs, optionally changes one weight
// and stops; prints timings (ms) from inside and counters.

async function child(argv: string[]): Promise<void> {
  const [nS, dS, ...flags] = argv;
  const n = Number(nS);
  const d = Number(dS);
  const t0 = performance.now();
  const desired = table(n, d);
  const tModel = performance.now();
  const k: IpvsClient = await openIpvs();
  const r = new Reconciler({ kernel: k, driftIntervalMs: 0 });
  const tOpen = performance.now();
  const res = await r.setDesired(desired);
  const tDone = performance.now();
  const out: Record<string, unknown> = {
    model: tModel - t0,
    open: tOpen - tModel,
    program: tDone - tOpen,
    ops: res.ops.length,
    failed: res.failed.length,
    window: k.window,
    datagrams: k.counters.datagramsSent,
  };
  if (flags.includes('--weight')) {
    const tm = performance.now();
    const next = table(n, d, { i: n - 1, r: d - 1, weight: 5 }); // the config layer's work, timed apart
    const sent = k.counters.messagesSent;
    const t1 = performance.now();
    const w = await r.setDesired(next);
    out.weight = { ms: performance.now() - t1, model: t1 - tm, ops: w.ops.length, messages: k.counters.messagesSent - sent };
  }
  if (flags.includes('--stop')) {
    const t1 = performance.now();
    const st = await r.stop();
    out.stop = { ms: performance.now() - t1, removed: st.removed, left: st.left.length };
  }
  k.close();
  console.log(JSON.stringify(out));
}

interface LvsdRun {
  wall: number;
  inside: Record<string, number | object>;
}

function lvsd(ns: string, n: number, d: number, ...flags: string[]): LvsdRun {
  const t0 = performance.now();
  const p = runIn(ns, [process.execPath, SELF, '--child', String(n), String(d), ...flags]);
  const wall = performance.now() - t0;
  const line = p.stdout.split('\n').filter((l) => l.startsWith('{')).at(-1);
  if (!line) throw new Error(`lvsd child failed: ${p.stdout}\n${p.stderr}`);
  return { wall, inside: JSON.parse(line) as Record<string, number> };
}

function ipvsadmRestore(ns: string, n: number, d: number): number {
  const text = rules(n, d);
  const t0 = performance.now();
  const p = runIn(ns, ['ipvsadm', '-R'], { input: text });
  if (p.status !== 0) throw new Error(`ipvsadm -R: ${p.stderr}`);
  return performance.now() - t0;
}

async function waitUntil(pred: () => Promise<boolean>, timeoutMs: number, stepMs = 20): Promise<boolean> {
  const end = performance.now() + timeoutMs;
  while (performance.now() < end) {
    if (await pred()) return true;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  return false;
}

interface KaRun {
  program: number;
  stop: number;
  left: { services: number; dests: number };
}

/** Runs the keepalived driver inside `ns` (the poller's netlink socket must live there too). */
function keepalivedIn(ns: string, n: number, d: number): KaRun {
  const p = runIn(ns, [process.execPath, SELF, '--keepalived', String(n), String(d)]);
  const line = p.stdout.split('\n').filter((l) => l.startsWith('{')).at(-1);
  if (!line) throw new Error(`keepalived driver failed: ${p.stdout}\n${p.stderr}`);
  return JSON.parse(line) as KaRun;
}

/** keepalived --check on the equivalent config: start to complete table; then SIGTERM. */
async function keepalived(n: number, d: number, poll: IpvsClient): Promise<KaRun> {
  const dir = mkdtempSync('/tmp/lvsd-bench-ka-');
  const conf = join(dir, 'keepalived.conf');
  writeFileSync(conf, keepalivedConf(n, d));
  const f = (s: string): string => join(dir, s);
  const t0 = performance.now();
  const p = spawn('keepalived', ['--dont-fork', '--no-syslog', '--check', '-f', conf, '-p', f('ka.pid'), '-c', f('check.pid'), '-r', f('vrrp.pid'), '-b', f('bfd.pid')], {
    stdio: 'ignore',
    detached: true,
  });
  const exited = new Promise<void>((res) => p.on('exit', () => res()));
  const last = key(n - 1);
  // keepalived adds each service, then its real servers, in config order: the last service with
  // all its destinations means the table is complete (checked with one count afterwards).
  const done = await waitUntil(async () => {
    if (!(await poll.getService(last))) return false;
    return (await poll.dumpDests(last)).length === d;
  }, 600_000);
  const program = performance.now() - t0;
  const c = count();
  if (!done || c.services !== n || c.dests !== n * d) throw new Error(`keepalived table incomplete: ${JSON.stringify(c)}`);
  const t1 = performance.now();
  process.kill(p.pid as number, 'SIGTERM');
  await exited;
  const stop = performance.now() - t1;
  // its checker child may still be running
  try {
    process.kill(-(p.pid as number), 'SIGKILL');
  } catch {
    /* group gone */
  }
  return { program, stop, left: count() };
}

async function main(): Promise<void> {
  const runs = Number(process.env.BENCH_RUNS ?? 1);
  const sizes: [number, number][] = JSON.parse(process.env.BENCH_SIZES ?? '[[1000,10],[10000,10]]') as [number, number][];
  const stopSize: [number, number] = JSON.parse(process.env.BENCH_STOP ?? '[2000,20]') as [number, number];
  const results: Record<string, unknown> = { runs, sizes, stopSize };
  try {
    for (const [n, d] of sizes) {
      const rows: Record<string, unknown>[] = [];
      const big = n === Math.max(...sizes.map((x) => x[0]));
      for (let k = 0; k < runs; k++) {
        let ns = freshNs();
        const l = lvsd(ns, n, d, ...(big ? ['--weight'] : []));
        const lc = countIn(ns);
        clearIn(ns);
        ns = freshNs();
        const r = ipvsadmRestore(ns, n, d);
        const rc = countIn(ns);
        clearIn(ns);
        ns = freshNs();
        const ka = keepalivedIn(ns, n, d);
        clearIn(ns);
        rows.push({ lvsd: l, lvsdCount: lc, ipvsadmR: r, ipvsadmCount: rc, keepalived: ka });
      }
      results[`${n}x${d}`] = rows;
    }
    const [sn, sd] = stopSize;
    let ns = freshNs();
    const ls = lvsd(ns, sn, sd, '--stop');
    const lsLeft = countIn(ns);
    clearIn(ns);
    ns = freshNs();
    const ka = keepalivedIn(ns, sn, sd);
    clearIn(ns);
    results.stop = { lvsd: ls, lvsdLeft: lsLeft, keepalived: ka };
  } finally {
    for (const ns of namespaces) spawnSync('ip', ['netns', 'del', ns]);
  }
  console.log(`RESULT ${JSON.stringify(results)}`);
}

async function keepalivedDriver(argv: string[]): Promise<void> {
  const poll = await openIpvs();
  try {
    console.log(JSON.stringify(await keepalived(Number(argv[0]), Number(argv[1]), poll)));
  } finally {
    poll.close();
  }
}

if (process.argv[2] === '--child') {
  child(process.argv.slice(3)).catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
} else if (process.argv[2] === '--keepalived') {
  keepalivedDriver(process.argv.slice(3)).catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
} else if (process.argv[1] === SELF) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
