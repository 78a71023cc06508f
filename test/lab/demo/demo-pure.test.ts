// Pure tests of the lab demo's helpers: the report and its exit status, the event line protocol,
// the /proc/net/ip_vs reader (text captured from the UML kernel running the demo), the client's
// traffic statistics, the Prometheus text reader and what `lvsd run --help` says the build offers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exitCode, report, stepFooter, TOTAL_STEPS, type StepResult } from './report.js';
import { formatEvent, parseEvent } from './events.js';
import { describeTable, destsOf, hexAddr, parseProcIpvs } from './ipvs-table.js';
import { masterDownIntervalMs, runFeatures } from './lvsd.js';
import { formatPerSecond, formatReq, parseReq, perSecond, servedBy, takeoverCost, totals, failures, firstAnsweredBy, type Req } from './traffic-stats.js';
import { helpOf, ipvsSamplesFor, parseProm, stateCodes } from './prom-text.js';

const r = (n: number, status: StepResult['status']): StepResult => ({ n, name: `s${n}`, status, figures: `f${n}`, ms: 1500 });
const all = (status: (n: number) => StepResult['status']): StepResult[] => Array.from({ length: TOTAL_STEPS }, (_, i) => r(i + 1, status(i + 1)));

test('exit status: 0 only when every step ran and passed', () => {
  assert.equal(exitCode(all(() => 'PASS')), 0);
  assert.equal(exitCode(all((n) => (n === 6 ? 'FAIL' : 'PASS'))), 1, 'one failed step');
  assert.equal(exitCode(all(() => 'PASS').filter((x) => x.n !== 3)), 1, 'a step that never reported');
  assert.equal(exitCode([]), 1);
});

test('report: one row per step with its figures, extra figure lines, the verdict and the counts', () => {
  const text = report([r(1, 'PASS'), r(2, 'FAIL')], 61_234, ['client: 10 sent']);
  const lines = text.split('\n');
  assert.equal(lines[0], 'Report');
  assert.equal(lines[1], '  #  step  result  figures');
  assert.equal(lines[2], '  1  s1    PASS    f1');
  assert.equal(lines[3], '  2  s2    FAIL    f2');
  assert.equal(lines[4], '  client: 10 sent');
  assert.equal(lines[5], 'lab demo: FAIL (1 passed, 1 failed) in 61.2 s');
  assert.equal(lines.length, 6);
  assert.match(report(all(() => 'PASS'), 1000), new RegExp(`^lab demo: PASS \\(${TOTAL_STEPS} passed, 0 failed\\) in 1\\.0 s$`, 'm'));
  assert.equal(stepFooter(r(4, 'PASS')), '      => PASS: f4 (1.5 s)');
});

test('event lines round-trip; other lines are plain output', () => {
  const e = { t: 'end', n: 4, name: 'x', status: 'PASS', figures: 'a "b"\nc' } as const;
  assert.deepEqual(parseEvent(formatEvent(e)), e);
  assert.equal(parseEvent('listening 80'), undefined);
  assert.equal(parseEvent('@@lvsd-demo {broken'), undefined);
});

const PROC = `IP Virtual Server version 1.2.1 (size=4096)
Prot LocalAddress:Port Scheduler Flags
  -> RemoteAddress:Port Forward Weight ActiveConn InActConn
TCP  0A5800C8:0050 wrr 
  -> 0A58010C:0050      Route   1      0          0         
  -> 0A58010B:0050      Route   1      0          10        
TCP  0A580064:0050 wrr 
  -> 0A58010D:0050      Route   0      0          0         
FWM  00000005 sh 
`;

test('/proc/net/ip_vs: services and destinations with addresses decoded', () => {
  assert.equal(hexAddr('0A580064:0050'), '10.88.0.100:80');
  assert.equal(hexAddr('FFFFFFFF:FFFF'), '255.255.255.255:65535');
  const t = parseProcIpvs(PROC);
  assert.deepEqual(t.map((s) => [s.proto, s.vip, s.scheduler, s.dests.length]), [['TCP', '10.88.0.200:80', 'wrr', 2], ['TCP', '10.88.0.100:80', 'wrr', 1], ['FWM', '5', 'sh', 0]]);
  assert.deepEqual(destsOf(t, '10.88.0.200:80'), ['10.88.1.11', '10.88.1.12']);
  assert.deepEqual(t[1]!.dests, [{ addr: '10.88.1.13:80', forward: 'Route', weight: 0 }]);
  assert.deepEqual(destsOf(t, '10.88.0.1:80'), []);
  assert.equal(describeTable([]), '(empty)');
  assert.equal(describeTable(t).split('\n')[1], 'TCP 10.88.0.100:80 wrr -> 10.88.1.13:80 (Route w0)');
});

