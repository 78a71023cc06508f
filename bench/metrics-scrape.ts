// Benchmark: the cost of one /metrics scrape with a large IPVS table (fake dump data: the kernel dump
// itself is measured by bench/ipvs-program.ts) plus VRRP instances, and the cost of the busiest event
// handler (check.probe). Prints per-scrape wall time, CPU, the longest event-loop stall during a scrape,
// the body size (plain and gzip), and the HTTP round trip on 127.0.0.1.
// Usage: node dist/bench/metrics-scrape.js [--services N] [--dests N] [--runs N] [--backend-counters]
import { request } from 'node:http';
import { gzipSync } from 'node:zlib';
import { pathToFileURL } from 'node:url';
import { lvsBus } from '../src/events/lvs.js';
import { vrrpBus } from '../src/events/vrrp.js';
import type { InstanceReport } from '../src/daemon/status.js';
import type { DumpedServer, Stats } from '../src/ipvs/types.js';
import { startMetrics } from '../src/metrics/index.js';
import { emptyCounters } from '../src/vrrp/counters.js';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
}

function stats(n: number): Stats {
  const b = BigInt(n);
  return { conns: b, inpkts: b * 10n, outpkts: b * 9n, inbytes: b * 1500n, outbytes: b * 12000n, cps: 0n, inpps: 0n, outpps: 0n, inbps: 0n, outbps: 0n };
}

export function fakeTable(nSvc: number, nDest: number): DumpedServer[] {
  const out: DumpedServer[] = [];
  for (let i = 0; i < nSvc; i++) {
    const address = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    const dests = [];
    for (let r = 0; r < nDest; r++) {
      const n = i * nDest + r;
      dests.push({
        family: 'ipv4' as const,
        address: `172.${16 + ((n >> 16) & 15)}.${(n >> 8) & 255}.${n & 255}`,
        port: 8080,
        forwarding: 'route' as const,
        weight: 1 + (n % 5),
        upperThreshold: 0,
        lowerThreshold: 0,
        tunnelType: 'ipip' as const,
        tunnelPort: 0,
        tunnelFlags: 0,
        activeConns: n % 97,
        inactConns: n % 89,
        persistConns: 0,
        stats: stats(n * 1234567),
      });
    }
    out.push({
      service: { key: { kind: 'addr', family: 'ipv4', protocol: 'tcp', address, port: 80 }, scheduler: 'wrr', flags: 0, timeout: 0, netmask: 0xffffffff, pe: '', stats: stats(i * 7654321) },
      dests,
    });
  }
  return out;
}

function instances(n: number): InstanceReport[] {
  return Array.from({ length: n }, (_, i) => ({
    name: `VI_${i}`,
    vrid: (i % 255) + 1,
    interface: 'eth0',
    state: 'MASTER' as const,
    priority: 100,
    effectivePriority: 100,
    master: null,
    vips: [`192.0.2.${i % 250}/24`],
    vipsHeld: true,
    since: Date.now(),
    lastReason: 'startup',
    counters: emptyCounters(),
  }));
}

function get(port: number, gzip: boolean): Promise<{ ms: number; bytes: number }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: '/metrics', headers: gzip ? { 'Accept-Encoding': 'gzip' } : {} }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('end', () => resolve({ ms: performance.now() - t0, bytes }));
    })
      .on('error', reject)
      .end();
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  const nSvc = arg('services', 1000);
  const nDest = arg('dests', 10);
  const runs = arg('runs', 10);
  const table = fakeTable(nSvc, nDest);
  const vrrp = vrrpBus();
  const lvs = lvsBus();
  const m = await startMetrics({
    listen: { host: '127.0.0.1', port: 0 },
    version: 'bench',
    vrrp,
    lvs,
    instances: () => instances(20),
    ipvs: async () => table,
    ipvsBackendCounters: process.argv.includes('--backend-counters'),
  });
  try {
    // Longest stall of a 1 ms ticker while a scrape runs (what a VRRP advert timer would suffer).
    const wall: number[] = [];
    const cpu: number[] = [];
    const stall: number[] = [];
    let body = '';
    for (let i = 0; i < runs + 1; i++) {
      let last = performance.now();
      let worst = 0;
      const tick = setInterval(() => {
        const now = performance.now();
        worst = Math.max(worst, now - last);
        last = now;
      }, 1);
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      body = await m.scrape();
      const t1 = performance.now();
      const c = process.cpuUsage(c0);
      await new Promise((r) => setTimeout(r, 5));
      clearInterval(tick);
      worst = Math.max(worst, t1 - last);
      if (i === 0) continue; // warm-up
      wall.push(t1 - t0);
      cpu.push((c.user + c.system) / 1000);
      stall.push(worst);
    }
    const lines = body.split('\n').filter((l) => l && !l.startsWith('#')).length;
    const gz0 = performance.now();
    const gz = gzipSync(body).length;
    const gzMs = performance.now() - gz0;
    const http: number[] = [];
    const httpGz: number[] = [];
    let httpBytes = 0;
    let gzBytes = 0;
    for (let i = 0; i < Math.min(runs, 5); i++) {
      const r = await get(m.address!.port, false);
      http.push(r.ms);
      httpBytes = r.bytes;
      const z = await get(m.address!.port, true);
      httpGz.push(z.ms);
      gzBytes = z.bytes;
    }
    // check.probe handler: events per second through the metrics subscriber.
    const nEv = 200_000;
    const types = ['TCP_CHECK', 'HTTP_GET', 'MISC_CHECK'];
    const reasons = ['ok', 'ok', 'ok', 'timeout', 'refused'];
    const e0 = performance.now();
    for (let i = 0; i < nEv; i++) lvs.emit('check.probe', { type: types[i % 3]!, target: 'x', ok: true, reason: reasons[i % 5]!, ms: (i % 100) / 10 });
    const evUs = ((performance.now() - e0) * 1000) / nEv;

    console.log(`metrics scrape: ${nSvc} services x ${nDest} destinations, 20 VRRP instances, per-backend counters ${process.argv.includes('--backend-counters') ? 'on' : 'off'}, ${runs} runs (median)`);
    console.log(`  samples ${lines}, body ${(body.length / 1e6).toFixed(2)} MB (gzip ${(gz / 1e6).toFixed(2)} MB, gzip took ${gzMs.toFixed(0)} ms)`);
    console.log(`  registry.metrics(): wall ${median(wall).toFixed(1)} ms, CPU ${median(cpu).toFixed(1)} ms, longest event-loop stall ${median(stall).toFixed(1)} ms (max ${Math.max(...stall).toFixed(1)})`);
    console.log(`  HTTP GET /metrics on 127.0.0.1: ${median(http).toFixed(1)} ms, ${(httpBytes / 1e6).toFixed(2)} MB; with Accept-Encoding: gzip ${median(httpGz).toFixed(1)} ms, ${(gzBytes / 1e6).toFixed(2)} MB`);
    console.log(`  check.probe event -> metrics: ${evUs.toFixed(2)} us per event`);
    console.log(`  heap used ${(process.memoryUsage().heapUsed / 1e6).toFixed(0)} MB, rss ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB`);
  } finally {
    await m.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
