// Real-server and virtual-server policy (keepalived ipwrapper.c): several checkers per server,
// inhibit vs remove, quorum and hysteresis boundaries, the sorry server in and out, weights,
// notifiers, omega, and the IPVS table derived from it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LvsPolicy, realWeight, type PolicyAction } from '../../../src/check/aggregate.js';
import { virtualServersOf, expandRange } from '../../../src/check/table.js';
import { rs, tcpCk, vs } from './fixtures.js';

/** "address:weight" of what the table holds, sorted; sorry server marked with *. */
function table(p: LvsPolicy, v = 0): string[] {
  return p.dests(v).map((d) => `${d.address}:${d.weight}${d.sorry ? '*' : ''}`).sort();
}
const logs = (a: PolicyAction[]) => a.filter((x) => x.kind === 'log').map((x) => (x as { message: string }).message);
const notes = (a: PolicyAction[]) => a.filter((x) => x.kind === 'notify').map((x) => `${(x as { event: string }).event} ${(x as { command: { command: string } }).command.command}`);

test('start: live servers in with their weights; an alpha server out until it passes', () => {
  const v = vs({ real_servers: [rs(1, { weight: 3 }), rs(2, { alpha: true, checkers: [tcpCk(true)] })] });
  const p = new LvsPolicy([v], (_v, r, c) => !v.real_servers[r]?.checkers[c]?.alpha);
  p.start();
  assert.deepEqual(table(p), ['10.0.1.1:3']);
  const up = p.checkerEvent(0, 1, 'up');
  assert.deepEqual(table(p), ['10.0.1.1:3', '10.0.1.2:1']);
  assert.deepEqual(logs(up), ['Adding service [10.0.1.2]:tcp:80 to VS [10.0.0.1]:tcp:80']);
});

test('inhibit_on_failure: weight 0 instead of removal, and in the table from the start even when failed', () => {
  const v = vs({ real_servers: [rs(1, { inhibit_on_failure: true, checkers: [tcpCk(true)] }), rs(2)] });
  const p = new LvsPolicy([v], (_v, r) => r !== 0);
  p.start();
  assert.deepEqual(table(p), ['10.0.1.1:0', '10.0.1.2:1']);
  assert.deepEqual(logs(p.checkerEvent(0, 0, 'up')), ['Enabling service [10.0.1.1]:tcp:80 of VS [10.0.0.1]:tcp:80']);
  assert.deepEqual(table(p), ['10.0.1.1:1', '10.0.1.2:1']);
  assert.deepEqual(logs(p.checkerEvent(0, 0, 'down')), ['Disabling service [10.0.1.1]:tcp:80 of VS [10.0.0.1]:tcp:80']);
  assert.deepEqual(table(p), ['10.0.1.1:0', '10.0.1.2:1']);
  assert.deepEqual(logs(p.checkerEvent(0, 1, 'down')), ['Removing service [10.0.1.2]:tcp:80 from VS [10.0.0.1]:tcp:80', 'Lost quorum 1-0=1 > 0 for VS [10.0.0.1]:tcp:80']);
  assert.deepEqual(table(p), ['10.0.1.1:0']);
});

test('several checkers on one server: down when any is down, back only when all are up', () => {
  const v = vs({ real_servers: [rs(1, { checkers: [tcpCk(), tcpCk(), tcpCk()] })] });
  const p = new LvsPolicy([v], () => true);
  p.start();
  const before = p.version;
  p.checkerEvent(0, 0, 'down');
  assert.deepEqual(table(p), []);
  p.checkerEvent(0, 0, 'down');
  p.checkerEvent(0, 0, 'up');
  assert.deepEqual(table(p), [], 'one checker is still down');
  p.checkerEvent(0, 0, 'up');
  assert.deepEqual(table(p), ['10.0.1.1:1']);
  assert.ok(p.version > before);
});

test('quorum and hysteresis: gained at quorum + hysteresis, lost below quorum - hysteresis, exactly at the boundaries', () => {
  const v = vs({ quorum: 4, hysteresis: 1, real_servers: [rs(1, { weight: 1 }), rs(2, { weight: 2 }), rs(3, { weight: 3 })] });
  const p = new LvsPolicy([v], () => true);
  p.start();
  assert.equal(p.state[0]?.quorumUp, true); // 6 >= 5
  p.checkerEvent(0, 2, 'down'); // 3: not < 4-1 = 3
  assert.equal(p.state[0]?.quorumUp, true);
  const lost = p.checkerEvent(0, 0, 'down'); // 2 < 3
  assert.equal(p.state[0]?.quorumUp, false);
  assert.match(logs(lost).join('\n'), /Lost quorum 4-1=3 > 2/);
  p.checkerEvent(0, 0, 'up'); // 3: not >= 4+1 = 5
  assert.equal(p.state[0]?.quorumUp, false);
  const gained = p.checkerEvent(0, 2, 'up'); // 6 >= 5
  assert.equal(p.state[0]?.quorumUp, true);
  assert.match(logs(gained).join('\n'), /Gained quorum 4\+1=5 <= 6/);
  // With hysteresis 0 the boundary is quorum itself.
  const q = new LvsPolicy([vs({ quorum: 2, real_servers: [rs(1), rs(2)] })], () => true);
  q.start();
  q.checkerEvent(0, 0, 'down');
  assert.equal(q.state[0]?.quorumUp, false);
  q.checkerEvent(0, 0, 'up');
  assert.equal(q.state[0]?.quorumUp, true);
});