test('Master_Down_Interval (RFC 3768 §6.1): 3 x advert_int + (256 - priority) / 256 s', () => {
  assert.equal(masterDownIntervalMs(1, 100), 3609.375);
  assert.equal(masterDownIntervalMs(1, 255), 3003.90625);
  assert.equal(masterDownIntervalMs(2, 150), 6414.0625);
});

// A takeover as the client sees it: requests every 100 ms to VIP 0 (A's MAC until the GARP at
// t=3500, B's after) and VIP 1 (B's all along); A killed at t=1000; its path dead from then on.
const MAC_A = 'aa:aa:aa:aa:aa:aa';
const MAC_B = 'bb:bb:bb:bb:bb:bb';
function scenario(): Req[] {
  const out: Req[] = [];
  for (let s = 0; s < 6000; s += 100) {
    const viaA = s < 3500;
    const dead = viaA && s >= 1000;
    out.push(dead ? { v: 0, s, e: s + 1000, err: 'no answer within 1000 ms', mac: MAC_A } : { v: 0, s, e: s + 5, srv: s % 200 ? 'rs1' : 'rs2', mac: viaA ? MAC_A : MAC_B });
    out.push({ v: 1, s, e: s + 5, srv: 'rs1', mac: MAC_B });
  }
  return out;
}

test('traffic: request lines round-trip; other lines are not requests', () => {
  const q: Req = { v: 1, s: 10, e: 12, srv: 'rs1', mac: MAC_B };
  assert.deepEqual(parseReq(formatReq(q)), q);
  assert.equal(parseReq('ready'), undefined);
  assert.equal(parseReq('r {"v":"x"}'), undefined);
  assert.equal(parseReq('r {oops'), undefined);
});

test('traffic: sent / answered / failed per second, by the second a request was sent in', () => {
  const rows = perSecond(scenario(), 2, 1000, -1000, 4000);
  assert.deepEqual(rows.map((x) => x.at), [-2000, -1000, 0, 1000, 2000]);
  assert.deepEqual(rows.map((x) => x.sent), [[0, 0], [10, 10], [10, 10], [10, 10], [10, 10]]);
  assert.deepEqual(rows.map((x) => x.failed[0]), [0, 0, 10, 10, 5]);
  assert.deepEqual(rows.map((x) => x.answered[0]), [0, 10, 0, 0, 5]);
  assert.deepEqual(rows.map((x) => x.failed[1]), [0, 0, 0, 0, 0]);
  const text = formatPerSecond(rows.slice(1, 3), ['VIP1', 'VIP2'], (x) => (x.at === 0 ? '  <- kill' : ''));
  const lines = text.split('\n');
  assert.equal(lines.length, 4);
  assert.match(lines[2]!, /^ +-1 +10 +10 +0 +10 +10 +0$/);
  assert.match(lines[3]!, /^ +\+0 +10 +0 +10 +10 +10 +0 +<- kill$/);
});

test('traffic: the takeover cost: first answer through the new director, lost requests, none elsewhere', () => {
  const reqs = scenario();
  const c = takeoverCost(reqs, 0, 1000, MAC_B, 1000, 6000);
  assert.equal(c.first?.s, 3500);
  assert.equal(c.firstAnswerMs, 2505);
  // In flight at the kill (sent from 0 on, with the 1 s deadline) or sent before 3500: 35 requests, 25 failed.
  assert.equal(c.sentInWindow, 35);
  assert.equal(c.lost, 25);
  assert.equal(c.strayFailures, 0);
  assert.equal(c.longestGapMs, 2400);
  assert.deepEqual([c.lostFrom, c.lostTo], [1000, 3400]);
  assert.equal(failures(reqs, 1, 0, 6000), 0);
  // A failure after the takeover is a stray failure, not part of the cost.
  const late = [...reqs, { v: 0, s: 4550, e: 5550, err: 'ECONNRESET' }];
  assert.equal(takeoverCost(late, 0, 1000, MAC_B, 1000, 6000).strayFailures, 1);
  // No request through B: no first answer, every failure from the kill on counts.
  const never = takeoverCost(reqs, 0, 1000, 'cc:cc:cc:cc:cc:cc', 1000, 6000);
  assert.equal(never.first, undefined);
  assert.equal(never.lost, 25);
});

