import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseExposition, samplesOf, valueOf } from './exposition.js';
import { startMetrics } from '../../../src/metrics/index.js';
import { KEEPALIVED_NAMES, parseVip } from '../../../src/metrics/vrrp.js';
import { vrrpBus } from '../../../src/events/vrrp.js';
import { EXTRA_COUNTERS, KEEPALIVED_COUNTERS, emptyCounters } from '../../../src/vrrp/counters.js';
import type { InstanceReport } from '../../../src/daemon/status.js';

function report(over: Partial<InstanceReport> = {}): InstanceReport {
  return {
    name: 'VI_1',
    vrid: 51,
    interface: 'eth0',
    state: 'MASTER',
    priority: 100,
    effectivePriority: 90,
    master: '192.0.2.1',
    vips: ['10.1.0.1/24', '10.2.0.1/24 dev eth1 scope global'],
    vipsHeld: true,
    since: 1_700_000_000_500,
    lastReason: 'master_down',
    counters: emptyCounters(),
    ...over,
  };
}

async function scrape(list: () => InstanceReport[], bus = vrrpBus()) {
  const m = await startMetrics({ listen: null, version: 't', vrrp: bus, instances: list, processMetrics: false });
  return { m, bus, read: async () => parseExposition(await m.scrape()) };
}

test('keepalived_vrrp_state: one sample per VIP, keepalived-exporter labels and state numbers', async () => {
  let state: InstanceReport['state'] = 'MASTER';
  const { m, read } = await scrape(() => [report({ state }), report({ name: 'VI_2', vrid: 52, interface: 'eth2', vips: [], state: 'BACKUP' })]);
  try {
    let f = await read();
    assert.deepEqual(samplesOf(f, 'keepalived_vrrp_state'), [
      { name: 'keepalived_vrrp_state', labels: { iname: 'VI_1', intf: 'eth0', vrid: '51', ip_address: '10.1.0.1/24' }, value: 2 },
      { name: 'keepalived_vrrp_state', labels: { iname: 'VI_1', intf: 'eth1', vrid: '51', ip_address: '10.2.0.1/24' }, value: 2 },
      { name: 'keepalived_vrrp_state', labels: { iname: 'VI_2', intf: 'eth2', vrid: '52', ip_address: '' }, value: 1 },
    ]);
    for (const [s, v] of [['INIT', 0], ['BACKUP', 1], ['MASTER', 2], ['FAULT', 3]] as const) {
      state = s;
      f = await read();
      assert.equal(valueOf(f, 'keepalived_vrrp_state', { iname: 'VI_1', intf: 'eth0', vrid: '51', ip_address: '10.1.0.1/24' }), v, s);
    }
    assert.equal(valueOf(f, 'keepalived_up'), 1);
    const l = { iname: 'VI_1', intf: 'eth0', vrid: '51' };
    assert.equal(valueOf(f, 'lvsd_vrrp_priority', l), 100);
    assert.equal(valueOf(f, 'lvsd_vrrp_effective_priority', l), 90);
    assert.equal(valueOf(f, 'lvsd_vrrp_vips_held', l), 1);
    assert.equal(valueOf(f, 'lvsd_vrrp_state_since_timestamp_seconds', l), 1_700_000_000.5);
  } finally {
    await m.close();
  }
});

test("every counter of counters.ts, under the exporter's name or lvsd_vrrp_<name>_total, with the report's value", async () => {
  const counters = emptyCounters();
  [...KEEPALIVED_COUNTERS, ...EXTRA_COUNTERS].forEach((c, i) => (counters[c] = 1000 + i));
  const { m, read } = await scrape(() => [report({ counters })]);
  try {
    const f = await read();
    const l = { iname: 'VI_1', intf: 'eth0', vrid: '51' };
    assert.equal(valueOf(f, 'keepalived_advertisements_received_total', l), counters.advert_rcvd);
    assert.equal(valueOf(f, 'keepalived_priority_zero_sent_total', l), counters.pri_zero_sent);
    assert.equal(valueOf(f, 'keepalived_authentication_invalid_total', l), counters.invalid_authtype);
    for (const c of KEEPALIVED_COUNTERS) {
      const [name] = KEEPALIVED_NAMES[c];
      assert.equal(f.get(name)?.type, 'counter', name);
      assert.equal(valueOf(f, name, l), counters[c], name);
    }
    for (const c of EXTRA_COUNTERS) assert.equal(valueOf(f, `lvsd_vrrp_${c}_total`, l), counters[c], c);
    // the exporter's exact names (mehdy/keepalived-exporter), so dashboards find them
    assert.deepEqual(Object.values(KEEPALIVED_NAMES).map(([n]) => n).sort(), [
      'keepalived_address_list_errors_total',
      'keepalived_advertisements_interval_errors_total',
      'keepalived_advertisements_received_total',
      'keepalived_advertisements_sent_total',
      'keepalived_authentication_failure_total',
      'keepalived_authentication_invalid_total',
      'keepalived_authentication_mismatch_total',
      'keepalived_become_master_total',
      'keepalived_invalid_type_received_total',
      'keepalived_ip_ttl_errors_total',
      'keepalived_packet_length_errors_total',
      'keepalived_priority_zero_received_total',
      'keepalived_priority_zero_sent_total',
      'keepalived_release_master_total',
    ]);
  } finally {
    await m.close();
  }
});

