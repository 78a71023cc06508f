// Runtime tests over fakes: vrrp_script tracking (interval, timeout, rise/fall, weight), track_interface,
// track_file, sync groups, and the rule that adverts never wait on a script.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addNode, conf, instance, stateOf, stopNode, world } from './harness.js';
import { VrrpNode } from '../../../src/vrrp/runtime/node.js';
import { realClock } from '../../../src/vrrp/runtime/clock.js';
import { configFrom } from './harness.js';
import { FakeAddresses, FakeAnnouncer, FakeClock, FakeLan } from './fakes.js';
import type { ScriptRunner } from '../../../src/vrrp/runtime/ports.js';
import { parseTrackFile } from '../../../src/vrrp/runtime/tracking.js';

const script = (name: string, lines: string[]) => `vrrp_script ${name} {\n${lines.map((l) => `  ${l}\n`).join('')}}\n`;
const vi = (prio: number, extra: string[] = []) =>
  instance('VI_1', ['interface eth0', 'virtual_router_id 51', `priority ${prio}`, 'advert_int 1', ...extra, 'virtual_ipaddress {', '  10.0.0.100/24', '}']);

test('scenario 2: a failing check (weight -30, fall 2) moves the VIP to the backup after its preempt_delay; rise 1 brings it back', async () => {
  const w = world();
  const chk = script('chk_nginx', ['script "/usr/bin/chk nginx"', 'interval 2', 'weight -30', 'fall 2', 'rise 1']);
  const track = ['track_script {', '  chk_nginx', '}', 'preempt_delay 10'];
  const a = addNode(w, 'a', '10.0.0.1', conf(chk + vi(100, ['state BACKUP', ...track])));
  const b = addNode(w, 'b', '10.0.0.2', conf(chk + vi(90, ['state BACKUP', ...track])));
  let aHealthy = true;
  a.runner.behaviour = () => ({ exitCode: aHealthy ? 0 : 1, ms: 20 });
  await Promise.all([a.node.start(), b.node.start()]);
  await w.clock.advance(10);
  assert.equal(stateOf(a), 'INIT', 'held until the script has a first result');
  await w.clock.advance(20_000);
  assert.deepEqual([stateOf(a), stateOf(b)], ['MASTER', 'BACKUP']);
  // Runs every 2 s.
  const runs = a.runner.calls.map((c) => c.t);
  assert.ok(runs.length >= 9 && runs.every((t, i) => i === 0 || Math.abs(t - runs[i - 1]! - 2000) < 1e-6), runs.join(','));
  aHealthy = false;
  const tFail = w.clock.now();
  await w.clock.advance(4100); // two failed runs (fall 2)
  assert.equal(a.node.instanceStatus('VI_1')!.priority, 70);
  assert.deepEqual(a.of('vrrp.priority').map((p) => [p.from, p.to]), [[100, 70]]);
  assert.equal(stateOf(a), 'MASTER', 'B waits its preempt_delay');
  // preempt_delay (10 s) from B's first lower-priority advert, then Master_Down_Interval after the last
  // advert B accepted: about 2 + 1 + 10 + 3.6 s after the first failure.
  await w.clock.advance(9000);
  assert.deepEqual([stateOf(a), stateOf(b)], ['MASTER', 'BACKUP'], 'still inside preempt_delay');
  await w.clock.advance(5000);
  assert.deepEqual([stateOf(a), stateOf(b)], ['BACKUP', 'MASTER']);
  const tB = b.events.find((e) => e.name === 'vrrp.transition' && (e.payload as { to: string }).to === 'MASTER' && e.t > tFail)!.t;
  assert.ok(tB - tFail >= 10_000, `B took over ${tB - tFail} ms after the first failure (preempt_delay 10 s)`);
  assert.equal(a.addrs.has('eth0', '10.0.0.100'), false);
  assert.equal(b.addrs.has('eth0', '10.0.0.100'), true);
  aHealthy = true;
  await w.clock.advance(2100);
  assert.equal(a.node.instanceStatus('VI_1')!.priority, 100);
  // A preempts back, after its own preempt_delay.
  await w.clock.advance(8000);
  assert.deepEqual([stateOf(a), stateOf(b)], ['BACKUP', 'MASTER']);
  await w.clock.advance(8000);
  assert.deepEqual([stateOf(a), stateOf(b)], ['MASTER', 'BACKUP'], 'A preempts back once healthy');
  const sc = a.of('vrrp.script').map((s) => s.status);
  assert.deepEqual(sc, ['up', 'down', 'up']);
  await Promise.all([stopNode(w, a), stopNode(w, b)]);
});

