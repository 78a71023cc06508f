// Guest test (runs inside UML, booted by test/ns/check-keepalived-uml.test.ts): keepalived and
// `lvsd run --check-only` side by side on the same keepalived.conf (the seed
// lvs-dr-backup-sorry.conf adapted to the lab's `lvs` topology: NAT, two real servers with
// HTTP_GET, nb_get_retry, inhibit_on_failure on one, a sorry server) and the same fault
// sequence (stop rs1, stop rs2, start rs1, start rs2). The `ipvsadm -Ln` table each settles
// on after every fault must be identical, and the time from each fault to its table change
// must be within the bounds the configured timing allows, for both.
// Run with --ipvs-poll it is instead the table poller: one netlink dump every 50 ms in the
// director's namespace, printing a line at each change (no ipvsadm fork per poll).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Lab, type Host } from '../lab/netns.js';
import { lvs, type LvsTopology } from '../lab/topologies.js';
import { HttpServer } from '../lab/http.js';
import { Keepalived } from '../lab/keepalived.js';
import type { LabProcess } from '../lab/proc.js';
import { worstDetectionMs, worstRecoveryMs, type CheckerTiming } from '../../src/check/policy.js';

const SELF = fileURLToPath(import.meta.url);
const LVSD = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

if (process.argv.includes('--ipvs-poll')) await poll();
else register();

async function poll(): Promise<void> {
  const { openIpvs } = await import('../../src/ipvs/client.js');
  const k = await openIpvs();
  let last = '';
  process.stdout.write('polling\n');
  for (;;) {
    const t = await k.dumpTable();
    const rows = t.flatMap((s) => s.dests.map((d) => `${d.address}:${d.port} ${d.forwarding} w${d.weight}`)).sort();
    const s = `${t.length} ${JSON.stringify(rows)}`;
    if (s !== last) {
      process.stdout.write(`table ${Date.now()} ${s}\n`);
      last = s;
    }
    await sleep(50);
  }
}

const TIMING: CheckerTiming = { flavor: 'http', delayLoopMs: 2000, delayBeforeRetryMs: 1000, warmupMs: 2000, retry: 1, alpha: false };
const PROBE_MS = 1000; // connect_timeout
const SLACK_MS = 2500; // UML scheduling, a fork to restart a server, the 50 ms poll

