// Benchmark: the checker pool with 10,000 real servers (TCP_CHECK, then HTTP_GET) at
// delay_loop 1 s against local listeners. Prints probes per second sustained, CPU seconds per
// 1,000 probes, peak RSS, and the lateness of probes against their schedule (p50 / p99, from
// the pool's own schedule and, for both lvsd and keepalived, from the listener's view: the time
// between two probes of one server beyond delay_loop). With --uml it also runs lvsd and Debian's
// keepalived (which needs IPVS to run its checker) on the same configuration in one UML boot
// pinned to one CPU, and prints the ratios.
// Usage: node dist/bench/check-probes.js [--kind tcp|http|both] [--servers 10000] [--seconds 20] [--uml] [--cpu 1]
//        [--node-args '--single-threaded-gc ...'] (node flags for the guest) [--lvsd-only] (UML: skip keepalived)
//        [--profile DIR] (lvsd: CPU profile and allocation samples of the measured window, for DevTools)
// Every lvsd line also prints the event loop's delay (p99 / max), the garbage collector's pauses,
// how long the main thread waited for a CPU, and how many CPUs the rest of the machine used in
// the window: a probe starts late when the loop or the probe thread was held, and these say by what.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance, PerformanceObserver } from 'node:perf_hooks';
import { Session } from 'node:inspector/promises';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { loadConfig } from '../src/config/load.js';
import { resolveLvs } from '../src/config/resolve-lvs.js';
import { CheckPool } from '../src/check/scheduler.js';