test('a hung script is killed at its timeout and counts as a failure; adverts keep their schedule', async () => {
  const w = world();
  const chk = script('chk', ['script /bin/hang', 'interval 1', 'timeout 3', 'weight -10']);
  const a = addNode(w, 'a', '10.0.0.1', conf(chk + vi(255, ['track_script {', '  chk', '}']).replace('priority 255', 'priority 200')));
  let hang = false;
  a.runner.behaviour = () => (hang ? 'hang' : { exitCode: 0 });
  await a.node.start();
  await w.clock.advance(5000);
  assert.equal(stateOf(a), 'MASTER');
  hang = true;
  const t0 = w.clock.now();
  await w.clock.advance(10_000);
  const adverts = w.lan.sentBy('a').filter((p) => p.t >= t0).map((p) => p.t);
  assert.equal(adverts.length, 10);
  for (let i = 1; i < adverts.length; i++) assert.equal(adverts[i]! - adverts[i - 1]!, 1000);
  // One run at a time: a run that is still going is not started again.
  // The run due at +1 s hangs until its 3 s timeout; the runs due meanwhile are not started beside it.
  const during = a.runner.calls.filter((c) => c.t > t0).map((c) => Math.round(c.t - t0));
  assert.deepEqual(during, [1000, 4000, 7000, 10000]);
  const timedOut = a.of('vrrp.script').filter((s) => s.timedOut);
  assert.ok(timedOut.length >= 2);
  assert.equal(a.node.instanceStatus('VI_1')!.priority, 190);
  await stopNode(w, a);
});

test('real clock: adverts every 100 ms while a check script hangs and netlink never confirms the VIP', async () => {
  const clock = realClock();
  const fakeClockForLan = new FakeClock();
  const lan = new FakeLan(fakeClockForLan);
  const { config } = configFrom(conf(script('chk', ['script /bin/hang', 'interval 1', 'timeout 30', 'weight -10']) + instance('VI_1', ['interface eth0', 'virtual_router_id 51', 'priority 255', 'version 3', 'advert_int 0.1', 'track_script {', '  chk', '}', 'virtual_ipaddress {', '  10.0.0.100/24', '}']).replace('priority 255', 'priority 200')), { eth0: { ipv4: '10.0.0.1' } });
  const addrs = new FakeAddresses(fakeClockForLan);
  // The first script run answers at once; every later one never does (until aborted at stop).
  let calls = 0;
  const runScript: ScriptRunner = (o) =>
    calls++ === 0
      ? Promise.resolve({ exitCode: 0, signal: null, timedOut: false, durationMs: 1, output: '' })
      : new Promise((resolve) => o.signal?.addEventListener('abort', () => resolve({ exitCode: null, signal: 'SIGKILL', timedOut: false, durationMs: 0, output: '' })));
  const node = new VrrpNode(config, { sockets: lan.factory('a', ['10.0.0.1']), addresses: addrs, announcer: new FakeAnnouncer(fakeClockForLan), clock, runScript }, { stopGraceMs: 100 });
  // netlink never answers: the VIP add stays pending for the whole test.
  addrs.gate = new Promise(() => {});
  const stamps: number[] = [];
  const orig = lan.transmit.bind(lan);
  lan.transmit = (from, dst, payload, src) => {
    stamps.push(performance.now());
    orig(from, dst, payload, src);
  };
  const t0 = performance.now();
  await node.start();
  // Master_Down_Interval is 3 x 100 ms + skew; then 20 adverts in 2 s.
  await new Promise((r) => setTimeout(r, 2400));
  assert.equal(node.instanceStatus('VI_1')!.state, 'MASTER');
  const gaps = stamps.slice(1).map((t, i) => t - stamps[i]!);
  process.stderr.write(`# real-clock adverts while a script hangs: ${stamps.length} in ${(performance.now() - t0).toFixed(0)} ms; max gap ${Math.max(...gaps).toFixed(1)} ms\n`);
  assert.ok(calls >= 2, 'the script was started again and hangs');
  assert.ok(stamps.length >= 19 && stamps.length <= 22, `adverts: ${stamps.length}`);
  assert.ok(stamps[0]! - t0 < 400, `first advert ${(stamps[0]! - t0).toFixed(0)} ms after start`);
  assert.ok(Math.max(...gaps) < 140, `largest gap between adverts ${Math.max(...gaps).toFixed(1)} ms`);
  assert.equal(addrs.ops.length, 0, 'the VIP add never completed');
  await node.stop();
  assert.equal(lan.sent.at(-1)!.payload[2], 0, 'priority 0 on stop even with netlink stuck');
});

