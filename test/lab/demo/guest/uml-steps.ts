// Lab demo program (runs inside UML, steps 4-5): the lab's `lvs` topology in LVS-DR with three
// real servers (rs1, rs2, and rs3 as the sorry server); director A runs `lvsd run --vrrp-only`
// (alone, it is master of both VIPs) and lvsd programs the demo configuration's virtual servers
// into IPVS; the client's requests reach both real servers; `lvsd ipvsadm -L -n` is compared
// byte for byte with ipvsadm's. With checks (step 5) real servers are stopped and started and the
// table is watched. Reports to the host as event lines (../events.ts) on stdout.
//   node uml-steps.js --conf FILE --checks none|cli|ENTRY.js
import { readFileSync } from 'node:fs';
import { release } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../../../src/config/load.js';
import { resolveLvs } from '../../../../src/config/resolve-lvs.js';
import { Lab, type Host } from '../../netns.js';
import { lvs, type LvsTopology } from '../../topologies.js';
import { HttpServer, httpGetMany, countByServer } from '../../http.js';
import { waitFor, type LabProcess } from '../../proc.js';
import { formatEvent, type DemoEvent } from '../events.js';
import { describeTable, destsOf, parseProcIpvs, type ProcService } from '../ipvs-table.js';
import { lvsdArgv, LvsdProcess } from '../lvsd.js';
import { seconds, type Status } from '../report.js';

const VIP1 = '10.88.0.100';
const VIP2 = '10.88.0.200';
const PROGRAM = fileURLToPath(new URL('./program-ipvs.js', import.meta.url));

/** Steps begun and ended so far (an error ends the open ones as failed). */
const begun = new Set<number>();
const ended = new Set<number>();

function emit(e: DemoEvent): void {
  if (e.t === 'begin') begun.add(e.n);
  if (e.t === 'end') ended.add(e.n);
  process.stdout.write(`${formatEvent(e)}\n`);
}

function args(): { conf: string; checks: string } {
  const a = process.argv.slice(2);
  const get = (k: string): string => {
    const i = a.indexOf(k);
    if (i < 0 || !a[i + 1]) throw new Error(`uml-steps: ${k} missing`);
    return a[i + 1]!;
  };
  return { conf: get('--conf'), checks: get('--checks') };
}

class Step {
  constructor(readonly n: number) {}
  say(text: string): void {
    emit({ t: 'say', n: this.n, text });
  }
  end(name: string, status: Status, figures: string): void {
    emit({ t: 'end', n: this.n, name, status, figures });
  }
}

function begin(n: number, title: string): Step {
  emit({ t: 'begin', n, title });
  return new Step(n);
}

/** The IPVS table of director A, read through /proc/PID/net/ip_vs of a process in its namespace. */
class TableWatch {
  constructor(private readonly anchor: LabProcess) {}
  read(): ProcService[] {
    return parseProcIpvs(readFileSync(`/proc/${this.anchor.pid}/net/ip_vs`, 'utf8'));
  }
  /** ms until `pred` holds (polled every 20 ms: one file read), or undefined after `timeoutMs`. */
  async until(pred: (t: ProcService[]) => boolean, timeoutMs: number): Promise<number | undefined> {
    const t0 = performance.now();
    return (await waitFor(() => pred(this.read()), timeoutMs, 20)) ? performance.now() - t0 : undefined;
  }
}

const both = (t: ProcService[], want: string[]): boolean => [VIP1, VIP2].every((v) => destsOf(t, `${v}:80`).join() === want.join());

/** `lvsd ipvsadm -L -n` and Debian's `ipvsadm -L -n` on the same table, written to files and compared as bytes. */
async function compareListings(d: Host, dir: string): Promise<{ same: boolean; lvsd: string; tries: number }> {
  const f = (x: string): string => join(dir, `list-${x}`);
  const lvsdCmd = lvsdArgv(['ipvsadm', '-L', '-n']).join(' ');
  for (let i = 1; i <= 5; i++) {
    await d.sh(`ipvsadm -L -n > ${f('a')} && ${lvsdCmd} > ${f('lvsd')} && ipvsadm -L -n > ${f('b')}`);
    const [a, l, b] = [readFileSync(f('a')), readFileSync(f('lvsd')), readFileSync(f('b'))];
    if (!a.equals(b)) continue; // a counter moved between the two ipvsadm runs: take it again
    return { same: a.equals(l), lvsd: l.toString('utf8'), tries: i };
  }
  return { same: false, lvsd: readFileSync(f('lvsd'), 'utf8'), tries: 5 };
}

