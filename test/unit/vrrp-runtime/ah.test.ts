// Runtime tests over fakes: VRRPv2 auth_type AH between VrrpNodes on a fake LAN (protocol 51 sockets,
// whole IPv4 packets): election, sequence numbers continuing across a takeover, a wrong auth_pass and a
// replayed advert counted as auth_failure without disturbing the election, recovery.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addNode, conf, instance, stateOf, stopNode, world } from './harness.js';
import { ahPacket } from './fakes.js';
import { decodeIpv4Packet } from '../../../src/vrrp/codec.js';
import { parseAh } from '../../../src/vrrp/ipsec-ah.js';

const vi = (prio: number, pass: string, extra: string[] = []) =>
  instance('VI_1', ['interface eth0', 'virtual_router_id 51', `priority ${prio}`, 'advert_int 1', 'authentication {', '  auth_type AH', `  auth_pass ${pass}`, '}', ...extra, 'virtual_ipaddress {', '  10.0.0.100/24', '}']);

const seqs = (w: ReturnType<typeof world>, node: string): number[] => w.lan.sentBy(node).map((p) => parseAh(decodeIpv4Packet(p.payload).ah!).seq);

test('AH pair: elects, sends IP+AH packets with rising numbers, backup counts no failure; wrong key and replay are dropped', async () => {
  const w = world();
  const a = addNode(w, 'a', '10.0.0.1', conf(vi(150, 'k3y')));
  const b = addNode(w, 'b', '10.0.0.2', conf(vi(100, 'k3y')));
  await a.node.start();
  await b.node.start();
  await w.clock.advance(8000);
  assert.deepEqual([stateOf(a), stateOf(b)], ['MASTER', 'BACKUP']);
  const sentA = w.lan.sentBy('a');
  assert.ok(sentA.length >= 4, `${sentA.length} adverts`);
  const d = decodeIpv4Packet(sentA[0]!.payload);
  assert.deepEqual([d.ip.protocol, d.ip.ttl, d.ip.tos, d.ip.id, d.ip.src, d.ip.dst, d.advert.authType], [51, 255, 0xc0, 1, '10.0.0.1', '224.0.0.18', 2]);
  assert.deepEqual(seqs(w, 'a'), sentA.map((_, n) => n + 1));
  const sb = b.node.instanceStatus('VI_1')!;
  assert.equal(sb.master, '10.0.0.1');
  assert.equal(sb.counters.auth_failure, 0);
  assert.equal(sb.counters.advert_rcvd, sentA.length);

  // A replayed advert (an old number) is counted and dropped.
  w.lan.inject('b', ahPacket({ ifname: 'eth0', family: 4 }, sentA[0]!.payload));
  await w.clock.advance(1);
  assert.equal(b.node.instanceStatus('VI_1')!.counters.auth_failure, 1);
  const drop = b.of('vrrp.drop').at(-1)!;
  assert.equal(drop.counter, 'auth_failure');
  assert.match(drop.message, /sequence number 1 already processed/);

  // A third router with a higher priority but another auth_pass does not disturb the election.
  const c = addNode(w, 'c', '10.0.0.3', conf(vi(200, 'wrong')));
  await c.node.start();
  await w.clock.advance(8000);
  assert.deepEqual([stateOf(a), stateOf(b)], ['MASTER', 'BACKUP']);
  assert.equal(stateOf(c), 'MASTER', 'c hears nothing valid either');
  const fa = a.node.instanceStatus('VI_1')!.counters.auth_failure;
  const fb = b.node.instanceStatus('VI_1')!.counters.auth_failure;
  assert.ok(fa >= 3 && fb >= 4, `auth_failure a=${fa} b=${fb}`);
  assert.ok(a.of('vrrp.drop').some((e) => /invalid HMAC-MD5 ICV/.test(e.message)));
  await stopNode(w, c);
  for (const n of [a, b]) await stopNode(w, n);
});

test('AH takeover: the new master continues above the old one\'s numbers; the old master takes over again on recovery', async () => {
  const w = world();
  const a = addNode(w, 'a', '10.0.0.1', conf(vi(150, 'k3y')));
  const b = addNode(w, 'b', '10.0.0.2', conf(vi(100, 'k3y')));
  await a.node.start();
  await b.node.start();
  await w.clock.advance(6000);
  assert.equal(stateOf(a), 'MASTER');
  const lastA = seqs(w, 'a').at(-1)!;
  w.lan.cut.add('a');
  await w.clock.advance(4000);
  assert.equal(stateOf(b), 'MASTER');
  assert.equal(seqs(w, 'b')[0], lastA + 1, 'b continues from the last number it heard');
  w.lan.cut.delete('a');
  await w.clock.advance(3000);
  // a (still master while cut, numbers above b's) wins again; b's lower adverts are replays to a.
  assert.deepEqual([stateOf(a), stateOf(b)], ['MASTER', 'BACKUP']);
  for (const n of [a, b]) await stopNode(w, n);
});

test('AH and PASS on one link: each drops the other as authtype_mismatch', async () => {
  const w = world();
  const a = addNode(w, 'a', '10.0.0.1', conf(vi(150, 'k3y')));
  const passVi = instance('VI_1', ['interface eth0', 'virtual_router_id 51', 'priority 100', 'advert_int 1', 'authentication {', '  auth_type PASS', '  auth_pass k3y', '}', 'virtual_ipaddress {', '  10.0.0.100/24', '}']);
  const b = addNode(w, 'b', '10.0.0.2', conf(passVi));
  await a.node.start();
  await b.node.start();
  await w.clock.advance(6000);
  // Different protocols (51 vs 112): neither socket sees the other's adverts, as on Linux.
  assert.deepEqual([stateOf(a), stateOf(b)], ['MASTER', 'MASTER']);
  // A plain VRRP advert reaching the AH instance (same interface) is an auth type mismatch.
  const plain = w.lan.sentBy('b').at(-1)!;
  w.lan.inject('a', { src: '10.0.0.2', dst: '224.0.0.18', ttl: 255, payload: plain.payload });
  await w.clock.advance(1);
  assert.equal(a.node.instanceStatus('VI_1')!.counters.authtype_mismatch, 1);
  for (const n of [a, b]) await stopNode(w, n);
});
