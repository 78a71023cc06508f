// Lab demo steps 2-3 (composition, inside UML): both directors start and elect a master per VIP,
// their IPVS tables are listed with `lvsd ipvsadm -L -n` (and compared with Debian's ipvsadm),
// then the client's steady traffic goes through both VIPs to both real servers.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Host } from '../../netns.js';
import { sleep, waitFor } from '../../proc.js';
import { describeTable, destsOf, type ProcService } from '../ipvs-table.js';
import { Director, eventTime, lvsdArgv, masterDownIntervalMs } from '../lvsd.js';
import { seconds } from '../report.js';
import { fmtCounts, formatPerSecond, perSecond, servedBy } from '../traffic-stats.js';
import { ADVERT_INT_S, INTERVAL_MS, PRIO_HIGH, REQ_TIMEOUT_MS, Traffic, VIP1, VIP2, VIPS, type Ctx, type Step } from './context.js';

/** The VIP's service in `t` balances over exactly `want` (addresses without port). */
export const serves = (t: ProcService[], vip: string, want: readonly string[]): boolean => destsOf(t, `${vip}:80`).join() === [...want].sort().join();

/** `host`'s IPv4 addresses on eth0 among the VIPs. */
async function vipsOn(host: Host): Promise<string[]> {
  return (await host.addrs('eth0')).filter((a) => a.family === 'inet' && (VIPS as readonly string[]).includes(a.local)).map((a) => a.local);
}

export async function electionStep(c: Ctx, s: Step): Promise<void> {
  const { A, B, topo } = c;
  const t0 = Date.now();
  c.da = Director.start(A, 'A', c.conf.a, { features: c.features, metricsListen: c.metricsListen, controlSocket: join(c.lab.dir, 'a.sock') });
  c.db = Director.start(B, 'B', c.conf.b, { features: c.features, metricsListen: c.metricsListen, controlSocket: join(c.lab.dir, 'b.sock') });
  s.say(`A (d1, eth0 ${topo.directorFront(0)}): ${c.da.command()}\nB (d2, eth0 ${topo.directorFront(1)}): ${c.db.command()}\n(the full daemon: VRRP, health checks and IPVS in one process per director)`);
  const [m1, m2] = await Promise.all([c.da.waitForState('VI_1', 'MASTER', 25_000), c.db.waitForState('VI_2', 'MASTER', 25_000)]);
  // Settled: each VIP on its master only (a director that started first may have held the other's for a moment).
  const placed = await waitFor(async () => {
    const [a, b] = await Promise.all([vipsOn(A), vipsOn(B)]);
    return a.join() === VIP1 && b.join() === VIP2;
  }, 10_000, 100);
  const rs = [topo.rsAddr(0), topo.rsAddr(1)];
  const progA = await c.tableA.until((t) => serves(t, VIP1, rs), 20_000);
  const progB = await c.tableB.until((t) => serves(t, VIP2, rs), 20_000);
  const e1 = eventTime(m1) - t0;
  const e2 = eventTime(m2) - t0;
  const early: string[] = [];
  for (const [who, d, inst, winner] of [['A', c.da, 'VI_2', 'B'], ['B', c.db, 'VI_1', 'A']] as const) {
    const ts = d.transitions(inst);
    ts.forEach((e, i) => {
      if (e.to !== 'MASTER') return;
      const next = ts[i + 1];
      early.push(`${who} was MASTER of ${inst} for ${next ? seconds(eventTime(next) - eventTime(e)) : 'a while'} (it started first and its Master_Down timer ran out before ${winner}'s first advert) until ${winner}'s priority ${PRIO_HIGH} preempted it`);
    });
  }
  const bound = masterDownIntervalMs(ADVERT_INT_S, PRIO_HIGH);
  const [ra, rb] = [c.da.readyAt(), c.db.readyAt()];
  const after = (t: number, ready: number | undefined): string => (ready === undefined ? '' : `, ${seconds(t + t0 - ready)} after it was ready`);
  s.say(
    [
      `lvsd ready (configuration loaded, sockets open) ${ra === undefined ? '?' : seconds(ra - t0)} after start on A, ${rb === undefined ? '?' : seconds(rb - t0)} on B (Node start-up on UML's one vCPU)`,
      `VI_1 (VRID 50, ${VIP1}): A MASTER ${seconds(e1)} after start${after(e1, ra)} (priority 150), B BACKUP (100)`,
      `VI_2 (VRID 51, ${VIP2}): B MASTER ${seconds(e2)} after start${after(e2, rb)} (priority 150), A BACKUP (100)`,
      `  (a director starts as BACKUP and waits Master_Down_Interval = 3 x ${ADVERT_INT_S} s + (256-150)/256 s = ${seconds(bound)})`,
      ...early,
      `A eth0 VIPs: ${(await vipsOn(A)).join(' ') || 'none'};  B eth0 VIPs: ${(await vipsOn(B)).join(' ') || 'none'}`,
      `IPVS (kernel table): A\n${indent(describeTable(c.tableA.read()))}\nB\n${indent(describeTable(c.tableB.read()))}`,
      serves(c.tableA.read(), VIP2, rs) || serves(c.tableB.read(), VIP1, rs)
        ? "  (every virtual server on both directors: keepalived's way, lvsd_ipvs_program always)"
        : '  (each director programs the virtual servers of the VIPs it holds: lvsd_ipvs_program follow_vrrp, the default)',
    ].join('\n'),
  );
  const listA = await compareListings(A, c.lab.dir, 'a');
  const listB = await compareListings(B, c.lab.dir, 'b');
  s.say(`$ lvsd ipvsadm -L -n   (in A)\n${listA.lvsd.trimEnd()}\n$ lvsd ipvsadm -L -n   (in B)\n${listB.lvsd.trimEnd()}\nbyte for byte the same as Debian's ipvsadm -L -n: A ${listA.same ? 'yes' : 'NO'}, B ${listB.same ? 'yes' : 'NO'}`);
  const problems = [
    ...(placed ? [] : ['the VIPs are not where the configuration puts them']),
    ...(progA === undefined ? [`A's table has no ${VIP1}:80 service over rs1 and rs2`] : []),
    ...(progB === undefined ? [`B's table has no ${VIP2}:80 service over rs1 and rs2`] : []),
    ...(listA.same && listB.same ? [] : ['lvsd ipvsadm differs from ipvsadm']),
  ];
  if (problems.length) s.say(problems.join('\n'));
  s.end(
    'election, IPVS tables',
    problems.length ? 'FAIL' : 'PASS',
    `VI_1 -> A in ${seconds(e1)}, VI_2 -> B in ${seconds(e2)} (lvsd ready in ${ra === undefined ? '-' : seconds(ra - t0)}, ${rb === undefined ? '-' : seconds(rb - t0)}); listings identical to ipvsadm: ${listA.same && listB.same ? 'yes' : 'NO'}`,
  );
}

