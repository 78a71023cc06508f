import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseExposition, samplesOf, valueOf } from './exposition.js';
import { startMetrics } from '../../../src/metrics/index.js';
import type { VsReport } from '../../../src/metrics/lvs.js';
import { lvsBus } from '../../../src/events/lvs.js';

async function setup() {
  const bus = lvsBus();
  const m = await startMetrics({ listen: null, version: 't', lvs: bus, processMetrics: false });
  return { m, bus, read: async () => parseExposition(await m.scrape()) };
}

test('check probes: counts by type and result, latency histogram by type', async () => {
  const { m, bus, read } = await setup();
  try {
    const p = (type: string, reason: string, ms: number) => bus.emit('check.probe', { type, target: '10.0.0.5:80', ok: reason === 'ok', reason, ms });
    p('TCP_CHECK', 'ok', 0.3);
    p('TCP_CHECK', 'ok', 4);
    p('TCP_CHECK', 'refused', 0.2);
    p('HTTP_GET', 'timeout', 3000);
    p('HTTP_GET', 'status', 60);
    const f = await read();
    assert.equal(valueOf(f, 'lvsd_check_probes_total', { type: 'TCP_CHECK', result: 'ok' }), 2);
    assert.equal(valueOf(f, 'lvsd_check_probes_total', { type: 'TCP_CHECK', result: 'refused' }), 1);
    assert.equal(valueOf(f, 'lvsd_check_probes_total', { type: 'HTTP_GET', result: 'timeout' }), 1);
    assert.equal(valueOf(f, 'lvsd_check_probes_total', { type: 'HTTP_GET', result: 'status' }), 1);
    assert.equal(f.get('lvsd_check_probe_duration_seconds')?.type, 'histogram');
    const b = (type: string, le: string) => valueOf(f, 'lvsd_check_probe_duration_seconds_bucket', { type, le });
    assert.equal(b('TCP_CHECK', '0.0005'), 2); // 0.2 and 0.3 ms
    assert.equal(b('TCP_CHECK', '0.005'), 3);
    assert.equal(b('HTTP_GET', '0.05'), 0);
    assert.equal(b('HTTP_GET', '0.1'), 1);
    assert.equal(b('HTTP_GET', '2.5'), 1);
    assert.equal(b('HTTP_GET', '5'), 2);
    assert.equal(b('HTTP_GET', '+Inf'), 2);
    assert.equal(valueOf(f, 'lvsd_check_probe_duration_seconds_count', { type: 'TCP_CHECK' }), 3);
    assert.ok(Math.abs(valueOf(f, 'lvsd_check_probe_duration_seconds_sum', { type: 'HTTP_GET' })! - 3.06) < 1e-9);
  } finally {
    await m.close();
  }
});

test('checker state changes; real server and quorum changes counted from events', async () => {
  const { m, bus, read } = await setup();
  try {
    bus.emit('check.state', { target: '10.0.0.5:80', type: 'HTTP_GET', servers: ['a'], state: 'initial-down', reason: 'timeout', detail: '' });
    bus.emit('check.state', { target: '10.0.0.5:80', type: 'HTTP_GET', servers: ['a'], state: 'up', reason: 'ok', detail: '' });
    bus.emit('check.state', { target: '10.0.0.6:80', type: 'HTTP_GET', servers: ['b'], state: 'up', reason: 'ok', detail: '' });
    const vs = '10.1.0.1:80 TCP';
    bus.emit('lvs.rs', { vs, rs: '[10.0.0.6]:tcp:80', alive: false });
    bus.emit('lvs.rs', { vs, rs: '[10.0.0.7]:tcp:80', alive: false });
    bus.emit('lvs.rs', { vs, rs: '[10.0.0.6]:tcp:80', alive: true });
    bus.emit('lvs.quorum', { vs, up: false });
    bus.emit('lvs.quorum', { vs, up: true });
    bus.emit('lvs.quorum', { vs: 'FWM 7', up: false });
    const f = await read();
    assert.equal(valueOf(f, 'lvsd_check_state_changes_total', { type: 'HTTP_GET', state: 'up' }), 2);
    assert.equal(valueOf(f, 'lvsd_check_state_changes_total', { type: 'HTTP_GET', state: 'initial-down' }), 1);
    assert.equal(valueOf(f, 'lvsd_lvs_real_server_changes_total', { vs, to: 'dead' }), 2);
    assert.equal(valueOf(f, 'lvsd_lvs_real_server_changes_total', { vs, to: 'alive' }), 1);
    assert.equal(valueOf(f, 'lvsd_lvs_quorum_changes_total', { vs, to: 'down' }), 1);
    assert.equal(valueOf(f, 'lvsd_lvs_quorum_changes_total', { vs, to: 'up' }), 1);
    assert.equal(valueOf(f, 'lvsd_lvs_quorum_changes_total', { vs: 'FWM 7', to: 'down' }), 1);
    assert.equal(f.has('lvsd_lvs_real_servers_alive'), false, 'no gauge without the status');
  } finally {
    await m.close();
  }
});

