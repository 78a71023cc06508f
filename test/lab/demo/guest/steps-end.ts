// Lab demo steps 5-6 (composition, inside UML): every real server stops and the health checks
// put the sorry server in (the client's requests through both VIPs get its answer); then a
// Prometheus scrape of the surviving director's metrics endpoint from inside its namespace.
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../../../src/config/load.js';
import { resolveLvs } from '../../../../src/config/resolve-lvs.js';
import { sleep } from '../../proc.js';
import { lvsdArgv } from '../lvsd.js';
import { helpOf, ipvsSamplesFor, parseProm, stateCodes } from '../prom-text.js';
import { seconds } from '../report.js';
import { failures, firstAnsweredBy, fmtCounts, servedBy } from '../traffic-stats.js';
import { VIP1, VIP2, VIPS, type Ctx, type Step } from './context.js';
import { serves } from './steps-start.js';

/** keepalived's worst case for a running server to go down: the next probe, then `retry` retries. */
export function downBoundMs(conf: string): number {
  const vs = resolveLvs(loadConfig(conf).model).virtual_servers[0]!;
  const c = vs.real_servers[0]!.checkers[0]!;
  const timeout = 'connection' in c ? c.connection.connect_timeout : 0;
  return (c.delay_loop + c.retry * c.delay_before_retry + (c.retry + 1) * timeout) * 1000;
}

/** Step 5: rs1 and rs2 stop; B (master of both VIPs now) puts the sorry server in for both. */
export async function sorryStep(c: Ctx, s: Step): Promise<void> {
  const traffic = c.traffic!;
  const sorry = c.topo.rsAddr(2);
  const bound = downBoundMs(c.conf.b);
  const slack = 1000;
  s.say(`bound for a stopped server to leave the table: delay_loop + retry x delay_before_retry + (retry+1) x connect_timeout = ${seconds(bound, 1)} (+${slack} ms slack)`);
  const stopAt = Date.now();
  await Promise.all([c.servers[0]!.stop(), c.servers[1]!.stop()]);
  s.say(`rs1 and rs2 stopped (their HTTP servers exited ${seconds(Date.now() - stopAt)} after SIGTERM)`);
  const inMs = await c.tableB.until((t) => VIPS.every((v) => serves(t, v, [sorry])), bound + slack + 5000);
  const tableAt = inMs === undefined ? undefined : Date.now();
  const firsts = await Promise.all(VIPS.map((_, v) => traffic.waitFor((r) => r.v === v && r.s >= stopAt && r.srv === 'sorry', 10_000)));
  await sleep(1500);
  const until = Date.now() - 1000;
  const reqs = traffic.requests();
  const list = (await c.B.exec(lvsdArgv(['ipvsadm', '-L', '-n']))).stdout;
  const lines: string[] = [`sorry server ${sorry}:80 alone in both of B's services ${tableAt === undefined ? 'NEVER' : `${seconds(tableAt - stopAt)} after the stop`}:\n$ lvsd ipvsadm -L -n   (in B)\n${list.trimEnd()}`];
  const problems: string[] = [];
  if (tableAt === undefined || tableAt - stopAt > bound + slack) problems.push('the sorry server did not replace the real servers in time');
  VIPS.forEach((vip, v) => {
    const f = firsts[v] ?? firstAnsweredBy(reqs, v, 'sorry', stopAt);
    const failed = failures(reqs, v, stopAt, f ? f.s : until);
    const after = f ? servedBy(reqs, v, f.s, until) : {};
    lines.push(
      `VIP${v + 1} ${vip}: first answer from the sorry server ${f ? `${seconds(f.e - stopAt)} after the stop` : 'NEVER'}; ${failed} requests failed before it; since then: ${fmtCounts(after)}`,
    );
    if (!f) problems.push(`VIP${v + 1}: the sorry server never answered`);
    else if (Object.keys(after).some((k) => k !== 'sorry')) problems.push(`VIP${v + 1}: answers other than the sorry server's after it came in`);
  });
  s.say(lines.join('\n'));
  if (problems.length) s.say(problems.join('\n'));
  const f1 = firsts[0];
  const f2 = firsts[1];
  s.end(
    'sorry server',
    problems.length ? 'FAIL' : 'PASS',
    `in ${tableAt === undefined ? '-' : seconds(tableAt - stopAt)} after rs1 and rs2 stopped (bound ${seconds(bound, 1)}); answering VIP1 ${f1 ? seconds(f1.e - stopAt) : '-'}, VIP2 ${f2 ? seconds(f2.e - stopAt) : '-'}`,
  );
}

const SCRAPE = fileURLToPath(new URL('./scrape.js', import.meta.url));

/** Step 6: a scrape of B's /metrics from inside B's namespace, as Prometheus would. */
export async function metricsStep(c: Ctx, s: Step): Promise<void> {
  if (!c.features.metrics) {
    s.say('`lvsd run --help` offers no --metrics-listen in this build: there is no metrics endpoint to scrape');
    s.end('metrics', 'FAIL', 'not available in this build');
    return;
  }
  const url = `http://${c.metricsListen}/metrics`;
  const r = await c.B.exec([process.execPath, SCRAPE, url, '5000'], { allowFail: true, timeoutMs: 30_000 });
  const [status = '', ...rest] = r.stdout.split('\n');
  const body = rest.join('\n');
  s.say(`$ node scrape.js ${url}   (in B: Node's fetch)\n  ${status}, ${body.length} bytes, ${body.split('\n').filter((l) => l && !l.startsWith('#')).length} samples`);
  if (r.code !== 0) {
    const said = c.db!.lastLines(400).split('\n').filter((l) => /metric|listen/i.test(l));
    s.say(`B's lvsd said about metrics: ${said.length ? `\n${said.slice(-5).join('\n')}` : 'nothing'}`);
    s.end('metrics', 'FAIL', `scrape failed: ${status}`);
    return;
  }
  const samples = parseProm(body);
  const problems: string[] = [];
  const codes = stateCodes(helpOf(body, 'keepalived_vrrp_state'));
  const states = samples.filter((x) => x.name === 'keepalived_vrrp_state');
  for (const inst of ['VI_1', 'VI_2']) {
    const st = states.find((x) => x.labels.iname === inst);
    if (!st) problems.push(`no keepalived_vrrp_state{iname="${inst}"}`);
    else if (st.value !== codes.MASTER) problems.push(`keepalived_vrrp_state{iname="${inst}"} is ${st.value}, not MASTER (${codes.MASTER})`);
  }
  const ipvs = VIPS.map((v) => ipvsSamplesFor(samples, v));
  const moved = ipvs.map((xs) => xs.filter((x) => /_total$/.test(x.name) && x.value > 0));
  VIPS.forEach((v, i) => {
    if (moved[i]!.length === 0) problems.push(`no IPVS counter above 0 for ${v}`);
  });
  const show = [...states.map((x) => x.line), ...moved.flatMap((xs) => xs.slice(0, 3).map((x) => x.line))];
  s.say(`${show.join('\n')}${show.length ? '' : '(no matching lines)'}`);
  if (problems.length) s.say(problems.join('\n'));
  s.end(
    'metrics',
    problems.length ? 'FAIL' : 'PASS',
    `${samples.length} samples; VI_1 and VI_2 MASTER on B: ${states.length >= 2 && problems.every((p) => !p.includes('vrrp_state')) ? 'yes' : 'NO'}; IPVS counters for ${VIP1} ${moved[0]!.length}, ${VIP2} ${moved[1]!.length}`,
  );
}
