// Runtime tests over fakes: one or more VrrpNodes on a fake LAN with a fake clock. Election timing,
// packet routing by VRID, drop counters, the GARP schedule, graceful stop, exact VIP removal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addNode, conf, instance, stateOf, stopNode, world } from './harness.js';
import { buildAdverts } from '../../../src/vrrp/runtime/transmit.js';
import { decodeAdvert, encodeAdvert } from '../../../src/vrrp/codec.js';
import { instanceConfig } from '../../../src/vrrp/types.js';
import { masterDownIntervalMs, skewTimeMs } from '../../../src/vrrp/timers.js';
import { VrrpRuntimeError } from '../../../src/vrrp/runtime/errors.js';

const vi = (name: string, vrid: number, prio: number, extra: string[] = [], vip = '10.0.0.100/24') =>
  instance(name, ['interface eth0', `virtual_router_id ${vrid}`, `priority ${prio}`, 'advert_int 1', ...extra, 'virtual_ipaddress {', `  ${vip}`, '}']);

/** Priorities of the adverts `node` sent (decoded). */
function prios(w: ReturnType<typeof world>, node: string): number[] {
  return w.lan.sentBy(node).map((p) => p.payload[2]!);
}

test('one node: BACKUP, then MASTER after Master_Down_Interval; adverts every advert_int; VIP added', async () => {
  const w = world();
  const a = addNode(w, 'a', '10.0.0.1', conf(vi('VI_1', 51, 100)));
  await a.node.start();
  assert.equal(stateOf(a), 'BACKUP');
  const mdi = masterDownIntervalMs(2, 100, 100); // 3609.375 ms
  await w.clock.advance(mdi - 1);
  assert.equal(stateOf(a), 'BACKUP');
  assert.equal(w.lan.sentBy('a').length, 0);
  await w.clock.advance(2);
  assert.equal(stateOf(a), 'MASTER');
  await w.clock.advance(3000);
  const times = w.lan.sentBy('a').map((p) => p.t);
  assert.deepEqual(times, [mdi, mdi + 1000, mdi + 2000, mdi + 3000]);
  assert.ok(a.addrs.has('eth0', '10.0.0.100'));
  const tr = a.of('vrrp.transition');
  assert.deepEqual(tr.map((x) => [x.from, x.to, x.reason]), [['INIT', 'BACKUP', 'startup'], ['BACKUP', 'MASTER', 'master_down']]);
  const sent = w.lan.sentBy('a')[0]!;
  assert.equal(sent.dst, '224.0.0.18');
  const adv = decodeAdvert(sent.payload, { family: 'ipv4', src: sent.src, dst: sent.dst });
  assert.deepEqual([adv.version, adv.vrid, adv.priority, adv.adverIntCs, adv.addresses], [2, 51, 100, 100, ['10.0.0.100']]);
  assert.equal(a.node.instanceStatus('VI_1')!.counters.advert_sent, 4);
  assert.equal(a.node.instanceStatus('VI_1')!.counters.become_master, 1);
  await stopNode(w, a);
});

test('two nodes: the higher priority wins; the other stays BACKUP and holds no VIP', async () => {
  const w = world();
  const a = addNode(w, 'a', '10.0.0.1', conf(vi('VI_1', 51, 150)));
  const b = addNode(w, 'b', '10.0.0.2', conf(vi('VI_1', 51, 100)));
  await Promise.all([a.node.start(), b.node.start()]);
  await w.clock.advance(10_000);
  assert.equal(stateOf(a), 'MASTER');
  assert.equal(stateOf(b), 'BACKUP');
  assert.ok(a.addrs.has('eth0', '10.0.0.100'));
  assert.equal(b.addrs.has('eth0', '10.0.0.100'), false);
  assert.equal(b.node.instanceStatus('VI_1')!.master, '10.0.0.1');
  assert.ok(b.node.instanceStatus('VI_1')!.counters.advert_rcvd >= 6);
  assert.equal(w.lan.sentBy('b').length, 0);
});