test('real servers alive, quorum, sorry server per virtual server: read from the status at each scrape', async () => {
  const rs = (address: string, alive: boolean) => ({ address, port: 80, alive, weight: alive ? 1 : 0, configured: 1, checkers: [] });
  let list: VsReport[] = [
    { id: 'VS_A', quorumUp: true, sorryActive: false, liveWeight: 2, totalWeight: 3, programmed: true, realServers: [rs('10.0.0.5', true), rs('10.0.0.6', true), rs('10.0.0.7', false)] },
    { id: 'VS_B', quorumUp: false, sorryActive: true, liveWeight: 0, totalWeight: 1, realServers: [rs('10.0.0.8', false)] },
  ];
  const m = await startMetrics({ listen: null, version: 't', processMetrics: false, virtualServers: () => list });
  try {
    let f = parseExposition(await m.scrape());
    assert.equal(valueOf(f, 'lvsd_lvs_real_servers', { vs: 'VS_A' }), 3);
    assert.equal(valueOf(f, 'lvsd_lvs_real_servers_alive', { vs: 'VS_A' }), 2);
    assert.equal(valueOf(f, 'lvsd_lvs_real_servers_alive', { vs: 'VS_B' }), 0);
    assert.equal(valueOf(f, 'lvsd_lvs_quorum_up', { vs: 'VS_A' }), 1);
    assert.equal(valueOf(f, 'lvsd_lvs_quorum_up', { vs: 'VS_B' }), 0);
    assert.equal(valueOf(f, 'lvsd_lvs_sorry_server_active', { vs: 'VS_B' }), 1);
    assert.equal(valueOf(f, 'lvsd_lvs_live_weight', { vs: 'VS_A' }), 2);
    assert.equal(valueOf(f, 'lvsd_lvs_virtual_server_programmed', { vs: 'VS_A' }), 1);
    assert.equal(valueOf(f, 'lvsd_lvs_virtual_server_programmed', { vs: 'VS_B' }), undefined);
    // a reload removed VS_B: its series go with it
    list = [list[0]!];
    f = parseExposition(await m.scrape());
    assert.deepEqual(
      samplesOf(f, 'lvsd_lvs_quorum_up').map((s) => s.labels.vs),
      ['VS_A'],
    );
    // a status that cannot be read leaves the families empty, the scrape answers
    const broken = await startMetrics({
      listen: null,
      version: 't',
      processMetrics: false,
      virtualServers: () => {
        throw new Error('pool stopped');
      },
    });
    assert.deepEqual(samplesOf(parseExposition(await broken.scrape()), 'lvsd_lvs_real_servers'), []);
    await broken.close();
  } finally {
    await m.close();
  }
});

