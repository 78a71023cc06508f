// Benchmark, guest side (runs inside UML, started by bench/ipvs-program.js): programs IPVS tables
// with lvsd, with `ipvsadm -R` and with keepalived (no checkers), times a one-weight change and
// a graceful stop, and prints one JSON line of results. `--child ...` is the bench's lvsd process
// (opens the client and programs directly), `--daemon keepalived|lvsd ...` times a daemon on the
// same keepalived.conf: keepalived --check, or the real CLI (`lvsd run --check-only`, the bundle),
// from spawn to the complete table by one netlink poll, then its SIGTERM stop. Every phase runs in
// a fresh network namespace: IPVS keeps deleted destinations in a per-namespace trash for minutes
// and scans it on every add, so a phase that followed a large flush in the same namespace would
// pay for its predecessor. `--breakdown` adds where lvsd's start goes (bench/ipvs-start-breakdown.ts).
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openIpvs, type IpvsClient } from '../src/ipvs/client.js';
import { Reconciler } from '../src/ipvs/reconcile.js';
import { makeDest, makeService, type ServiceKey, type VirtualServer } from '../src/ipvs/types.js';

const SELF = fileURLToPath(import.meta.url);
/** The `lvsd` program operators run: the esbuild bundle of the CLI beside this build's bench/ (or BENCH_LVSD_BUNDLE). */
export const BUNDLE = process.env.BENCH_LVSD_BUNDLE || fileURLToPath(new URL('../src/cli/lvsd.mjs', import.meta.url));
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

/**
 * The equivalent keepalived.conf. keepalived 2.2.7 reads both spellings; lvsd warns about the
 * deprecated ones (`lb_algo` / `lb_kind`, two lines per virtual server) and not the current ones.
 */