test('packets are routed by VRID: an advert for VRID 52 moves only that instance; an unknown VRID is ignored', async () => {
  const w = world();
  const a = addNode(w, 'a', '10.0.0.1', conf(vi('VI_1', 51, 150) + vi('VI_2', 52, 150, [], '10.0.0.200/24')));
  await a.node.start();
  await w.clock.advance(4000);
  assert.deepEqual([stateOf(a, 'VI_1'), stateOf(a, 'VI_2')], ['MASTER', 'MASTER']);
  const higher = (vrid: number, vip: string) =>
    Buffer.from(encodeAdvert({ version: 2, vrid, priority: 200, adverIntCs: 100, addresses: [vip] }, { family: 'ipv4' }));
  a.events.length = 0;
  w.lan.inject('a', { src: '10.0.0.9', dst: '224.0.0.18', ttl: 255, payload: higher(52, '10.0.0.200') });
  assert.deepEqual([stateOf(a, 'VI_1'), stateOf(a, 'VI_2')], ['MASTER', 'BACKUP']);
  w.lan.inject('a', { src: '10.0.0.9', dst: '224.0.0.18', ttl: 255, payload: higher(99, '10.0.0.200') });
  assert.deepEqual([stateOf(a, 'VI_1'), stateOf(a, 'VI_2')], ['MASTER', 'BACKUP']);
  assert.equal(a.node.unknownVrid, 1);
  assert.deepEqual(a.of('vrrp.drop').map((d) => [d.instance, d.reason]), [[null, 'unknown_vrid']]);
  await w.clock.advance(10);
  assert.equal(a.addrs.has('eth0', '10.0.0.200'), false);
  assert.equal(a.addrs.has('eth0', '10.0.0.100'), true);
});

test('drops are counted under keepalived counter names and never change state', async () => {
  const w = world();
  const a = addNode(w, 'a', '10.0.0.1', conf(vi('VI_1', 51, 100, ['authentication {', '  auth_type PASS', '  auth_pass s3cret', '}'])));
  await a.node.start();
  const cfg = instanceConfig({ name: 'x', vrid: 51, priority: 200, primaryAddress: '10.0.0.9', virtualAddresses: ['10.0.0.100'], auth: { type: 'pass', password: 's3cret' } });
  const good = buildAdverts(cfg, 200)[0]!.payload;
  const inj = (payload: Buffer, ttl = 255) => w.lan.inject('a', { src: '10.0.0.9', dst: '224.0.0.18', ttl, payload });
  const bad = Buffer.from(good);
  bad[7] = bad[7]! ^ 0xff;
  inj(bad); // checksum
  inj(good, 64); // TTL
  inj(buildAdverts({ ...cfg, auth: { type: 'pass', password: 'wrong' } }, 200)[0]!.payload); // password
  inj(buildAdverts({ ...cfg, auth: { type: 'none' } }, 200)[0]!.payload); // auth type
  inj(buildAdverts({ ...cfg, advertIntervalCs: 200 }, 200)[0]!.payload); // interval
  inj(buildAdverts({ ...cfg, virtualAddresses: ['10.0.0.101'] }, 200)[0]!.payload); // address list
  inj(buildAdverts({ ...cfg, version: 3 }, 200)[0]!.payload); // version
  inj(good.subarray(0, 6)); // too short
  const c = a.node.instanceStatus('VI_1')!.counters;
  assert.deepEqual(
    { chk_err: c.chk_err, ip_ttl_err: c.ip_ttl_err, auth_failure: c.auth_failure, authtype_mismatch: c.authtype_mismatch, advert_interval_err: c.advert_interval_err, addr_list_err: c.addr_list_err, vers_err: c.vers_err, packet_len_err: c.packet_len_err },
    { chk_err: 1, ip_ttl_err: 1, auth_failure: 1, authtype_mismatch: 1, advert_interval_err: 1, addr_list_err: 1, vers_err: 1, packet_len_err: 1 },
  );
  assert.equal(c.advert_rcvd, 1); // the address-list drop passed the earlier checks (keepalived order)
  assert.equal(a.of('vrrp.drop').length, 8);
  assert.equal(stateOf(a), 'BACKUP');
  // The good one is obeyed: the backup's Master_Down_Timer is reset by it.
  inj(good);
  assert.equal(a.node.instanceStatus('VI_1')!.master, '10.0.0.9');
  assert.ok(!JSON.stringify(a.events).includes('s3cret'), 'events never carry the password');
  await stopNode(w, a);
});