test('track_interface: the instance interface down puts the instance in FAULT (priority 0 sent); up again: BACKUP then MASTER', async () => {
  const w = world();
  const a = addNode(w, 'a', '10.0.0.1', conf(vi(150, ['track_interface {', '  eth1 weight -60', '}'])));
  await a.node.start();
  await w.clock.advance(4000);
  assert.equal(stateOf(a), 'MASTER');
  a.links.set('eth1', false);
  assert.equal(a.node.instanceStatus('VI_1')!.priority, 90);
  assert.equal(stateOf(a), 'MASTER', 'a weight changes priority, not state');
  const before = w.lan.sentBy('a').length;
  a.links.set('eth0', false);
  assert.equal(stateOf(a), 'FAULT');
  assert.deepEqual(w.lan.sentBy('a').slice(before).map((p) => p.payload[2]), [0], 'leaving MASTER for FAULT sends priority 0');
  await w.clock.advance(10);
  assert.equal(a.addrs.has('eth0', '10.0.0.100'), false);
  a.links.set('eth0', true);
  a.links.set('eth1', true);
  assert.equal(stateOf(a), 'BACKUP');
  await w.clock.advance(4000);
  assert.equal(stateOf(a), 'MASTER');
  await stopNode(w, a);
});

test('track_file: the number in the file times the weight; init_file creates it; missing = 0', async () => {
  assert.deepEqual([parseTrackFile('12\n'), parseTrackFile(' -7 x'), parseTrackFile('abc'), parseTrackFile(undefined)], [12, -7, 0, 0]);
  const w = world();
  const tf = 'vrrp_track_file tf {\n  file /run/tf\n  weight 2\n  init_file 5\n}\n';
  const a = addNode(w, 'a', '10.0.0.1', conf(tf + vi(100, ['track_file {', '  tf', '}'])), { filePollMs: 100 });
  await a.node.start();
  assert.equal(a.files.read('/run/tf'), '5\n');
  assert.equal(a.node.instanceStatus('VI_1')!.priority, 110);
  a.files.write('/run/tf', '-20');
  await w.clock.advance(150);
  assert.equal(a.node.instanceStatus('VI_1')!.priority, 60);
  a.files.files.delete('/run/tf');
  await w.clock.advance(150);
  assert.equal(a.node.instanceStatus('VI_1')!.priority, 100);
  await stopNode(w, a);
});

test('sync group: a fault in one member faults the other; a member becoming master brings the other along', async () => {
  const w = world();
  const text =
    'vrrp_sync_group G {\n  group {\n    VI_1\n    VI_2\n  }\n  notify "/bin/gnotify"\n}\n' +
    conf(
      instance('VI_1', ['interface eth0', 'virtual_router_id 51', 'priority 150', 'track_interface {', '  eth1', '}', 'virtual_ipaddress {', '  10.0.0.100/24', '}']) +
        instance('VI_2', ['interface eth0', 'virtual_router_id 52', 'priority 150', 'virtual_ipaddress {', '  10.0.0.200/24', '}']),
    );
  const a = addNode(w, 'a', '10.0.0.1', text);
  await a.node.start();
  await w.clock.advance(4000);
  assert.deepEqual([stateOf(a, 'VI_1'), stateOf(a, 'VI_2')], ['MASTER', 'MASTER']);
  a.links.set('eth1', false);
  assert.deepEqual([stateOf(a, 'VI_1'), stateOf(a, 'VI_2')], ['FAULT', 'FAULT']);
  await w.clock.advance(10);
  assert.equal(a.addrs.has('eth0', '10.0.0.200'), false);
  assert.ok(a.runner.argvs().some((x) => x.join(' ') === '/bin/gnotify GROUP G FAULT 0'), JSON.stringify(a.runner.argvs()));
  a.links.set('eth1', true);
  await w.clock.advance(4000);
  assert.deepEqual([stateOf(a, 'VI_1'), stateOf(a, 'VI_2')], ['MASTER', 'MASTER']);
  await stopNode(w, a);
});

test('notify scripts: notify_master then notify with INSTANCE name state priority, without waiting for them', async () => {
  const w = world();
  const a = addNode(w, 'a', '10.0.0.1', conf(vi(150, ['notify_master "/bin/m arg"', 'notify_backup /bin/b', 'notify /bin/n'])));
  a.runner.behaviour = () => 'hang';
  await a.node.start();
  await w.clock.advance(4000);
  assert.equal(stateOf(a), 'MASTER');
  assert.deepEqual(a.runner.argvs(), [['/bin/b'], ['/bin/n', 'INSTANCE', 'VI_1', 'BACKUP', '150'], ['/bin/m', 'arg'], ['/bin/n', 'INSTANCE', 'VI_1', 'MASTER', '150']]);
  // Hanging notify scripts did not hold the adverts back.
  assert.ok(w.lan.sentBy('a').length >= 1);
  await stopNode(w, a, 100, 70_000);
  assert.ok(a.of('vrrp.notify').length >= 4);
});