export function keepalivedConf(n: number, d: number, keywords: 'deprecated' | 'current' = 'deprecated'): string {
  const [sched, method] = keywords === 'current' ? ['lvs_sched', 'lvs_method'] : ['lb_algo', 'lb_kind'];
  const l: string[] = ['global_defs {', '  router_id bench', '}'];
  for (let i = 0; i < n; i++) {
    l.push(`virtual_server ${vip(i)} 80 {`, `  ${sched} wrr`, `  ${method} NAT`, '  protocol TCP');
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
export const count = (): { services: number; dests: number } => countText(readFileSync('/proc/net/ip_vs', 'utf8'));

let nsCounter = 0;
const namespaces: string[] = [];
/** A fresh network namespace for one phase (its own IPVS table and trash). */
export function freshNs(): string {
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
export function runIn(ns: string, argv: string[], opts: { input?: string } = {}): ReturnType<typeof spawnSync> & { stdout: string; stderr: string } {
  const [cmd, ...rest] = inNs(ns, argv);
  return spawnSync(cmd as string, rest, { encoding: 'utf8', maxBuffer: 64 << 20, ...opts }) as ReturnType<typeof spawnSync> & { stdout: string; stderr: string };
}
function countIn(ns: string): { services: number; dests: number } {
  return countText(runIn(ns, ['cat', '/proc/net/ip_vs']).stdout);
}
/**
 * Done with a phase's namespace: deleted at once, not at the end. Deleted destinations wait in the
 * namespace's trash for a while, and a 10,000 x 10 table is ~100 MB of kernel memory: kept for
 * every phase of three runs they filled the 1 GB guest until the OOM killer stopped a daemon. The
 * kernel frees the namespace in the background; the next phase starts after it had 3 s for that.
 */
function clearIn(ns: string): void {
  runIn(ns, ['ipvsadm', '-C']);
  if (spawnSync('ip', ['netns', 'del', ns]).status === 0) namespaces.splice(namespaces.indexOf(ns), 1);
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 3000);
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

export interface DaemonRun {
  /** Spawn to the complete table (the poll below), ms. */
  program: number;
  /** CPU time (user + system) of the daemon's process group when the table was complete, ms. */
  cpu: number;
  /** SIGTERM to exit, ms; null when the daemon had exited by itself after programming. */
  stop: number | null;
  /** The daemon exited by itself (nothing left running that holds its event loop). */
  selfExit: boolean;
  exit: number | null;
  left: { services: number; dests: number };
}

export type DaemonKind = 'keepalived' | 'lvsd';

/** Runs the daemon driver inside `ns` (the poller's netlink socket must live there too). */
export function daemonIn(ns: string, kind: DaemonKind, conf: string, n: number, d: number, extra: string[] = []): DaemonRun {
  const p = runIn(ns, [process.execPath, SELF, '--daemon', kind, conf, String(n), String(d), ...extra]);
  const line = p.stdout.split('\n').filter((l) => l.startsWith('{')).at(-1);
  if (!line) throw new Error(`${kind} driver failed: ${p.stdout}\n${p.stderr}`);
  return JSON.parse(line) as DaemonRun;
}

let clkTck: number | undefined;

/** utime + stime of every process in group `pgid` (from /proc/PID/stat), ms. */
function groupCpuMs(pgid: number): number {
  let ticks = 0;
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    let st: string;
    try {
      st = readFileSync(`/proc/${e}/stat`, 'utf8');
    } catch {
      continue;
    }
    const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
    if (Number(f[2]) === pgid) ticks += Number(f[11]) + Number(f[12]);
  }
  clkTck ??= Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;
  return (ticks * 1000) / clkTck;
}

/**
 * keepalived --check, or the real lvsd CLI (`lvsd run --check-only`, metrics listener and control
 * socket off unless `extra` says otherwise), on `conf`: spawn to complete table by one netlink poll
 * every 20 ms; then SIGTERM, timed to the daemon's exit, and what it left in the kernel.
 */
async function daemon(kind: DaemonKind, conf: string, n: number, d: number, extra: string[], poll: IpvsClient): Promise<DaemonRun> {
  let argv: string[];
  if (kind === 'keepalived') {
    const dir = mkdtempSync('/tmp/lvsd-bench-ka-');
    const f = (s: string): string => join(dir, s);
    argv = ['keepalived', '--dont-fork', '--no-syslog', '--check', '-f', conf, '-p', f('ka.pid'), '-c', f('check.pid'), '-r', f('vrrp.pid'), '-b', f('bfd.pid')];
  } else {
    if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: the bench needs the bundled CLI (make build)`);
    const flags = [...extra];
    if (!extra.includes('--metrics-listen')) flags.push('--metrics-listen', 'off');
    if (!extra.includes('--control-socket')) flags.push('--control-socket', 'off');
    // BENCH_LVSD_NODE_ARGS: node options for the product only (e.g. heap sizes), space-separated.
    const nodeArgs = (process.env.BENCH_LVSD_NODE_ARGS ?? '').split(' ').filter(Boolean);
    argv = [process.execPath, ...nodeArgs, BUNDLE, 'run', '--check-only', '-f', conf, ...flags];
  }
  // Its standard error goes to a file (tmpfs), read only when something failed: a pipe would make
  // this poller wake up for the configuration's warnings while keepalived writes nothing.
  const errFile = join(mkdtempSync('/tmp/lvsd-bench-err-'), 'stderr');
  const errFd = openSync(errFile, 'w');
  const stderrTail = (): string => readFileSync(errFile, 'utf8').slice(-4000);
  const t0 = performance.now();
  const p = spawn(argv[0] as string, argv.slice(1), { stdio: ['ignore', 'ignore', errFd], detached: true });
  closeSync(errFd);
  let exit: number | null | undefined;
  const exited = new Promise<void>((res) => p.on('exit', (code, sig) => ((exit = code ?? (sig ? -1 : null)), res())));
  const last = key(n - 1);
  // Both add each service, then its real servers, in config order: the last service with all its
  // destinations means the table is complete; one count confirms it (else the poll goes on).
  const complete = async (): Promise<boolean> => {
    if (!(await poll.getService(last))) return false;
    if ((await poll.dumpDests(last)).length !== d) return false;
    const c = count();
    return c.services === n && c.dests === n * d;
  };
  let done = false;
  await waitUntil(async () => (done = await complete()) || exit !== undefined, 600_000);
  const program = performance.now() - t0;
  const cpu = groupCpuMs(p.pid as number); // 0 once the process is gone
  if (!done) throw new Error(`${kind} did not program the table (exit ${String(exit)}): ${JSON.stringify(count())}\n${stderrTail()}`);
  // A daemon stays up once its table is in place; one that exits by itself within half a second
  // (lvsd run with nothing left holding its event loop) is reported as such, its stop not timed.
  await waitUntil(async () => exit !== undefined, 500);
  let stop: number | null = null;
  const selfExit = exit !== undefined;
  if (!selfExit) {
    const t1 = performance.now();
    process.kill(p.pid as number, 'SIGTERM');
    await exited;
    stop = performance.now() - t1;
  }
  // keepalived's checker child may still be running
  try {
    process.kill(-(p.pid as number), 'SIGKILL');
  } catch {
    /* group gone */
  }
  if (kind === 'lvsd' && exit !== 0) throw new Error(`lvsd run exited ${String(exit)}\n${stderrTail()}`);
  return { program, cpu, stop, selfExit, exit: exit ?? null, left: count() };
}

async function main(): Promise<void> {
  const runs = Number(process.env.BENCH_RUNS ?? 1);
  const sizes: [number, number][] = JSON.parse(process.env.BENCH_SIZES ?? '[[1000,10],[10000,10]]') as [number, number][];
  const stopSize: [number, number] = JSON.parse(process.env.BENCH_STOP ?? '[2000,20]') as [number, number];
  const breakdown = process.env.BENCH_BREAKDOWN === '1';
  const results: Record<string, unknown> = { runs, sizes, stopSize };
  const confDir = mkdtempSync('/tmp/lvsd-bench-conf-');
  const confOf = (n: number, d: number): string => {
    const f = join(confDir, `keepalived-${n}x${d}.conf`);
    if (!existsSync(f)) writeFileSync(f, keepalivedConf(n, d, process.env.BENCH_KEYWORDS === 'current' ? 'current' : 'deprecated'));
    return f;
  };
  try {
    for (const [n, d] of sizes) {
      const rows: Record<string, unknown>[] = [];
      const big = n === Math.max(...sizes.map((x) => x[0]));
      const conf = confOf(n, d);
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
        const ka = daemonIn(ns, 'keepalived', conf, n, d);
        clearIn(ns);
        ns = freshNs();
        const product = daemonIn(ns, 'lvsd', conf, n, d);
        clearIn(ns);
        rows.push({ lvsd: l, lvsdCount: lc, ipvsadmR: r, ipvsadmCount: rc, keepalived: ka, product });
      }
      results[`${n}x${d}`] = rows;
    }
    if (breakdown) {
      const { startBreakdown } = await import('./ipvs-start-breakdown.js');
      results.breakdown = await startBreakdown(sizes.map(([n, d]) => ({ n, d, conf: confOf(n, d) })));
    }
    const [sn, sd] = stopSize;
    if (sn > 0) {
      let ns = freshNs();
      const ls = lvsd(ns, sn, sd, '--stop');
      const lsLeft = countIn(ns);
      clearIn(ns);
      ns = freshNs();
      const ka = daemonIn(ns, 'keepalived', confOf(sn, sd), sn, sd);
      clearIn(ns);
      ns = freshNs();
      const product = daemonIn(ns, 'lvsd', confOf(sn, sd), sn, sd);
      clearIn(ns);
      // A restart: each daemon started again in the namespace it has just stopped in, where the
      // kernel still holds the removed destinations in its trash list (searched on every add).
      const restart: Record<string, { first: DaemonRun; again: DaemonRun }> = {};
      for (const kind of ['keepalived', 'lvsd'] as const) {
        ns = freshNs();
        const first = daemonIn(ns, kind, confOf(sn, sd), sn, sd);
        const again = daemonIn(ns, kind, confOf(sn, sd), sn, sd);
        clearIn(ns);
        restart[kind] = { first, again };
      }
      results.stop = { lvsd: ls, lvsdLeft: lsLeft, keepalived: ka, product, restart };
    }
  } finally {
    for (const ns of namespaces) spawnSync('ip', ['netns', 'del', ns]);
  }
  console.log(`RESULT ${JSON.stringify(results)}`);
}

async function daemonDriver(argv: string[]): Promise<void> {
  const [kind, conf, n, d, ...extra] = argv;
  if (kind !== 'keepalived' && kind !== 'lvsd') throw new Error(`--daemon keepalived|lvsd, not ${String(kind)}`);
  const poll = await openIpvs();
  try {
    console.log(JSON.stringify(await daemon(kind, conf as string, Number(n), Number(d), extra, poll)));
  } finally {
    poll.close();
  }
}

const fail = (e: unknown): void => {
  console.error(e);
  process.exitCode = 1;
};
if (process.argv[1] === SELF) {
  if (process.argv[2] === '--child') child(process.argv.slice(3)).catch(fail);
  else if (process.argv[2] === '--daemon') daemonDriver(process.argv.slice(3)).catch(fail);
  else main().catch(fail);
}