const indent = (t: string): string =>
  t
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');

/** `lvsd ipvsadm -L -n` and Debian's `ipvsadm -L -n` on the same table, written to files and compared as bytes. */
async function compareListings(d: Host, dir: string, tag: string): Promise<{ same: boolean; lvsd: string }> {
  const f = (x: string): string => join(dir, `list-${tag}-${x}`);
  const lvsdCmd = lvsdArgv(['ipvsadm', '-L', '-n']).join(' ');
  for (let i = 1; i <= 5; i++) {
    await d.sh(`ipvsadm -L -n > ${f('a')} && ${lvsdCmd} > ${f('lvsd')} && ipvsadm -L -n > ${f('b')}`);
    const [a, l, b] = [readFileSync(f('a')), readFileSync(f('lvsd')), readFileSync(f('b'))];
    if (!a.equals(b)) continue; // a counter moved between the two ipvsadm runs: take it again
    return { same: a.equals(l), lvsd: l.toString('utf8') };
  }
  return { same: false, lvsd: readFileSync(f('lvsd'), 'utf8') };
}

/** Step 3: the client's steady traffic through both VIPs, and the table counters it moves. */
export async function trafficStep(c: Ctx, s: Step): Promise<void> {
  const t0 = Date.now();
  c.traffic = await Traffic.start(c.topo.client);
  const started = Date.now();
  s.say(`client (${c.topo.clientAddr}): a GET to each VIP every ${INTERVAL_MS} ms, each on a new connection with a ${seconds(REQ_TIMEOUT_MS, 0)} deadline (test/lab/demo/guest/traffic.ts, started in ${seconds(started - t0, 1)})`);
  await sleep(3000);
  const until = Date.now();
  const reqs = c.traffic.requests().filter((r) => r.e <= until);
  const rows = perSecond(reqs, 2, started, started, started + 3000);
  const c1 = servedBy(reqs, 0, started, until);
  const c2 = servedBy(reqs, 1, started, until);
  s.say(`sent / answered / failed per second:\n${formatPerSecond(rows, [`VIP1 ${VIP1}`, `VIP2 ${VIP2}`])}`);
  s.say(`answers: VIP1 -> ${fmtCounts(c1)};  VIP2 -> ${fmtCounts(c2)}`);
  const stats = (await c.A.exec(lvsdArgv(['ipvsadm', '-L', '-n', '--stats']))).stdout;
  s.say(`$ lvsd ipvsadm -L -n --stats   (in A: VIP1's traffic; A is BACKUP of VI_2)\n${stats.trimEnd()}`);
  const ok = [c1, c2].every((x) => (x.rs1 ?? 0) > 0 && (x.rs2 ?? 0) > 0 && !x.failed && !x.sorry);
  const n = (x: Record<string, number>): number => Object.values(x).reduce((a, b) => a + b, 0);
  s.end('steady traffic', ok ? 'PASS' : 'FAIL', `VIP1 ${fmtCounts(c1)}; VIP2 ${fmtCounts(c2)} (${((n(c1) + n(c2)) / 3).toFixed(0)} requests/s)`);
}
