// Benchmark: parse a generated keepalived.conf of 10,000 virtual servers x 10 real servers with
// `lvsd check-config` and with `keepalived -t`, in the same run; print wall and CPU (user + system)
// times, their ratios and peak memory. On a shared machine the CPU ratio is the fairer one.
// Usage: node dist/bench/config-parse.js [--vs N] [--rs N] [--runs N]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
}

export function generate(nVs: number, nRs: number): string {
  const out: string[] = ['global_defs {', '    router_id bench', '}', ''];
  for (let i = 0; i < nVs; i++) {
    const vip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    out.push(
      `virtual_server ${vip} 80 {`,
      '  delay_loop 6',
      '  lvs_sched wrr',
      '  lvs_method DR',
      '  protocol TCP',
      '  persistence_timeout 50',
    );
    for (let r = 0; r < nRs; r++) {
      const n = i * nRs + r;
      out.push(
        `  real_server 172.${16 + ((n >> 16) & 15)}.${(n >> 8) & 255}.${n & 255} 80 {`,
        '    weight 1',
        '    HTTP_GET {',
        '      url {',
        '        path /health',
        '        status_code 200',
        '      }',
        '      connect_timeout 3',
        '      retry 3',
        '    }',
        '  }',
      );
    }
    out.push('}', '');
  }
  return out.join('\n');
}

interface Run {
  seconds: number;
  /** User + system CPU seconds. */
  cpu: number;
  maxRssKb: number;
  status: number | null;
}

function timed(argv: string[]): Run {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M %U %S', ...argv], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const last = (r.stderr.trim().split('\n').pop() ?? '').trim();
  const [s, kb, user, sys] = last.split(' ').map(Number);
  return { seconds: s ?? NaN, cpu: (user ?? NaN) + (sys ?? NaN), maxRssKb: kb ?? NaN, status: r.status };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

function main(): void {
  const nVs = arg('vs', 10000);
  const nRs = arg('rs', 10);
  const runs = arg('runs', 3);
  const dir = mkdtempSync(join(tmpdir(), 'lvsd-bench-'));
  try {
    const file = join(dir, 'big.conf');
    writeFileSync(file, generate(nVs, nRs));
    const mb = statSync(file).size / 1e6;
    console.log(`config: ${nVs} virtual servers x ${nRs} real servers, ${mb.toFixed(1)} MB, ${runs} runs each`);
    const lvsdMain = join(process.cwd(), 'dist', 'src', 'cli', 'main.js');
    const tools: [string, string[]][] = [
      ['keepalived -t', ['keepalived', '-t', '-f', file, '-p', join(dir, 'k.pid'), '-c', join(dir, 'c.pid'), '-r', join(dir, 'r.pid')]],
      ['lvsd check-config', [process.execPath, lvsdMain, 'check-config', '--no-host-checks', '-f', file]],
    ];
    const results = new Map<string, Run[]>();
    for (let i = 0; i < runs; i++) {
      for (const [name, argv] of tools) {
        const r = timed(argv);
        results.set(name, [...(results.get(name) ?? []), r]);
      }
    }
    const rows = [...results].map(([name, rs]) => ({
      name,
      med: median(rs.map((r) => r.seconds)),
      min: Math.min(...rs.map((r) => r.seconds)),
      cpu: median(rs.map((r) => r.cpu)),
      rss: Math.max(...rs.map((r) => r.maxRssKb)) / 1024,
      status: rs.map((r) => r.status).join(','),
    }));
    console.log('tool                 median_s  min_s  median_cpu_s  peak_rss_MB  exit');
    for (const r of rows) console.log(`${r.name.padEnd(20)} ${r.med.toFixed(2).padStart(8)} ${r.min.toFixed(2).padStart(6)} ${r.cpu.toFixed(2).padStart(13)} ${r.rss.toFixed(0).padStart(12)}  ${r.status}`);
    const k = rows[0] as (typeof rows)[number];
    const l = rows[1] as (typeof rows)[number];
    console.log(`ratio lvsd/keepalived (median): ${(l.med / k.med).toFixed(2)}  (target <= 1.5; lvsd peak RSS target < 300 MB: ${l.rss.toFixed(0)} MB)`);
    console.log(`ratio lvsd/keepalived (median CPU): ${(l.cpu / k.cpu).toFixed(2)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Run only as a program, not when imported (tests reuse generate()).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