async function traffic(client: Host, vip: string, n: number): Promise<Record<string, number>> {
  return countByServer(await httpGetMany(client, `http://${vip}/`, n, { timeoutMs: 3000 }));
}

const fmtCounts = (c: Record<string, number>): string =>
  Object.entries(c)
    .sort()
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');

async function main(): Promise<number> {
  const { conf, checks } = args();
  const uptime = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]) * 1000;
  const s4 = begin(4, 'IPVS in User-Mode Linux: lvsd programs the demo virtual servers; the client goes through both VIPs');
  s4.say(`UML kernel ${release()} booted with IPVS (${seconds(uptime, 1)} to reach this program)`);
  const lab = Lab.create('demo-uml');
  let topo: LvsTopology | undefined;
  let vrrp: LvsdProcess | undefined;
  let ipvs: LabProcess | undefined;
  let table: TableWatch | undefined;
  const cleanup: string[] = [];
  try {
    topo = await lvs(lab, { realServers: 3, mode: 'dr' });
    const [A] = topo.directors;
    const [rs1, rs2, rs3] = topo.realServers as [Host, Host, Host];
    // LVS-DR: every real server (and the sorry server) accepts both VIPs on lo.
    await Promise.all(topo.realServers.map((h) => h.ip(`addr add ${VIP2}/32 dev lo`)));
    table = new TableWatch(A.spawn(['sleep', 'infinity'], { name: 'A: netns anchor' }));
    const servers = await Promise.all([HttpServer.start(rs1), HttpServer.start(rs2), HttpServer.start(rs3, { name: 'sorry', body: 'sorry\n' })]);
    s4.say(`lvs topology in LVS-DR: client ${topo.clientAddr}, director A ${topo.directorFront(0)}, real servers rs1 ${topo.rsAddr(0)}, rs2 ${topo.rsAddr(1)}, sorry server ${topo.rsAddr(2)} (HTTP on :80)`);
    vrrp = LvsdProcess.runVrrp(A, conf);
    ipvs =
      checks === 'none'
        ? A.spawn([process.execPath, PROGRAM, conf], { name: 'A: program-ipvs' })
        : A.spawn(checks === 'cli' ? lvsdArgv(['run', '--check-only', '-f', conf, '--log-level', 'info']) : [process.execPath, checks, '-f', conf, '--log-level', 'info'], { name: 'A: lvsd checks' });
    const rsAll = [topo.rsAddr(0), topo.rsAddr(1)];
    // Timed from the start of the process: node's start-up (about 1.2 s in UML) included.
    const programMs = await table.until((t) => both(t, rsAll), 30_000);
    if (programMs === undefined) throw new Error(`IPVS table not programmed within 30 s:\n${describeTable(table.read())}\n${ipvs.output()}`);
    const how =
      checks === 'none'
        ? `lvsd's config loader, LVS resolver and IPVS reconciler (test/lab/demo/guest/program-ipvs.ts: \`lvsd run\` does not offer --check-only yet)`
        : checks === 'cli'
          ? '`lvsd run --check-only -f director-a.conf`'
          : `${checks} -f director-a.conf (runCheckOnly outside the CLI)`;
    s4.say(`IPVS programmed by ${how}, ${seconds(programMs)} after its process started (node start-up and module loading included, on UML's one vCPU):\n${describeTable(table.read())}`);
    if (checks === 'none') {
      const line = await ipvs.waitForLine(/^\{"ops":/, 5000, 'stdout');
      const r = JSON.parse(line) as { ops: string[]; failed: number };
      s4.say(`the reconciler's netlink operations (${r.ops.length}, ${r.failed} failed):\n${r.ops.map((o) => `  ${o}`).join('\n')}`);
    }
    await vrrp.waitForState('VI_1', 'MASTER', 20_000);
    await vrrp.waitForState('VI_2', 'MASTER', 20_000);
    await A.waitForAddr(VIP1, { timeoutMs: 3000 });
    await A.waitForAddr(VIP2, { timeoutMs: 3000 });
    s4.say(`lvsd run --vrrp-only on A, alone on the LAN: MASTER of VI_1 and VI_2, holds ${VIP1} and ${VIP2}`);
    const [c1, c2] = await Promise.all([traffic(topo.client, VIP1, 20), traffic(topo.client, VIP2, 20)]);
    s4.say(`client: 20 requests to http://${VIP1}/ -> ${fmtCounts(c1)}; 20 to http://${VIP2}/ -> ${fmtCounts(c2)}`);
    const trafficOk = [c1, c2].every((c) => (c.rs1 ?? 0) + (c.rs2 ?? 0) === 20 && (c.rs1 ?? 0) > 0 && (c.rs2 ?? 0) > 0);
    const cmp = await compareListings(A, lab.dir);
    s4.say(`$ lvsd ipvsadm -L -n   (in A)\n${cmp.lvsd.replace(/\n$/, '')}\nbyte for byte the same as Debian's ipvsadm -L -n on this table: ${cmp.same ? 'yes' : 'NO'}`);
    s4.end('IPVS in UML (lvsd programs, client)', trafficOk && cmp.same ? 'PASS' : 'FAIL', `programmed in ${seconds(programMs)}; VIP1 ${fmtCounts(c1)}; VIP2 ${fmtCounts(c2)}; listing ${cmp.same ? 'identical' : 'DIFFERENT'}`);

    const s5 = begin(5, 'Health checks: real servers stopped and started, the sorry server');
    if (checks === 'none') {
      s5.say('comes with the checker integration (`lvsd run --check-only`); this build\'s `lvsd run` does not offer it yet');
      s5.end('health checks, sorry server', 'NOT YET', 'comes with `lvsd run --check-only`');
    } else {
      await checksStep(s5, topo, servers, table, conf);
    }
  } catch (e) {
    const msg = String((e as Error)?.stack ?? e);
    process.stderr.write(`uml-steps: ${msg}\n`);
    const open = [...begun].filter((n) => !ended.has(n));
    emit({ t: 'say', n: open[0] ?? 4, text: `error: ${(e as Error)?.message ?? String(e)}` });
    if (!ended.has(4)) emit({ t: 'end', n: 4, name: 'IPVS in UML (lvsd programs, client)', status: 'FAIL', figures: 'did not complete' });
    if (!ended.has(5)) {
      emit({ t: 'end', n: 5, name: 'health checks, sorry server', status: checks === 'none' ? 'NOT YET' : 'FAIL', figures: checks === 'none' ? 'comes with `lvsd run --check-only`' : 'did not complete' });
    }
  } finally {
    // Graceful stops: lvsd removes the services it programmed and the VIPs it added.
    for (const [what, p] of [['IPVS', ipvs], ['VRRP', vrrp?.proc]] as const) {
      if (!p) continue;
      if (!p.alive) {
        cleanup.push(`${what} process had exited before the stop (${p.exitStatus?.signal ?? p.exitStatus?.code}):\n${p.output().split('\n').slice(-8).join('\n')}`);
        continue;
      }
      const st = await p.stop(8000);
      if (st.code !== 0) cleanup.push(`${what} process exited ${st.signal ?? st.code} on SIGTERM`);
    }
    if (table) {
      try {
        const left = table.read();
        if (left.length) cleanup.push(`IPVS table not empty after the stop:\n${describeTable(left)}`);
      } catch (e) {
        cleanup.push(`could not read the table: ${(e as Error).message}`);
      }
    }
    if (topo && ((await topo.directors[0].hasAddr(VIP1)) || (await topo.directors[0].hasAddr(VIP2)))) cleanup.push('A still holds a VIP after SIGTERM');
    try {
      await lab.close();
    } catch (e) {
      cleanup.push((e as Error).message);
    }
    emit({ t: 'cleanup', ok: cleanup.length === 0, text: cleanup.length ? cleanup.join('\n') : 'UML: SIGTERM to lvsd on A: exit 0, IPVS table empty, VIPs released; lab namespaces removed' });
  }
  return 0;
}