test('GARP schedule: garp_master_repeat per VIP, vrrp_garp_interval spacing, garp_master_delay burst, refresh', async () => {
  const w = world();
  const text = conf(
    instance('VI_1', ['interface eth0', 'virtual_router_id 51', 'priority 255', 'advert_int 1', 'garp_master_repeat 3', 'garp_master_refresh 20', 'virtual_ipaddress {', '  10.0.0.100/24', '  10.0.0.101/24', '}']),
    ['vrrp_garp_master_delay 5', 'vrrp_garp_interval 0.1'],
  );
  const a = addNode(w, 'a', '10.0.0.1', text);
  await a.node.start();
  await w.clock.advance(1000);
  assert.equal(stateOf(a), 'MASTER'); // address owner: at once
  const first = a.announcer.sent.filter((g) => g.t < 5000);
  // 3 rounds over 2 VIPs = 6 GARPs, 100 ms apart on eth0, starting at once.
  assert.deepEqual(first.map((g) => [g.t, g.address]), [
    [0, '10.0.0.100'], [100, '10.0.0.101'], [200, '10.0.0.100'], [300, '10.0.0.101'], [400, '10.0.0.100'], [500, '10.0.0.101'],
  ]);
  assert.ok(first.every((g) => g.kind === 'garp' && g.ifname === 'eth0'));
  await w.clock.advance(5000);
  const delayed = a.announcer.sent.filter((g) => g.t >= 5000 && g.t < 6000);
  assert.equal(delayed.length, 6, 'garp_master_delay: a second burst 5 s after becoming master');
  assert.equal(delayed[0]!.t, 5000);
  await w.clock.advance(15_000);
  const refresh = a.announcer.sent.filter((g) => g.t >= 20_000 && g.t < 21_000);
  assert.deepEqual(refresh.map((g) => [g.t, g.address]), [[20_000, '10.0.0.100'], [20_100, '10.0.0.101']], 'garp_master_refresh_repeat 1');
  // The VIPs were in place before the first GARP went out.
  assert.ok(a.addrs.ops.filter((o) => o.op === 'add').every((o) => o.t <= first[0]!.t));
  await stopNode(w, a);
});

test('graceful stop: the master sends priority 0, removes exactly the VIPs it added, runs notify_stop', async () => {
  const w = world();
  const text = conf(
    vi('VI_1', 51, 150, ['notify_stop "/usr/local/bin/stopped VI_1"', 'notify "/usr/local/bin/all"'], '10.0.0.100/24') +
      instance('VI_2', ['interface eth0', 'virtual_router_id 52', 'priority 150', 'virtual_ipaddress {', '  10.0.0.200/24', '}']),
  );
  const a = addNode(w, 'a', '10.0.0.1', text);
  await a.node.start();
  await w.clock.advance(3000); // Master_Down_Interval at priority 150: 3414 ms
  // Before VI_2 takes over, an operator puts 10.0.0.200 on eth0 by hand: not ours to remove later.
  a.addrs.seed('eth0', '10.0.0.200', 24);
  a.addrs.seed('eth0', '10.0.0.50', 24);
  await w.clock.advance(1000);
  assert.deepEqual([stateOf(a, 'VI_1'), stateOf(a, 'VI_2')], ['MASTER', 'MASTER']);
  const before = w.lan.sentBy('a').length;
  await stopNode(w, a);
  const after = w.lan.sentBy('a').slice(before);
  assert.deepEqual(after.map((p) => [p.payload[1], p.payload[2]]), [[51, 0], [52, 0]], 'one priority-0 advert per master');
  assert.equal(a.addrs.has('eth0', '10.0.0.100'), false, 'own VIP removed');
  assert.equal(a.addrs.has('eth0', '10.0.0.200'), true, "the operator's address stays");
  assert.equal(a.addrs.has('eth0', '10.0.0.50'), true);
  assert.equal(a.addrs.has('eth0', '10.0.0.1'), true);
  assert.deepEqual(a.addrs.ops.filter((o) => o.op === 'remove').map((o) => o.address), ['10.0.0.100']);
  const argvs = a.runner.argvs();
  assert.ok(argvs.some((x) => x.join(' ') === '/usr/local/bin/stopped VI_1'), JSON.stringify(argvs));
  assert.ok(argvs.some((x) => x.join(' ') === '/usr/local/bin/all INSTANCE VI_1 STOP 150'), JSON.stringify(argvs));
  assert.equal(a.node.instanceStatus('VI_1')!.counters.pri_zero_sent, 1);
  assert.equal(stateOf(a, 'VI_1'), 'INIT');
  assert.equal(w.clock.pendingCount(), 0, 'no timer left armed');
  assert.ok(w.lan.sockets.every((s) => s.closed));
  assert.equal(a.of('vrrp.stopped').length, 1);
});