test('instance reports that cannot be read: keepalived_up 0, the rest still served', async () => {
  const bus = vrrpBus();
  const { m, read } = await scrape(() => {
    throw new Error('node stopped');
  }, bus);
  try {
    bus.emit('vrrp.conflict', { instance: 'VI_1', vrid: 51, peer: '192.0.2.9', peerPriority: 100, ourPriority: 100 });
    const f = await read();
    assert.equal(valueOf(f, 'keepalived_up'), 0);
    assert.deepEqual(samplesOf(f, 'keepalived_vrrp_state'), []);
    assert.equal(valueOf(f, 'lvsd_vrrp_conflicts_total', { iname: 'VI_1', vrid: '51', peer: '192.0.2.9' }), 1);
  } finally {
    await m.close();
  }
});

test('events: transitions, drops, priority, split brain, announcements, errors', async () => {
  const { m, bus, read } = await scrape(() => []);
  try {
    bus.emit('vrrp.transition', { instance: 'VI_1', vrid: 51, from: 'BACKUP', to: 'MASTER', reason: 'master_down', priority: 100, master: null });
    bus.emit('vrrp.transition', { instance: 'VI_1', vrid: 51, from: 'BACKUP', to: 'MASTER', reason: 'master_down', priority: 100, master: null });
    bus.emit('vrrp.transition', { instance: 'VI_1', vrid: 51, from: 'MASTER', to: 'BACKUP', reason: 'higher_priority', priority: 100, master: '192.0.2.2' });
    bus.emit('vrrp.drop', { instance: 'VI_1', ifname: 'eth0', src: '192.0.2.7', reason: 'auth', counter: 'auth_failure', message: 'bad password' });
    bus.emit('vrrp.drop', { instance: null, ifname: 'eth0', src: '192.0.2.7', reason: 'vrid', counter: 'vrid_err', message: 'no instance' });
    bus.emit('vrrp.drop', { instance: null, ifname: 'eth0', src: '192.0.2.8', reason: 'vrid', counter: 'vrid_err', message: 'no instance' });
    bus.emit('vrrp.priority', { instance: 'VI_1', from: 100, to: 80 });
    for (let i = 0; i < 3; i++) bus.emit('vrrp.conflict', { instance: 'VI_1', vrid: 51, peer: '192.0.2.9', peerPriority: 100, ourPriority: 100 });
    bus.emit('vrrp.announce', { instance: 'VI_1', ifname: 'eth0', address: '10.1.0.1', reason: 'become_master' });
    bus.emit('vrrp.error', { instance: 'VI_1', code: 'LVSD_NET_KERNEL', message: 'EEXIST' });
    bus.emit('vrrp.error', { instance: null, code: 'LVSD_NET_TIMEOUT', message: 'slow' });
    const f = await read();
    assert.deepEqual(samplesOf(f, 'lvsd_vrrp_transitions_total'), [
      { name: 'lvsd_vrrp_transitions_total', labels: { iname: 'VI_1', from: 'BACKUP', to: 'MASTER', reason: 'master_down' }, value: 2 },
      { name: 'lvsd_vrrp_transitions_total', labels: { iname: 'VI_1', from: 'MASTER', to: 'BACKUP', reason: 'higher_priority' }, value: 1 },
    ]);
    assert.equal(valueOf(f, 'lvsd_vrrp_drops_total', { iname: 'VI_1', intf: 'eth0', reason: 'auth' }), 1);
    assert.equal(valueOf(f, 'lvsd_vrrp_drops_total', { iname: '', intf: 'eth0', reason: 'vrid' }), 2);
    assert.equal(valueOf(f, 'lvsd_vrrp_priority_changes_total', { iname: 'VI_1' }), 1);
    assert.equal(valueOf(f, 'lvsd_vrrp_conflicts_total', { iname: 'VI_1', vrid: '51', peer: '192.0.2.9' }), 3);
    assert.equal(valueOf(f, 'lvsd_vrrp_announcements_total', { iname: 'VI_1', intf: 'eth0', reason: 'become_master' }), 1);
    assert.equal(valueOf(f, 'lvsd_vrrp_errors_total', { iname: 'VI_1', code: 'LVSD_NET_KERNEL' }), 1);
    assert.equal(valueOf(f, 'lvsd_vrrp_errors_total', { iname: '', code: 'LVSD_NET_TIMEOUT' }), 1);
    assert.equal(valueOf(f, 'lvsd_vrrp_event_subscriber_errors_total'), 0);
  } finally {
    await m.close();
  }
});

