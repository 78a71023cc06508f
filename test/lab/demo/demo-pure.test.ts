// Pure tests of the lab demo's helpers: the report and its exit status, the event line protocol,
// and the /proc/net/ip_vs reader (text captured from the UML kernel running the demo).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exitCode, report, stepFooter, type StepResult } from './report.js';
import { formatEvent, parseEvent } from './events.js';
import { describeTable, destsOf, hexAddr, parseProcIpvs } from './ipvs-table.js';
import { masterDownIntervalMs } from './lvsd.js';

const r = (n: number, status: StepResult['status']): StepResult => ({ n, name: `s${n}`, status, figures: `f${n}`, ms: 1500 });

test('exit status: 0 only when every step that ran passed; NOT YET counts neither way', () => {
  assert.equal(exitCode([r(1, 'PASS'), r(2, 'PASS')]), 0);
  assert.equal(exitCode([r(1, 'PASS'), r(2, 'NOT YET')]), 0);
  assert.equal(exitCode([r(1, 'PASS'), r(2, 'FAIL'), r(3, 'NOT YET')]), 1);
  assert.equal(exitCode([r(1, 'NOT YET')]), 1, 'nothing ran');
  assert.equal(exitCode([]), 1);
});

test('report: one row per step with its figures, the verdict and the counts', () => {
  const text = report([r(1, 'PASS'), r(2, 'FAIL'), r(3, 'NOT YET')], 61_234, 'more');
  const lines = text.split('\n');
  assert.equal(lines[0], 'Report');
  assert.equal(lines[1], '  #  step  result   figures');
  assert.equal(lines[2], '  1  s1    PASS     f1');
  assert.equal(lines[3], '  2  s2    FAIL     f2');
  assert.equal(lines[4], '  3  s3    NOT YET  f3');
  assert.equal(lines[5], 'lab demo: FAIL (1 passed, 1 failed, 1 not available yet) in 61.2 s');
  assert.equal(lines[6], 'coming in the final demo: more');
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
