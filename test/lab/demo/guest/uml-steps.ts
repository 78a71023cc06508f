// Lab demo program (composition, runs inside UML; steps 2-6): the lab's `lvs` topology in LVS-DR
// with two directors running lvsd on the demo configuration, rs1 and rs2 and a sorry server
// (HTTP), and a client sending steady traffic through both VIPs. Steps: election and tables,
// traffic, a crash of director A with the takeover timed and the lost requests counted, the sorry
// server, a metrics scrape. Reports to the host as event lines (../events.ts) on stdout; its
// teardown (graceful stop of the surviving director, what it left, namespaces) as a last event.
//   node uml-steps.js --conf-a FILE --conf-b FILE --features JSON [--crash machine|process]
import { readFileSync } from 'node:fs';
import { release } from 'node:os';
import { HttpServer } from '../../http.js';
import { Lab } from '../../netns.js';
import { lvs } from '../../topologies.js';
import { describeTable } from '../ipvs-table.js';
import { macOf, type RunFeatures } from '../lvsd.js';
import { UML_STEPS } from '../events.js';
import { seconds } from '../report.js';
import { totals } from '../traffic-stats.js';
import { AddrMonitor, begin, begun, emit, ended, TableWatch, VIP1, VIP2, VIPS, type Ctx } from './context.js';
import { crashStep } from './step-crash.js';
import { metricsStep, sorryStep } from './steps-end.js';
import { electionStep, trafficStep } from './steps-start.js';

function args(): { a: string; b: string; features: RunFeatures; crash: 'machine' | 'process' } {
  const a = process.argv.slice(2);
  const get = (k: string, dflt?: string): string => {
    const i = a.indexOf(k);
    const v = i < 0 ? dflt : a[i + 1];
    if (v === undefined) throw new Error(`uml-steps: ${k} missing`);
    return v;
  };
  const crash = get('--crash', 'machine');
  if (crash !== 'machine' && crash !== 'process') throw new Error('uml-steps: --crash machine|process');
  return { a: get('--conf-a'), b: get('--conf-b'), features: JSON.parse(get('--features')) as RunFeatures, crash };
}

async function main(): Promise<number> {
  const o = args();
  const uptime = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]) * 1000;
  const s2 = begin(2, 'In User-Mode Linux (a kernel with IPVS): two lvsd directors elect a master per VIP; their IPVS tables');
  const lab = Lab.create('demo-uml');
  let c: Ctx | undefined;
  const cleanup: string[] = [];
  const notes: string[] = [];
  try {
    const topo = await lvs(lab, { realServers: 3, mode: 'dr' });
    const [A, B] = topo.directors;
    // LVS-DR: every real server (and the sorry server) accepts both VIPs on lo.
    await Promise.all(topo.realServers.map((h) => h.ip(`addr add ${VIP2}/32 dev lo`)));
    const [tableA, tableB] = [new TableWatch(A.spawn(['sleep', 'infinity'], { name: 'A: netns anchor' })), new TableWatch(B.spawn(['sleep', 'infinity'], { name: 'B: netns anchor' }))];
    const [monB, servers, macA, macB] = await Promise.all([
      AddrMonitor.start(B),
      Promise.all([HttpServer.start(topo.realServers[0]!), HttpServer.start(topo.realServers[1]!), HttpServer.start(topo.realServers[2]!, { name: 'sorry', body: 'sorry\n' })]),
      macOf(A),
      macOf(B),
    ]);
    c = { lab, topo, A, B, servers, features: o.features, conf: { a: o.a, b: o.b }, crash: o.crash, tableA, tableB, monB, mac: { A: macA, B: macB }, metricsListen: '127.0.0.1:9650' };
    s2.say(
      [
        `UML kernel ${release()} with IPVS, ${seconds(uptime, 1)} from boot to this program`,
        `lvs topology, LVS-DR: client ${topo.clientAddr}; director A ${topo.directorFront(0)} (MAC ${macA}), B ${topo.directorFront(1)} (MAC ${macB}); ` +
          `real servers rs1 ${topo.rsAddr(0)}, rs2 ${topo.rsAddr(1)}, sorry server ${topo.rsAddr(2)} (HTTP on :80); replies go back through the router ${topo.routerBack}`,
      ].join('\n'),
    );
    await electionStep(c, s2);
    await trafficStep(c, begin(3, "Steady client traffic through both VIPs (the client's counts per second)"));
    await crashStep(c, begin(4, 'Director A, master of VI_1, crashes under traffic: B takes VIP1 over'));
    await sorryStep(c, begin(5, 'Every real server stops: the health checks put the sorry server in'));
    await metricsStep(c, begin(6, "Metrics: a Prometheus scrape of B's /metrics"));
  } catch (e) {
    const msg = String((e as Error)?.stack ?? e);
    process.stderr.write(`uml-steps: ${msg}\n`);
    const open = [...begun].filter((n) => !ended.has(n));
    emit({ t: 'say', n: open[0] ?? 2, text: `error: ${(e as Error)?.message ?? String(e)}` });
    for (const [n, name] of Object.entries(UML_STEPS)) if (!ended.has(Number(n))) emit({ t: 'end', n: Number(n), name, status: 'FAIL', figures: 'did not complete' });
  } finally {
    if (c?.traffic) {
      const done = await c.traffic.stop();
      const t = totals(c.traffic.requests(), 2);
      notes.push(`client: VIP1 sent ${t[0]!.sent}, answered ${t[0]!.answered}, failed ${t[0]!.failed}; VIP2 sent ${t[1]!.sent}, answered ${t[1]!.answered}, failed ${t[1]!.failed}`);
      if (!done) cleanup.push('the traffic generator gave no totals');
    }
    // Graceful stop of every director still running: lvsd removes the VIPs and services it added.
    for (const d of [c?.da, c?.db]) {
      if (!d) continue;
      if (!d.alive && d.label === 'A') continue; // A crashed in step 4: nothing of it to stop
      if (!d.alive) {
        cleanup.push(`${d.label}'s lvsd had exited before the stop:\n${d.lastLines(8)}`);
        continue;
      }
      const st = await d.stop(8000);
      if (st.code !== 0) cleanup.push(`${d.label}'s lvsd exited ${st.signal ?? st.code} on SIGTERM`);
      else notes.push(`${d.label}: SIGTERM, exit 0`);
    }
    if (c) {
      try {
        const left = c.tableB.read();
        if (left.length) cleanup.push(`B's IPVS table not empty after its stop:\n${describeTable(left)}`);
        else notes.push("B's IPVS table empty");
        const held = (await Promise.all(VIPS.map((v) => c!.B.hasAddr(v)))).some(Boolean);
        if (held) cleanup.push('B still holds a VIP after SIGTERM');
        else notes.push(`B released ${VIP1} and ${VIP2}`);
        if (c.da && !c.da.alive) notes.push(`A (crashed) still had ${(await c.A.hasAddr(VIP1)) ? `${VIP1} and ` : ''}${c.tableA.read().length} IPVS services: removed with its namespace`);
      } catch (e) {
        cleanup.push(`could not inspect the directors: ${(e as Error).message}`);
      }
    }
    try {
      await lab.close();
      notes.push('lab namespaces removed');
    } catch (e) {
      cleanup.push((e as Error).message);
    }
    emit({ t: 'cleanup', ok: cleanup.length === 0, text: [...notes, ...cleanup].join('\n') });
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`uml-steps: ${String((e as Error)?.stack ?? e)}\n`);
    process.exit(70);
  },
);