test('events: notify runs and failures, tracked scripts (keepalived_script_status 1 GOOD / 0 BAD), track faults', async () => {
  const { m, bus, read } = await scrape(() => []);
  try {
    const base = { target: 'INSTANCE' as const, name: 'VI_1', state: 'MASTER' as const, argv: ['/bin/n'], signal: null, durationMs: 3 };
    bus.emit('vrrp.notify', { ...base, exitCode: 0, timedOut: false });
    bus.emit('vrrp.notify', { ...base, exitCode: 1, timedOut: false });
    bus.emit('vrrp.notify', { ...base, exitCode: null, signal: 'SIGKILL', timedOut: true });
    bus.emit('vrrp.notify', { ...base, exitCode: null, timedOut: false, error: 'ENOENT' });
    bus.emit('vrrp.notify', { ...base, target: 'GROUP', name: 'G1', state: 'BACKUP', exitCode: 0, timedOut: false });
    bus.emit('vrrp.script', { script: 'chk_nginx', status: 'up', exitCode: 0, timedOut: false, durationMs: 2 });
    bus.emit('vrrp.script', { script: 'chk_db', status: 'up', exitCode: 0, timedOut: false, durationMs: 2 });
    bus.emit('vrrp.script', { script: 'chk_db', status: 'down', exitCode: null, timedOut: true, durationMs: 2000 });
    bus.emit('vrrp.track', { instance: 'VI_1', priority: 100, fault: true, faultBy: ['eth1'] });
    bus.emit('vrrp.track', { instance: 'VI_2', priority: 100, fault: true, faultBy: ['eth1'] });
    bus.emit('vrrp.track', { instance: 'VI_2', priority: 100, fault: false, faultBy: [] });
    const f = await read();
    const l = { target: 'INSTANCE', name: 'VI_1', state: 'MASTER' };
    assert.equal(valueOf(f, 'lvsd_vrrp_notify_runs_total', l), 4);
    assert.equal(valueOf(f, 'lvsd_vrrp_notify_failures_total', l), 3);
    assert.equal(valueOf(f, 'lvsd_vrrp_notify_runs_total', { target: 'GROUP', name: 'G1', state: 'BACKUP' }), 1);
    assert.equal(valueOf(f, 'lvsd_vrrp_notify_failures_total', { target: 'GROUP', name: 'G1', state: 'BACKUP' }), undefined);
    assert.equal(valueOf(f, 'keepalived_script_status', { name: 'chk_nginx' }), 1);
    assert.equal(valueOf(f, 'keepalived_script_status', { name: 'chk_db' }), 0);
    assert.equal(valueOf(f, 'lvsd_vrrp_script_timeouts_total', { name: 'chk_db' }), 1);
    assert.equal(valueOf(f, 'lvsd_vrrp_track_fault', { iname: 'VI_1' }), 1);
    assert.equal(valueOf(f, 'lvsd_vrrp_track_fault', { iname: 'VI_2' }), 0);
  } finally {
    await m.close();
  }
});

test('close() unsubscribes: later events move nothing', async () => {
  const { m, bus } = await scrape(() => []);
  const before = await m.scrape();
  await m.close();
  bus.emit('vrrp.transition', { instance: 'VI_1', vrid: 51, from: 'BACKUP', to: 'MASTER', reason: 'master_down', priority: 100, master: null });
  assert.equal(valueOf(parseExposition(await m.scrape()), 'lvsd_vrrp_transitions_total', { iname: 'VI_1', from: 'BACKUP', to: 'MASTER', reason: 'master_down' }), undefined);
  assert.doesNotMatch(before, /^lvsd_vrrp_transitions_total\{/m);
});

test('parseVip: keepalived forms', () => {
  assert.deepEqual(parseVip('10.1.0.1/24', 'eth0'), { ip_address: '10.1.0.1/24', intf: 'eth0' });
  assert.deepEqual(parseVip('10.1.0.1/24 dev ens3 scope global set', 'eth0'), { ip_address: '10.1.0.1/24', intf: 'ens3' });
  assert.deepEqual(parseVip('2001:db8::1/64 dev eth1', 'eth0'), { ip_address: '2001:db8::1/64', intf: 'eth1' });
  assert.deepEqual(parseVip(' 10.0.0.9 ', 'eth0'), { ip_address: '10.0.0.9', intf: 'eth0' });
});