test('sorry server: added when quorum is lost (live servers leave the pool), removed when it is back', () => {
  const v = vs({ quorum: 2, real_servers: [rs(1), rs(2)], sorry_server: { address: '10.0.9.9', port: 80, method: { method: 'NAT' }, inhibit: false } });
  const p = new LvsPolicy([v], () => true);
  p.start();
  assert.deepEqual(table(p), ['10.0.1.1:1', '10.0.1.2:1']);
  const lost = p.checkerEvent(0, 0, 'down');
  assert.deepEqual(table(p), ['10.0.9.9:1*'], 'the live server leaves with the sorry server in');
  assert.deepEqual(logs(lost).slice(-3), [
    'Lost quorum 2-0=2 > 1 for VS [10.0.0.1]:tcp:80',
    'Adding sorry server [10.0.9.9]:tcp:80 to VS [10.0.0.1]:tcp:80',
    'Removing alive servers from the pool for VS [10.0.0.1]:tcp:80',
  ]);
  p.checkerEvent(0, 1, 'down');
  assert.deepEqual(table(p), ['10.0.9.9:1*']);
  p.checkerEvent(0, 1, 'up');
  assert.deepEqual(table(p), ['10.0.9.9:1*'], 'one server (weight 1) does not reach quorum 2');
  const gained = p.checkerEvent(0, 0, 'up');
  assert.deepEqual(table(p), ['10.0.1.1:1', '10.0.1.2:1']);
  assert.match(logs(gained).join('\n'), /Removing sorry server \[10\.0\.9\.9\]:tcp:80/);
});

test('sorry server at start when quorum cannot be met; sorry_server_inhibit keeps it at weight 0 otherwise', () => {
  const sorry = { address: '10.0.9.9', port: 80, method: { method: 'NAT' as const }, inhibit: true };
  const v = vs({ real_servers: [rs(1, { inhibit_on_failure: true }), rs(2)], sorry_server: sorry });
  const down = new LvsPolicy([v], () => false);
  const acts = down.start();
  assert.match(logs(acts).join('\n'), /Starting with quorum down 1-0=1 > 0.*\n.*Enabling sorry server/);
  assert.deepEqual(table(down), ['10.0.1.1:0', '10.0.9.9:1*']);
  const up = new LvsPolicy([v], () => true);
  up.start();
  assert.deepEqual(table(up), ['10.0.1.1:1', '10.0.1.2:1', '10.0.9.9:0*']);
  up.checkerEvent(0, 0, 'down');
  up.checkerEvent(0, 1, 'down');
  assert.deepEqual(table(up), ['10.0.1.1:0', '10.0.9.9:1*']);
});

test('notify_up / notify_down per real server, quorum_up / quorum_down per virtual server, once per change', () => {
  const cmd = (c: string) => ({ command: c });
  const v = vs({
    quorum_up: cmd('/q up'), quorum_down: cmd('/q down'),
    real_servers: [rs(1, { notify_up: cmd('/rs1 up'), notify_down: cmd('/rs1 down') }), rs(2)],
  });
  const p = new LvsPolicy([v], () => true);
  assert.deepEqual(notes(p.start()), ['quorum-up /q up']);
  assert.deepEqual(notes(p.checkerEvent(0, 0, 'down')), ['rs-down /rs1 down']);
  assert.deepEqual(notes(p.checkerEvent(0, 1, 'down')), ['quorum-down /q down']);
  assert.deepEqual(notes(p.checkerEvent(0, 0, 'up')), ['rs-up /rs1 up', 'quorum-up /q up']);
  // An alpha server confirmed down at its first result: its notify_down runs once.
  const a = new LvsPolicy([vs({ real_servers: [rs(1, { notify_down: cmd('/rs1 down'), checkers: [tcpCk(true)] })] })], () => false);
  a.start();
  assert.deepEqual(notes(a.checkerEvent(0, 0, 'initial-down')), ['rs-down /rs1 down']);
});