/** keepalived's worst case for a running server to go down: the next probe, then `retry` retries. */
function downBoundMs(conf: string): number {
  const vs = resolveLvs(loadConfig(conf).model).virtual_servers[0]!;
  const c = vs.real_servers[0]!.checkers[0]!;
  const timeout = 'connection' in c ? c.connection.connect_timeout : 0;
  return (c.delay_loop + c.retry * c.delay_before_retry + (c.retry + 1) * timeout) * 1000;
}

async function checksStep(s5: Step, topo: LvsTopology, servers: HttpServer[], table: TableWatch, conf: string): Promise<void> {
  const [rs1, rs2] = topo.realServers as [Host, Host];
  const [a1, a2, a3] = [topo.rsAddr(0), topo.rsAddr(1), topo.rsAddr(2)];
  const slack = 500;
  const bound = downBoundMs(conf);
  const lvsdList = async (): Promise<string> => (await topo.directors[0].exec(lvsdArgv(['ipvsadm', '-L', '-n']))).stdout;
  const problems: string[] = [];
  s5.say(`bound for a stopped server to leave the table: delay_loop + retry x delay_before_retry + (retry+1) x connect_timeout = ${seconds(bound, 1)} (+${slack} ms)`);

  await servers[0]!.stop();
  const down1 = await table.until((t) => both(t, [a2]), bound + 5000);
  s5.say(`rs1 stopped: removed from both services after ${down1 === undefined ? 'NEVER' : seconds(down1)}`);
  if (down1 === undefined || down1 > bound + slack) problems.push('rs1 not removed in time');
  const c1 = await traffic(topo.client, VIP1, 10);
  s5.say(`client: 10 requests to ${VIP1} -> ${fmtCounts(c1)}`);
  if (c1.rs2 !== 10) problems.push('requests did not all reach rs2');

  await servers[1]!.stop();
  const down2 = await table.until((t) => both(t, [a3]), bound + 5000);
  s5.say(`rs2 stopped: no real server left, sorry server ${a3} in after ${down2 === undefined ? 'NEVER' : seconds(down2)}\n$ lvsd ipvsadm -L -n\n${(await lvsdList()).replace(/\n$/, '')}`);
  if (down2 === undefined || down2 > bound + slack) problems.push('sorry server not in in time');
  const c2 = await traffic(topo.client, VIP2, 4);
  s5.say(`client: 4 requests to ${VIP2} -> ${fmtCounts(c2)}`);
  if (c2.sorry !== 4) problems.push('requests did not reach the sorry server');

  [servers[0], servers[1]] = await Promise.all([HttpServer.start(rs1), HttpServer.start(rs2)]);
  const tUp = performance.now();
  const up = await table.until((t) => both(t, [a1, a2]), 30_000);
  const upMs = up === undefined ? undefined : performance.now() - tUp;
  s5.say(`rs1 and rs2 started again: both back and the sorry server out ${upMs === undefined ? 'NEVER' : seconds(upMs)} after they listen (an HTTP_GET server that went down needs two passing checks)`);
  if (upMs === undefined) problems.push('real servers not back');
  const c3 = await traffic(topo.client, VIP1, 10);
  s5.say(`client: 10 requests to ${VIP1} -> ${fmtCounts(c3)}`);
  if ((c3.rs1 ?? 0) + (c3.rs2 ?? 0) !== 10) problems.push('requests after recovery did not reach rs1/rs2');
  if (problems.length) s5.say(problems.join('\n'));
  s5.end(
    'health checks, sorry server',
    problems.length ? 'FAIL' : 'PASS',
    `rs1 out in ${down1 === undefined ? '-' : seconds(down1)}, sorry in ${down2 === undefined ? '-' : seconds(down2)} (bound ${seconds(bound, 1)}), back in ${upMs === undefined ? '-' : seconds(upMs)}`,
  );
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`uml-steps: ${String((e as Error)?.stack ?? e)}\n`);
    process.exit(70);
  },
);