test('traffic: answers per server, first answer by a server, totals', () => {
  const reqs = scenario();
  assert.deepEqual(servedBy(reqs, 0, 0, 1000), { rs1: 5, rs2: 5 });
  assert.deepEqual(servedBy(reqs, 0, 1000, 2000), { failed: 10 });
  assert.equal(firstAnsweredBy(reqs, 0, 'rs1', 1000)?.s, 3500);
  assert.equal(firstAnsweredBy(reqs, 1, 'sorry', 0), undefined);
  assert.deepEqual(totals(reqs, 2), [{ sent: 60, answered: 35, failed: 25 }, { sent: 60, answered: 60, failed: 0 }]);
});

const SCRAPE = `# HELP keepalived_vrrp_state State of vrrp: 0=INIT, 1=BACKUP, 2=MASTER, 3=FAULT
# TYPE keepalived_vrrp_state gauge
keepalived_vrrp_state{iname="VI_1",intf="eth0",vrid="50"} 2
keepalived_vrrp_state{iname="VI_2",intf="eth0",vrid="51"} 1
# TYPE lvsd_ipvs_connections_total counter
lvsd_ipvs_connections_total{local_address="10.88.0.100",local_port="80",proto="TCP"} 118
lvsd_ipvs_backend_connections_active{local_address="10.88.0.100",local_port="80",remote_address="10.88.1.11",remote_port="80",proto="TCP"} 0
lvsd_ipvs_connections_total{local_address="10.88.0.200",local_port="80",proto="TCP"} 0
lvsd_build_info{version="0.1.0",note="a \\"quoted\\" label"} 1
not a sample line at all
`;

test('metrics text: samples with labels, HELP, keepalived state codes, IPVS samples of an address', () => {
  const s = parseProm(SCRAPE);
  assert.equal(s.length, 6);
  assert.deepEqual(s[0], { name: 'keepalived_vrrp_state', labels: { iname: 'VI_1', intf: 'eth0', vrid: '50' }, value: 2, line: 'keepalived_vrrp_state{iname="VI_1",intf="eth0",vrid="50"} 2' });
  assert.equal(s[5]!.labels.note, 'a "quoted" label');
  assert.equal(helpOf(SCRAPE, 'keepalived_vrrp_state'), 'State of vrrp: 0=INIT, 1=BACKUP, 2=MASTER, 3=FAULT');
  assert.deepEqual(stateCodes(helpOf(SCRAPE, 'keepalived_vrrp_state')), { INIT: 0, BACKUP: 1, MASTER: 2, FAULT: 3 });
  assert.equal(stateCodes('state: 4=MASTER').MASTER, 4);
  assert.equal(stateCodes(undefined).MASTER, 2);
  assert.deepEqual(ipvsSamplesFor(s, '10.88.0.100').map((x) => x.value), [118, 0]);
  assert.deepEqual(ipvsSamplesFor(s, '10.88.0.20'), [], 'an address matches whole, not a prefix of another');
});

test('lvsd run --help: the full daemon, metrics and control socket as the build offers them', () => {
  const today = 'Both parts in one process (the full daemon) are not in this build yet: without a mode, a\nconfiguration with virtual_server blocks is refused';
  assert.deepEqual(runFeatures(today), { full: false, metrics: false, controlSocket: false });
  const later = 'usage: lvsd run -f FILE [--metrics-listen ADDR:PORT|off] [--control-socket PATH]\n  --vrrp-only ...';
  assert.deepEqual(runFeatures(later), { full: true, metrics: true, controlSocket: true });
});