type Kind = 'tcp' | 'http';
const LISTEN_PORT = 18080;
export const C_LISTENER = String.raw`
/*
 * The benchmark's real servers: one epoll loop on 0.0.0.0:PORT answering every 127.1.x.y
 * destination (TCP: accept and close; HTTP: read the request, answer 200, close), recording for
 * each destination the gap between two probes beyond delay_loop. Written in C so the listener
 * costs both checkers as little CPU as possible. stdin: "reset" | "report".
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/epoll.h>
static double now_ms(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1e3 + t.tv_nsec / 1e6; }
static int cmp(const void *a, const void *b) { float x = *(const float *)a, y = *(const float *)b; return x < y ? -1 : x > y; }
#define MAXS 4000000
static float samples[MAXS];
static double last[65536];
int main(int argc, char **argv) {
  int http = argc > 1 && !strcmp(argv[1], "http");
  int port = argc > 2 ? atoi(argv[2]) : 18080;
  double loop = argc > 3 ? atof(argv[3]) : 1000;
  long accepted = 0, ns = 0;
  static const char reply[] = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nok\n";
  int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;
  setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
  if (bind(ls, (struct sockaddr *)&a, sizeof(a)) || listen(ls, 65535)) { perror("listen"); return 1; }
  int ep = epoll_create1(0);
  struct epoll_event ev = { .events = EPOLLIN, .data.fd = ls };
  epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev);
  ev.data.fd = 0;
  epoll_ctl(ep, EPOLL_CTL_ADD, 0, &ev);
  printf("READY\n"); fflush(stdout);
  struct epoll_event evs[512];
  char buf[4096];
  for (;;) {
    int n = epoll_wait(ep, evs, 512, -1);
    for (int i = 0; i < n; i++) {
      int fd = evs[i].data.fd;
      if (fd == ls) {
        for (;;) {
          struct sockaddr_in la; socklen_t ll = sizeof(la);
          int c = accept4(ls, NULL, NULL, SOCK_NONBLOCK);
          if (c < 0) break;
          accepted++;
          if (!getsockname(c, (struct sockaddr *)&la, &ll)) {
            unsigned ip = ntohl(la.sin_addr.s_addr) & 0xffff;
            double t = now_ms();
            if (last[ip] > 0 && ns < MAXS) samples[ns++] = (float)(t - last[ip] - loop);
            last[ip] = t;
          }
          if (!http) { close(c); continue; }
          struct epoll_event ce = { .events = EPOLLIN, .data.fd = c };
          epoll_ctl(ep, EPOLL_CTL_ADD, c, &ce);
        }
      } else if (fd == 0) {
        ssize_t r = read(0, buf, sizeof(buf) - 1);
        if (r <= 0) return 0;
        buf[r] = 0;
        if (strstr(buf, "reset")) { accepted = 0; ns = 0; printf("OK\n"); }
        else if (strstr(buf, "report")) {
          qsort(samples, (size_t)ns, sizeof(float), cmp);
          double p50 = ns ? samples[ns / 2] : 0, p99 = ns ? samples[(long)(ns * 0.99)] : 0;
          printf("{\"accepted\":%ld,\"p50\":%.3f,\"p99\":%.3f,\"samples\":%ld}\n", accepted, p50, p99, ns);
        }
        fflush(stdout);
      } else {
        ssize_t r = read(fd, buf, sizeof(buf));
        if (r > 0 && !memmem(buf, (size_t)r, "\r\n\r\n", 4)) continue; /* the rest of the request comes later */
        if (r > 0) { ssize_t w = write(fd, reply, sizeof(reply) - 1); (void)w; }
        close(fd);
      }
    }
  }
}
`;

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? (process.argv[i + 1] as string) : dflt;
}
const flag = (name: string): boolean => process.argv.includes(`--${name}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function rsAddress(i: number): string {
  return `127.1.${(i >> 8) & 255}.${(i & 255) + 1}`;
}

export function benchConf(kind: Kind, n: number): string {
  const check =
    kind === 'tcp'
      ? `TCP_CHECK {\n      connect_port ${LISTEN_PORT}\n      connect_timeout 3\n    }`
      : `HTTP_GET {\n      url {\n        path /health\n        status_code 200\n      }\n      connect_port ${LISTEN_PORT}\n      connect_timeout 3\n    }`;
  const out = ['global_defs {\n  router_id bench\n}', 'virtual_server 10.99.0.1 80 {\n  delay_loop 1\n  lb_algo rr\n  lb_kind NAT\n  protocol TCP'];
  for (let i = 0; i < n; i++) out.push(`  real_server ${rsAddress(i)} ${LISTEN_PORT} {\n    weight 1\n    ${check}\n  }`);
  out.push('}\n');
  return out.join('\n');
}

// ---------- listener (its own process) ----------

function listener(kind: Kind, loopMs: number): void {
  const last = new Map<string, number>();
  let accepted = 0;
  let excess: number[] = [];
  const reply = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nok\n');
  const srv = net.createServer((s) => {
    accepted++;
    const now = performance.now();
    const who = s.localAddress ?? '';
    const prev = last.get(who);
    last.set(who, now);
    if (prev !== undefined && excess.length < 2_000_000) excess.push(now - prev - loopMs);
    s.on('error', () => undefined);
    if (kind === 'tcp') {
      s.destroy();
      return;
    }
    let got = '';
    s.on('data', (d) => {
      got += d.toString('latin1');
      if (got.includes('\r\n\r\n')) s.end(reply);
    });
  });
  srv.listen({ port: LISTEN_PORT, host: '0.0.0.0', backlog: 8192 }, () => process.stdout.write('READY\n'));
  createInterface({ input: process.stdin }).on('line', (l) => {
    if (l === 'reset') {
      accepted = 0;
      excess = [];
      process.stdout.write('OK\n');
    } else if (l === 'report') {
      const s = Float64Array.from(excess).sort();
      const q = (p: number) => (s.length ? (s[Math.min(s.length - 1, Math.floor(p * s.length))] as number) : 0);
      process.stdout.write(`${JSON.stringify({ accepted, p50: q(0.5), p99: q(0.99), samples: s.length })}\n`);
    }
  });
}

/** The C listener (preferred: it leaves the CPU to the checkers), built with cc on first use. */
const LISTENER_C = `${C_LISTENER}`;
let cListener: string | null | undefined;
function buildCListener(): string | undefined {
  if (cListener !== undefined) return cListener ?? undefined;
  try {
    const dir = mkdtempSync(join(tmpdir(), 'lvsd-bench-listener-'));
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'l.c'), LISTENER_C);
    execFileSync('cc', ['-O2', '-o', join(dir, 'listener'), join(dir, 'l.c')], { stdio: 'ignore' });
    cListener = join(dir, 'listener');
  } catch {
    cListener = null;
  }
  return cListener ?? undefined;
}

class Listener {
  private constructor(
    private readonly p: ChildProcess,
    private readonly lines: AsyncIterator<string>,
  ) {}
  get pid(): number {
    return this.p.pid ?? 0;
  }
  static async start(kind: Kind): Promise<Listener> {
    const c = flag('node-listener') ? undefined : buildCListener();
    const argv = c ? [c, kind, String(LISTEN_PORT), '1000'] : [process.execPath, fileURLToPath(import.meta.url), '--role', 'listener', '--kind', kind];
    // Its own session (and so its own scheduler autogroup): the listener stands for servers on
    // other machines, and its CPU use should not count against the checker's share, nor the
    // checker's threads' priorities against it.
    const p = spawn(argv[0] as string, argv.slice(1), { stdio: ['pipe', 'pipe', 'inherit'], detached: true });
    const lines = createInterface({ input: p.stdout as NodeJS.ReadableStream })[Symbol.asyncIterator]();
    const l = new Listener(p, lines);
    await l.next();
    return l;
  }
  private async next(): Promise<string> {
    const r = await this.lines.next();
    if (r.done) throw new Error('listener ended');
    return r.value;
  }
  async reset(): Promise<void> {
    this.p.stdin?.write('reset\n');
    await this.next();
  }
  async report(): Promise<{ accepted: number; p50: number; p99: number; samples: number }> {
    this.p.stdin?.write('report\n');
    return JSON.parse(await this.next());
  }
  /** Kills the listener and waits for it to be gone (the next run binds the same port). */
  async stop(): Promise<void> {
    if (this.p.exitCode !== null || this.p.signalCode !== null) return;
    const gone = new Promise((r) => this.p.once('exit', r));
    this.p.kill('SIGKILL');
    await gone;
  }
}

export interface Measure {
  who: string;
  kind: Kind;
  servers: number;
  seconds: number;
  probesPerSec: number;
  cpuPer1000: number;
  cpuShare: number;
  peakRssMb: number;
  latenessP50: number;
  latenessP99: number;
  listenerExcessP50: number;
  listenerExcessP99: number;
  /** Event loop delay in the window (lvsd only), ms. */
  loopP99?: number;
  loopMax?: number;
  /** Garbage collector pauses in the window (lvsd only). */
  gcCount?: number;
  gcTotalMs?: number;
  gcMaxMs?: number;
  /** Time the main thread waited for a CPU (run queue) in the window, ms: other processes' share. */
  runqMs?: number;
  /** CPUs the rest of the machine used in the window (all busy time but lvsd's and the listener's). */
  otherCpus?: number;
}

/** Busy clock ticks of the whole machine (/proc/stat), of this process, and of process `pid`. */
function busyTicks(pid: number): { all: number; self: number; pid: number } {
  const c = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').split(/\s+/).slice(1).map(Number);
  const all = c.reduce((a, b) => a + b, 0) - (c[3] ?? 0) - (c[4] ?? 0);
  const ticks = (p: number | 'self'): number => {
    try {
      const st = readFileSync(`/proc/${p}/stat`, 'utf8');
      const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
      return Number(f[11]) + Number(f[12]);
    } catch {
      return 0;
    }
  };
  return { all, self: ticks('self'), pid: ticks(pid) };
}

/** The main thread's run-queue wait so far, ms (/proc/self/task/PID/schedstat, second field). */
function runqWaitMs(): number {
  try {
    return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[1]) / 1e6;
  } catch {
    return NaN;
  }
}

/** Event loop delay and GC pauses over a window, and optionally a CPU profile and allocation samples. */
class WindowDiag {
  private readonly h = monitorEventLoopDelay({ resolution: 5 });
  private readonly obs: PerformanceObserver;
  private gc: number[] = [];
  private session?: Session;
  private runq0 = 0;
  private busy0 = { all: 0, self: 0, pid: 0 };
  private t0 = 0;
  constructor(
    private readonly profileDir: string | undefined,
    /** The listener's pid: its CPU is not the rest of the machine's. */
    private readonly listenerPid: number,
  ) {
    this.obs = new PerformanceObserver((l) => {
      for (const e of l.getEntries()) this.gc.push(e.duration);
    });
  }
  async start(): Promise<void> {
    if (this.profileDir) {
      this.session = new Session();
      this.session.connect();
      await this.session.post('Profiler.enable');
      await this.session.post('Profiler.start');
      await this.session.post('HeapProfiler.enable');
      // Collected objects included: the point is what a probe allocates, not what stays.
      await this.session.post('HeapProfiler.startSampling', { samplingInterval: 16384, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true } as never);
    }
    this.gc = [];
    this.runq0 = runqWaitMs();
    this.busy0 = busyTicks(this.listenerPid);
    this.t0 = performance.now();
    this.obs.observe({ entryTypes: ['gc'] });
    this.h.reset();
    this.h.enable();
  }
  async stop(tag: string): Promise<{ loopP99: number; loopMax: number; gcCount: number; gcTotalMs: number; gcMaxMs: number; runqMs: number; otherCpus: number }> {
    const runqMs = runqWaitMs() - this.runq0;
    const b = busyTicks(this.listenerPid);
    const otherCpus = (b.all - this.busy0.all - (b.self - this.busy0.self) - (b.pid - this.busy0.pid)) / 100 / ((performance.now() - this.t0) / 1000);
    this.h.disable();
    this.obs.disconnect();
    if (this.session && this.profileDir) {
      const { profile } = (await this.session.post('Profiler.stop')) as { profile: unknown };
      const { profile: heap } = (await this.session.post('HeapProfiler.stopSampling')) as { profile: unknown };
      writeFileSync(join(this.profileDir, `${tag}.cpuprofile`), JSON.stringify(profile));
      writeFileSync(join(this.profileDir, `${tag}.heapprofile`), JSON.stringify(heap));
      this.session.disconnect();
    }
    return {
      loopP99: this.h.percentile(99) / 1e6,
      loopMax: this.h.max / 1e6,
      gcCount: this.gc.length,
      gcTotalMs: this.gc.reduce((a, b) => a + b, 0),
      gcMaxMs: this.gc.reduce((a, b) => Math.max(a, b), 0),
      runqMs,
      otherCpus,
    };
  }
}

// ---------- lvsd ----------

async function runLvsd(kind: Kind, n: number, seconds: number): Promise<Measure> {
  const dir = mkdtempSync(join(tmpdir(), 'lvsd-bench-'));
  const lis = await Listener.start(kind);
  try {
    const conf = join(dir, 'keepalived.conf');
    writeFileSync(conf, benchConf(kind, n));
    const parsed = loadConfig(conf);
    const lvs = resolveLvs(parsed.model);
    const pool = new CheckPool({ virtualServers: lvs.virtual_servers, sink: { setDesired: async () => undefined }, concurrency: { net: 8192 } });
    await pool.start();
    await sleep(2500); // warmup spreads the first probes over delay_loop
    const profileDir = arg('profile', '');
    const diag = new WindowDiag(profileDir || undefined, lis.pid);
    await diag.start();
    await lis.reset();
    pool.resetStats();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await sleep(seconds * 1000);
    const cpu = process.cpuUsage(c0);
    const wall = (performance.now() - t0) / 1000;
    const st = pool.stats();
    const d = await diag.stop(`lvsd-${kind}`);
    const lr = await lis.report();
    await pool.stop();
    const cpuS = (cpu.user + cpu.system) / 1e6;
    return {
      who: 'lvsd', kind, servers: n, seconds: wall,
      probesPerSec: st.probes / wall,
      cpuPer1000: cpuS / (st.probes / 1000),
      cpuShare: cpuS / wall,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
      latenessP50: st.lateness.p50,
      latenessP99: st.lateness.p99,
      listenerExcessP50: lr.p50,
      listenerExcessP99: lr.p99,
      ...d,
    };
  } finally {
    await lis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------- keepalived (inside UML: it needs IPVS to run its checker) ----------

function procCpu(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, clock ticks (USER_HZ 100)
}

function checkerPid(parent: number): number | undefined {
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent) return Number(d);
    } catch {
      /* gone */
    }
  }
  return undefined;
}

async function runKeepalived(kind: Kind, n: number, seconds: number): Promise<Measure> {
  const dir = mkdtempSync(join(tmpdir(), 'ka-bench-'));
  const lis = await Listener.start(kind);
  const conf = join(dir, 'keepalived.conf');
  writeFileSync(conf, benchConf(kind, n));
  const ka = spawn('keepalived', ['--dont-fork', '--log-console', '--no-syslog', '--check', '-f', conf, '-p', join(dir, 'k.pid'), '-c', join(dir, 'c.pid'), '-r', join(dir, 'v.pid')], { stdio: ['ignore', 'ignore', 'ignore'], detached: true });
  try {
    let pid: number | undefined;
    for (let i = 0; i < 100 && !pid; i++) {
      await sleep(100);
      pid = checkerPid(ka.pid as number);
    }
    if (!pid) throw new Error('keepalived checker process did not start');
    await sleep(2500 + n / 5); // programming 10,000 destinations takes a while in UML
    await lis.reset();
    const c0 = procCpu(pid);
    const t0 = performance.now();
    await sleep(seconds * 1000);
    const cpuS = procCpu(pid) - c0;
    const wall = (performance.now() - t0) / 1000;
    const lr = await lis.report();
    const hwm = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return {
      who: 'keepalived', kind, servers: n, seconds: wall,
      probesPerSec: lr.accepted / wall,
      cpuPer1000: cpuS / (lr.accepted / 1000),
      cpuShare: cpuS / wall,
      peakRssMb: Number(hwm?.[1] ?? 0) / 1024,
      latenessP50: NaN,
      latenessP99: NaN,
      listenerExcessP50: lr.p50,
      listenerExcessP99: lr.p99,
    };
  } finally {
    try {
      process.kill(-(ka.pid as number), 'SIGTERM');
    } catch {
      /* gone */
    }
    await sleep(3000);
    try {
      process.kill(-(ka.pid as number), 'SIGKILL');
    } catch {
      /* gone */
    }
    await lis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------- driver ----------

function print(m: Measure): void {
  const f = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '-');
  console.log(
    `${m.who.padEnd(10)} ${m.kind.padEnd(4)} ${String(m.servers).padStart(6)}  ${f(m.probesPerSec, 0).padStart(8)}/s  ${f(m.cpuPer1000, 3).padStart(6)} cpu-s/1k  ${f(m.cpuShare * 100, 0).padStart(3)}% cpu  ${f(m.peakRssMb, 0).padStart(5)} MB  lateness p50 ${f(m.latenessP50)} p99 ${f(m.latenessP99)} ms  listener gap-excess p50 ${f(m.listenerExcessP50)} p99 ${f(m.listenerExcessP99)} ms` +
      (m.loopMax !== undefined ? `  loop delay p99 ${f(m.loopP99 ?? NaN)} max ${f(m.loopMax)} ms  gc ${m.gcCount} pauses ${f(m.gcTotalMs ?? NaN, 0)} ms max ${f(m.gcMaxMs ?? NaN)} ms  run-queue wait ${f(m.runqMs ?? NaN, 0)} ms  other processes ${f(m.otherCpus ?? NaN, 2)} CPUs` : ''),
  );
}

async function main(): Promise<void> {
  const role = arg('role', 'driver');
  const kindArg = arg('kind', 'both');
  if (role === 'listener') return listener(kindArg as Kind, 1000);
  const kinds: Kind[] = kindArg === 'both' ? ['tcp', 'http'] : [kindArg as Kind];
  const n = Number(arg('servers', '10000'));
  const seconds = Number(arg('seconds', '20'));
  if (role === 'guest') {
    for (const k of kinds) {
      const l = await runLvsd(k, n, seconds);
      console.log(`RESULT ${JSON.stringify(l)}`);
      if (flag('lvsd-only')) continue;
      const ka = await runKeepalived(k, n, seconds);
      console.log(`RESULT ${JSON.stringify(ka)}`);
    }
    return;
  }
  console.log(`checker pool benchmark: ${n} real servers, delay_loop 1 s, ${seconds} s measured after a 2.5 s warm-up`);
  console.log('host (this machine, unpinned):');
  const host: Measure[] = [];
  for (const k of kinds) {
    const m = await runLvsd(k, n, seconds);
    host.push(m);
    print(m);
  }
  for (const m of host) console.log(scheduleVerdict(m));
  if (!flag('uml')) return;
  const { runInUml, umlMissing, describeUmlFailure } = await import('../test/lab/uml.js');
  const why = umlMissing();
  if (why) {
    console.log(`UML comparison skipped: ${why}`);
    return;
  }
  const cpu = arg('cpu', '1');
  console.log(`UML (Linux 6.1, pinned to host CPU ${cpu}), lvsd and keepalived ${'2.2.7'} on the same configuration:`);
  const nodeArgs = arg('node-args', '');
  if (nodeArgs) console.log(`(guest node started with ${nodeArgs})`);
  const r = await runInUml({ script: `ulimit -n 65536; exec ${JSON.stringify(process.execPath)} ${nodeArgs} ${JSON.stringify(fileURLToPath(import.meta.url))} --role guest --kind ${kindArg} --servers ${n} --seconds ${seconds}${flag('lvsd-only') ? ' --lvsd-only' : ''}` }, {
    cpu,
    // A probes addon built elsewhere (LVSD_PROBES_ADDON) is the one the guest loads too.
    ...(process.env.LVSD_PROBES_ADDON ? { env: { LVSD_PROBES_ADDON: process.env.LVSD_PROBES_ADDON } } : {}),
    timeoutMs: 3_600_000,
    memMb: 2048,
    onOutput: (s) => process.stderr.write(s.split('\n').filter((l) => l && !l.startsWith('RESULT ')).map((l) => `  [uml] ${l}\n`).join('')),
  });
  const res = r.output.split('\n').filter((l) => l.startsWith('RESULT ')).map((l) => JSON.parse(l.slice(7)) as Measure);
  if (r.code !== 0) console.log(describeUmlFailure(r));
  for (const m of res) print(m);
  for (const k of kinds) {
    const l = res.find((m) => m.who === 'lvsd' && m.kind === k);
    const ka = res.find((m) => m.who === 'keepalived' && m.kind === k);
    if (!l || !ka) continue;
    console.log(`${k}: lvsd/keepalived probes per second ${(l.probesPerSec / ka.probesPerSec).toFixed(2)}, CPU per probe ${(l.cpuPer1000 / ka.cpuPer1000).toFixed(2)}, peak RSS ${(l.peakRssMb / ka.peakRssMb).toFixed(2)}`);
    console.log(`${k}: lvsd CPU per probe no more than keepalived's: ${l.cpuPer1000 <= ka.cpuPer1000 ? 'yes' : 'no'} (${l.cpuPer1000.toFixed(3)} vs ${ka.cpuPer1000.toFixed(3)} cpu-s/1k)`);
    console.log(`UML ${scheduleVerdict(l)}; keepalived's listener gap-excess p99 ${ka.listenerExcessP99.toFixed(1)} ms`);
  }
}