test('a backup hearing priority 0 takes over after Skew_Time', async () => {
  const w = world();
  const a = addNode(w, 'a', '10.0.0.1', conf(vi('VI_1', 51, 150)));
  const b = addNode(w, 'b', '10.0.0.2', conf(vi('VI_1', 51, 100)));
  await Promise.all([a.node.start(), b.node.start()]);
  await w.clock.advance(5000);
  const t0 = w.clock.now();
  await stopNode(w, a);
  await w.clock.advance(2000);
  assert.equal(stateOf(b), 'MASTER');
  const became = b.of('vrrp.transition').find((x) => x.to === 'MASTER')!;
  const at = b.events.find((e) => e.name === 'vrrp.transition' && (e.payload as { to: string }).to === 'MASTER')!.t;
  assert.equal(became.reason, 'master_down');
  const skew = skewTimeMs(2, 100, 100);
  assert.ok(Math.abs(at - t0 - skew - w.lan.delayMs) < 1, `took over ${at - t0} ms after the stop; Skew_Time ${skew}`);
});

test('a stale VIP left by an earlier run is removed at startup; other addresses are not touched', async () => {
  const w = world();
  const a = addNode(w, 'a', '10.0.0.1', conf(vi('VI_1', 51, 100)));
  a.addrs.seed('eth0', '10.0.0.100', 24);
  a.addrs.seed('eth0', '10.0.0.77', 24);
  await a.node.start();
  assert.equal(a.addrs.has('eth0', '10.0.0.100'), false);
  assert.equal(a.addrs.has('eth0', '10.0.0.77'), true);
  await stopNode(w, a);
});