test('omega: at stop, notify_down for live servers and quorum_down; without omega nothing', () => {
  const cmd = (c: string) => ({ command: c });
  const base = { quorum_down: cmd('/q down'), real_servers: [rs(1, { notify_down: cmd('/rs1 down') }), rs(2, { notify_down: cmd('/rs2 down') })] };
  const o = new LvsPolicy([vs({ ...base, omega: true })], () => true);
  o.start();
  o.checkerEvent(0, 1, 'down');
  assert.deepEqual(notes(o.stop()), ['rs-down /rs1 down', 'quorum-down /q down']);
  const n = new LvsPolicy([vs(base)], () => true);
  n.start();
  assert.deepEqual(n.stop(), []);
});

test('misc_dynamic weights: the table weight follows, quorum counts it, an unchanged weight does nothing', () => {
  const v = vs({ quorum: 3, real_servers: [rs(1, { weight: 2 }), rs(2, { weight: 2 })] });
  const p = new LvsPolicy([v], () => true);
  p.start();
  const ver = p.version;
  assert.deepEqual(p.weightChange(0, 0, 0, 2, 'set'), []);
  assert.equal(p.version, ver);
  const c = p.weightChange(0, 0, 0, 10, 'set');
  assert.deepEqual(logs(c), ['Changing weight from 2 to 10 for active service [10.0.1.1]:tcp:80 of VS [10.0.0.1]:tcp:80']);
  assert.deepEqual(table(p), ['10.0.1.1:10', '10.0.1.2:2']);
  p.weightChange(0, 0, 0, 0, 'set');
  p.weightChange(0, 1, 0, 0, 'set');
  assert.equal(p.state[0]?.quorumUp, false, 'live weight 0 is below quorum');
  p.weightChange(0, 1, 0, 5, 'delta');
  assert.deepEqual(table(p), ['10.0.1.1:0', '10.0.1.2:5']);
  assert.equal(realWeight(-3), 0);
  assert.equal(realWeight(1e9), 65535);
});

test('table: one IPVS service per group address, destinations with forwarding, weights and thresholds', () => {
  assert.deepEqual(expandRange('10.0.0.254', '10.0.1.1'), ['10.0.0.254', '10.0.0.255', '10.0.1.0', '10.0.1.1']);
  assert.deepEqual(expandRange('2001:db8::1', '2001:db8::3'), ['2001:db8::1', '2001:db8::2', '2001:db8::3']);
  const v = vs({
    services: [{ kind: 'address', family: 'inet', first: '10.0.0.1', last: '10.0.0.2', port: 80, protocol: 'TCP' }],
    persistence: { timeout: 300, granularity: '255.255.255.0' },
    real_servers: [rs(1, { method: { method: 'DR' }, uthreshold: 100 }), rs(2, { method: { method: 'TUN', tunnel: { type: 'gue', port: 6080, csum: 'csum' } } })],
  });
  const p = new LvsPolicy([v], () => true);
  p.start();
  const t = virtualServersOf(v, p.dests(0));
  assert.equal(t.length, 2);
  assert.deepEqual(t.map((s) => s.service.key), [
    { kind: 'addr', family: 'ipv4', protocol: 'tcp', address: '10.0.0.1', port: 80 },
    { kind: 'addr', family: 'ipv4', protocol: 'tcp', address: '10.0.0.2', port: 80 },
  ]);
  assert.equal(t[0]?.service.scheduler, 'wrr');
  assert.equal(t[0]?.service.timeout, 300);
  assert.equal(t[0]?.service.netmask, 0xffffff00);
  assert.deepEqual(t[0]?.dests.map((d) => [d.address, d.forwarding, d.weight, d.upperThreshold, d.tunnelType, d.tunnelPort, d.tunnelFlags]), [
    ['10.0.1.1', 'route', 1, 100, 'ipip', 0, 0],
    ['10.0.1.2', 'tunnel', 1, 0, 'gue', 6080, 1],
  ]);
});

test('start: "Gained quorum" of the starting state is marked initial; a later gain is a change', () => {
  const p = new LvsPolicy([vs({ quorum: 2, real_servers: [rs(1), rs(2)] })], () => true);
  const start = p.start();
  assert.deepEqual(start, [{ kind: 'log', message: 'Gained quorum 2+0=2 <= 2 for VS [10.0.0.1]:tcp:80', initial: true }]);
  p.checkerEvent(0, 0, 'down');
  const again = p.checkerEvent(0, 0, 'up').filter((a) => a.kind === 'log' && /Gained/.test(a.message));
  assert.deepEqual(again, [{ kind: 'log', message: 'Gained quorum 2+0=2 <= 2 for VS [10.0.0.1]:tcp:80' }]);
  // Starting without quorum (sorry server in) is not an initial-state line: it stays a change line.
  const q = new LvsPolicy([vs({ quorum: 3, real_servers: [rs(1)], sorry_server: { address: '10.0.9.9', port: 80, method: { method: 'NAT' }, inhibit: false } })], () => true);
  assert.ok(q.start().every((a) => a.kind !== 'log' || !a.initial));
});