/** Lateness target: both views of the schedule (the pool's own and the listener's) under 50 ms at p99. */
export const LATENESS_TARGET_MS = 50;

/**
 * Whether a run kept its schedule: a pool that falls behind accumulates lateness without bound, so
 * p99 lateness under the target is the test. Lateness is the pool's: from the time a probe was due
 * (delay_loop after the end of the previous one, keepalived's schedule) to the time a probe thread
 * really started it (queue time on the native worker included). The listener's gap-excess is
 * printed beside it as the real servers' cross-check; it also holds each probe's own duration
 * (connect, request, response), so it is the larger of the two. A run while the rest of the
 * machine used more than a fifth of a CPU is flagged as not conclusive.
 */
function scheduleVerdict(m: Measure): string {
  const ok = m.latenessP99 < LATENESS_TARGET_MS;
  const busy = (m.otherCpus ?? 0) > 0.2 ? ` (not conclusive: other processes used ${(m.otherCpus ?? 0).toFixed(2)} CPUs)` : '';
  return `${m.kind}: lvsd sustains the schedule with p99 lateness under ${LATENESS_TARGET_MS} ms: ${ok ? 'yes' : 'no'} (lateness p99 ${m.latenessP99.toFixed(1)} ms; the listener's gap-excess, probe duration included, p99 ${m.listenerExcessP99.toFixed(1)} ms; ${Math.round(m.probesPerSec)} probes/s for ${m.servers} servers)${busy}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