test('EPERM on the raw socket is a typed error naming root / CAP_NET_RAW', async () => {
  const w = world();
  const eperm = Object.assign(new Error('socket: Operation not permitted'), { code: 'EPERM' });
  const a = addNode(w, 'a', '10.0.0.1', conf(vi('VI_1', 51, 100)), { failOpen: eperm });
  await assert.rejects(a.node.start(), (e: unknown) => e instanceof VrrpRuntimeError && e.code === 'socket_open_failed' && e.errno === 'EPERM' && /root \(CAP_NET_RAW/.test(e.message));
});

test('split brain: a master hearing a lower-priority master emits conflict, answers, runs notify_master_rx_lower_pri', async () => {
  const w = world();
  const a = addNode(w, 'a', '10.0.0.1', conf(vi('VI_1', 51, 150, ['notify_master_rx_lower_pri /bin/lower'])));
  await a.node.start();
  await w.clock.advance(4000);
  assert.equal(stateOf(a), 'MASTER');
  const sentBefore = w.lan.sentBy('a').length;
  const cfg = instanceConfig({ name: 'x', vrid: 51, priority: 120, primaryAddress: '10.0.0.9', virtualAddresses: ['10.0.0.100'] });
  w.lan.inject('a', { src: '10.0.0.9', dst: '224.0.0.18', ttl: 255, payload: buildAdverts(cfg, 120)[0]!.payload });
  assert.deepEqual(a.of('vrrp.conflict'), [{ instance: 'VI_1', vrid: 51, peer: '10.0.0.9', peerPriority: 120, ourPriority: 150 }]);
  assert.equal(w.lan.sentBy('a').length, sentBefore + 1, 'keepalived answers a lower-priority advert at once');
  assert.ok(a.runner.argvs().some((x) => x[0] === '/bin/lower'));
  assert.equal(stateOf(a), 'MASTER');
  await stopNode(w, a);
});

test('a VIP add that netlink is slow to confirm never delays the advert', async () => {
  const w = world();
  const a = addNode(w, 'a', '10.0.0.1', conf(vi('VI_1', 51, 255)));
  let release!: () => void;
  a.addrs.gate = new Promise<void>((r) => (release = r));
  await a.node.start();
  await w.clock.advance(2500);
  assert.equal(stateOf(a), 'MASTER');
  assert.deepEqual(w.lan.sentBy('a').map((p) => p.t), [0, 1000, 2000]);
  assert.equal(a.announcer.sent.length, 0, 'no GARP before the VIP is in place');
  release();
  a.addrs.gate = undefined;
  await w.clock.advance(10);
  assert.ok(a.addrs.has('eth0', '10.0.0.100'));
  assert.equal(a.announcer.sent.length, 1);
  await stopNode(w, a);
});

test('IPv6 v3 instance: adverts to ff02::12 from the link-local address; unsolicited NA for the VIP', async () => {
  const w = world();
  const text = conf(instance('V6', ['interface eth0', 'virtual_router_id 60', 'priority 255', 'advert_int 0.5', 'virtual_ipaddress {', '  2001:db8::100/64', '}']));
  const a = addNode(w, 'a', '10.0.0.1', text, { ll: 'fe80::1' });
  await a.node.start();
  await w.clock.advance(1100);
  const sent = w.lan.sentBy('a');
  assert.deepEqual(sent.map((p) => [p.t, p.family, p.dst, p.src]), [[0, 6, 'ff02::12', 'fe80::1'], [500, 6, 'ff02::12', 'fe80::1'], [1000, 6, 'ff02::12', 'fe80::1']]);
  const adv = decodeAdvert(sent[0]!.payload, { family: 'ipv6', src: 'fe80::1', dst: 'ff02::12' });
  assert.deepEqual([adv.version, adv.adverIntCs, adv.addresses], [3, 50, ['2001:db8::100']]);
  assert.deepEqual(a.announcer.sent.map((g) => [g.kind, g.address]), [['na', '2001:db8::100']]);
  await stopNode(w, a);
});

test('unicast peers: adverts go to each peer, not to the group', async () => {
  const w = world();
  const uc = (src: string, peers: string[], prio: number) =>
    conf(vi('VI_1', 51, prio, [`unicast_src_ip ${src}`, 'unicast_peer {', ...peers.map((p) => `  ${p}`), '}']));
  const a = addNode(w, 'a', '10.0.0.1', uc('10.0.0.1', ['10.0.0.2', '10.0.0.3'], 150));
  const b = addNode(w, 'b', '10.0.0.2', uc('10.0.0.2', ['10.0.0.1', '10.0.0.3'], 100));
  await Promise.all([a.node.start(), b.node.start()]);
  await w.clock.advance(6000);
  assert.equal(stateOf(a), 'MASTER');
  assert.equal(stateOf(b), 'BACKUP');
  const dsts = new Set(w.lan.sentBy('a').map((p) => p.dst));
  assert.deepEqual([...dsts].sort(), ['10.0.0.2', '10.0.0.3']);
  assert.ok(w.lan.sockets.every((s) => s.groups.size === 0), 'no multicast join for unicast instances');
});

test('a backup rehearses its Master_Down expiry just before the deadline: the step and the send path run dry (nothing sent, no transition); the expiry then sends for real', async () => {
  const w = world();
  const a = addNode(w, 'a', '10.0.0.1', conf(vi('VI_1', 51, 100)));
  await a.node.start();
  // The fake socket made rehearsable (as src/net/vrrp-socket.ts is): dry sends are recorded, not sent.
  const sock = w.lan.sockets.find((s) => s.ifname === 'eth0')!;
  const dry: string[] = [];
  const realSend = sock.send.bind(sock);
  Object.assign(sock, {
    canRehearse: true,
    send(dst: string, payload: Buffer, src?: string, isDry?: boolean) {
      if (isDry) dry.push(dst);
      else realSend(dst, payload, src);
    },
  });
  const mdi = masterDownIntervalMs(2, 100, 100);
  await w.clock.advance(mdi - 1);
  assert.equal(stateOf(a), 'BACKUP');
  assert.equal(w.lan.sentBy('a').length, 0);
  assert.ok(dry.length >= 1 && dry.every((d) => d === '224.0.0.18'), `dry sends: ${dry.length}`);
  assert.equal(a.node.instanceStatus('VI_1')!.counters.advert_sent, 0);
  assert.equal(a.addrs.has('eth0', '10.0.0.100'), false);
  await w.clock.advance(2);
  assert.equal(stateOf(a), 'MASTER');
  assert.deepEqual(w.lan.sentBy('a').map((p) => p.t), [mdi]);
  await stopNode(w, a);
});