test('reconciler: operations by kind, refused operations, pass durations, drift repairs, sync failures', async () => {
  const { m, bus, read } = await setup();
  try {
    bus.emit('lvs.reconcile', { reason: 'config', ops: 12, failed: 0, ms: 3, byOp: { 'add-service': 2, 'add-dest': 10 } });
    bus.emit('lvs.reconcile', { reason: 'drift', ops: 2, failed: 1, ms: 0.4, byOp: { 'edit-dest': 1, 'add-dest': 1, 'del-dest': 0 } });
    bus.emit('lvs.drift', { repaired: ['TCP 10.1.0.1:80 -> 10.0.0.5:80 weight', 'TCP 10.1.0.1:80 missing'] });
    bus.emit('lvs.error', { reason: 'config', message: 'gave up after 3 attempts' });
    const f = await read();
    assert.deepEqual(
      samplesOf(f, 'lvsd_ipvs_reconcile_operations_total').map((s) => [s.labels.op, s.value]),
      [
        ['add-service', 2],
        ['add-dest', 11],
        ['edit-dest', 1],
      ],
    );
    assert.equal(valueOf(f, 'lvsd_ipvs_reconcile_errors_total'), 1);
    assert.equal(valueOf(f, 'lvsd_ipvs_reconcile_duration_seconds_count', { reason: 'config' }), 1);
    assert.equal(valueOf(f, 'lvsd_ipvs_reconcile_duration_seconds_bucket', { reason: 'drift', le: '0.0005' }), 1);
    assert.equal(valueOf(f, 'lvsd_ipvs_reconcile_duration_seconds_bucket', { reason: 'config', le: '0.001' }), 0);
    assert.equal(valueOf(f, 'lvsd_ipvs_reconcile_duration_seconds_bucket', { reason: 'config', le: '0.005' }), 1);
    assert.equal(valueOf(f, 'lvsd_ipvs_drift_repairs_total'), 2);
    assert.equal(valueOf(f, 'lvsd_lvs_errors_total', { reason: 'config' }), 1);
  } finally {
    await m.close();
  }
});

test('ownership per VIP, sync daemon state set, reloads', async () => {
  const { m, bus, read } = await setup();
  try {
    let f = await read();
    assert.equal(valueOf(f, 'lvsd_reload_total', { result: 'success' }), 0, 'both results are present from the start');
    assert.equal(valueOf(f, 'lvsd_reload_total', { result: 'failure' }), 0);
    assert.deepEqual(samplesOf(f, 'lvsd_ipvs_sync_daemon_state'), []);

    bus.emit('lvs.ownership', { address: '10.1.0.1', programmed: true, services: 3 });
    bus.emit('lvs.ownership', { address: '10.1.0.2', programmed: true, services: 1 });
    bus.emit('lvs.ownership', { address: '10.1.0.2', programmed: false, services: 1 });
    bus.emit('lvs.syncd', { state: 'backup', interface: 'eth0' });
    bus.emit('lvs.syncd', { state: 'master', interface: 'eth0', error: 'EEXIST' });
    const t0 = Date.now() / 1000;
    bus.emit('daemon.reload', { ok: false, message: 'line 3: unknown', durationMs: 12 });
    bus.emit('daemon.reload', { ok: true, message: 'applied', durationMs: 250, instancesKept: 2 });
    const t1 = Date.now() / 1000;
    bus.emit('daemon.reload', { ok: false, message: 'line 9: bad', durationMs: 7 });
    f = await read();
    assert.equal(valueOf(f, 'lvsd_ipvs_ownership_programmed', { address: '10.1.0.1' }), 1);
    assert.equal(valueOf(f, 'lvsd_ipvs_ownership_programmed', { address: '10.1.0.2' }), 0);
    assert.equal(valueOf(f, 'lvsd_ipvs_ownership_services', { address: '10.1.0.1' }), 3);
    assert.deepEqual(
      samplesOf(f, 'lvsd_ipvs_sync_daemon_state').map((s) => [s.labels.state, s.value]),
      [
        ['master', 1],
        ['backup', 0],
        ['none', 0],
      ],
    );
    assert.equal(valueOf(f, 'lvsd_ipvs_sync_daemon_errors_total'), 1);
    assert.equal(valueOf(f, 'lvsd_reload_total', { result: 'success' }), 1);
    assert.equal(valueOf(f, 'lvsd_reload_total', { result: 'failure' }), 2);
    const ts = valueOf(f, 'lvsd_reload_last_success_timestamp_seconds')!;
    assert.ok(ts >= t0 && ts <= t1, `${ts} not in [${t0}, ${t1}]`);
    assert.equal(valueOf(f, 'lvsd_reload_last_duration_seconds'), 0.007);
  } finally {
    await m.close();
  }
});

test('a throwing subscriber elsewhere is counted, and metrics still count the event', async () => {
  const { m, bus, read } = await setup();
  try {
    bus.on('check.probe', () => {
      throw new Error('broken log sink');
    });
    bus.emit('check.probe', { type: 'TCP_CHECK', target: 'x', ok: true, reason: 'ok', ms: 1 });
    const f = await read();
    assert.equal(valueOf(f, 'lvsd_lvs_event_subscriber_errors_total'), 1);
    assert.equal(valueOf(f, 'lvsd_check_probes_total', { type: 'TCP_CHECK', result: 'ok' }), 1);
  } finally {
    await m.close();
  }
});