function register(): void {
  const NO_IPVS = existsSync('/proc/net/ip_vs') ? undefined : 'needs a kernel with IPVS: runs inside UML via test/ns/check-keepalived-uml.test.js';
  let lab: Lab | undefined;
  let topo: LvsTopology;
  let servers: HttpServer[] = [];

  before(async () => {
    if (NO_IPVS) return;
    lab = Lab.create('chk');
    topo = await lvs(lab, { realServers: 3, mode: 'nat' });
    servers = await Promise.all(topo.realServers.map((h) => HttpServer.start(h)));
    await topo.activate(topo.directors[0]);
  });
  after(async () => {
    await lab?.close();
  });

  const conf = (): string => {
    const check = `HTTP_GET {
            url {
              path /
              status_code 200
            }
            connect_timeout 1
            nb_get_retry 1
            delay_before_retry 1
        }`;
    return `! keepalived.conf for the side-by-side test (from seed lvs-dr-backup-sorry.conf)
global_defs {
   router_id d1
}
virtual_server ${topo.vip} 80 {
    delay_loop 2
    lb_algo wrr
    lb_kind NAT
    protocol TCP
    sorry_server ${topo.rsAddr(2)} 80

    real_server ${topo.rsAddr(0)} 80 {
        weight 1
        inhibit_on_failure
        ${check}
    }
    real_server ${topo.rsAddr(1)} 80 {
        weight 2
        ${check}
    }
}
`;
  };

  interface Run {
    tables: string[];
    delays: number[];
    log: string;
  }

  /** Table lines printed by the poller after time t. */
  const changesAfter = (p: LabProcess, t: number): { at: number; table: string }[] =>
    p.stdout.filter((l) => l.startsWith('table ')).map((l) => ({ at: Number(l.split(' ')[1]), table: l.slice(l.indexOf(' ', 6) + 1) })).filter((c) => c.at > t);

  /**
   * Waits for the first change after `t`, then for the table to stay put `quietMs` (and to satisfy
   * `ready`); returns the time of the first change.
   */
  async function settle(p: LabProcess, t: number, quietMs = 1500, timeoutMs = 20_000, ready: (table: string) => boolean = () => true): Promise<number> {
    const t0 = Date.now();
    for (;;) {
      const c = changesAfter(p, t);
      const last = c.at(-1);
      if (last && ready(last.table) && Date.now() - last.at >= quietMs) return (c[0] as { at: number }).at;
      if (Date.now() - t0 > timeoutMs) throw new Error(`no table change within ${timeoutMs} ms after the fault; poller saw: ${p.stdout.slice(-5).join(' | ')}`);
      await sleep(50);
    }
  }

  const ipvsadmLn = async (d: Host): Promise<string> => (await d.exec(['ipvsadm', '-L', '-n'])).stdout;

  async function scenario(start: () => { stop: () => Promise<unknown>; log: () => string }): Promise<Run> {
    const d1 = topo.directors[0];
    const poller = d1.spawn([process.execPath, SELF, '--ipvs-poll'], { name: 'd1: ipvs poller' });
    await poller.waitForLine(/^table \d+ 0 \[\]$/, 15_000);
    const t0 = Date.now();
    const daemon = start();
    const run: Run = { tables: [], delays: [], log: '' };
    try {
      await settle(poller, t0, 2500, 30_000, (tb) => !tb.startsWith('0 '));
      run.tables.push(await ipvsadmLn(d1));
      // A stop counts from the moment the server is told to stop; a start from when it listens.
      const faults: [string, () => Promise<number>][] = [
        ['stop rs1', async () => { const at = Date.now(); await servers[0]!.stop(); return at; }],
        ['stop rs2', async () => { const at = Date.now(); await servers[1]!.stop(); return at; }],
        ['start rs1', async () => { servers[0] = await HttpServer.start(topo.realServers[0]!); return Date.now(); }],
        ['start rs2', async () => { servers[1] = await HttpServer.start(topo.realServers[1]!); return Date.now(); }],
      ];
      for (const [, fault] of faults) {
        const at = await fault();
        const changed = await settle(poller, at);
        run.delays.push(changed - at);
        run.tables.push(await ipvsadmLn(d1));
      }
      await daemon.stop();
      await sleep(500);
      run.tables.push(await ipvsadmLn(d1));
    } finally {
      run.log = daemon.log();
      await daemon.stop();
      poller.killGroup('SIGKILL');
      await poller.exited;
    }
    return run;
  }

  let ka: Run | undefined;
  let lv: Run | undefined;

  test('keepalived: programs the service, reacts to each fault, removes everything on SIGTERM', { timeout: 120_000 }, async (t) => {
    if (NO_IPVS) return t.skip(NO_IPVS);
    ka = await scenario(() => {
      const k = Keepalived.start(topo.directors[0], conf(), { only: 'check' });
      return { stop: () => k.stop(), log: () => k.log() };
    });
    process.stdout.write(`# keepalived: fault -> table change ${ka.delays.map((d) => `${d} ms`).join(', ')}\n`);
    const compact = (tb: string) => tb.split('\n').filter((l) => l.startsWith('  -> ') && !l.includes('RemoteAddress')).map((l) => l.trim().split(/\s+/).slice(1, 4).join(' ')).join(', ') || '(empty)';
    process.stdout.write(`# keepalived tables: ${ka.tables.map(compact).join(' | ')}\n`);
    assert.equal(ka.tables.length, 6);
    assert.match(ka.tables[5] as string, /^IP Virtual Server[^\n]*\nProt LocalAddress:Port Scheduler Flags\n {2}-> RemoteAddress:Port +Forward Weight ActiveConn InActConn\n?$/);
  });

  test('lvsd run --check-only: the same tables after every fault, in the same order', { timeout: 120_000 }, async (t) => {
    if (NO_IPVS) return t.skip(NO_IPVS);
    const file = join(lab!.dir, 'lvsd-check.conf');
    writeFileSync(file, conf());
    lv = await scenario(() => {
      const p = topo.directors[0].spawn([process.execPath, LVSD, 'run', '--check-only', '-f', file], { name: 'd1: lvsd run --check-only' });
      return { stop: async () => {
        if (p.exitStatus) return p.exitStatus;
        p.kill('SIGTERM');
        return p.exited;
      }, log: () => p.output() };
    });
    process.stdout.write(`# lvsd: fault -> table change ${lv.delays.map((d) => `${d} ms`).join(', ')}\n`);
    assert.ok(ka, 'the keepalived run must come first');
    for (let i = 0; i < lv.tables.length; i++) assert.equal(lv.tables[i], ka.tables[i], `table ${i} differs\nkeepalived:\n${ka.tables[i]}\nlvsd:\n${lv.tables[i]}\nlvsd log:\n${lv.log.slice(-3000)}`);
  });

  test('both react to every fault within the bounds of the configured timing', (t) => {
    if (NO_IPVS) return t.skip(NO_IPVS);
    assert.ok(ka && lv);
    const down = worstDetectionMs(TIMING, PROBE_MS) + SLACK_MS;
    const up = worstRecoveryMs(TIMING, PROBE_MS) + SLACK_MS;
    const bounds = [down, down, up, up];
    for (const [who, r] of [['keepalived', ka], ['lvsd', lv]] as const) {
      r.delays.forEach((d, i) => assert.ok(d >= 0 && d <= (bounds[i] as number), `${who}: fault ${i + 1} took ${d} ms, bound ${bounds[i]} ms`));
    }
  });
}
