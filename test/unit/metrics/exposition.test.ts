import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ExpositionError, parseExposition, valueOf } from './exposition.js';
import { escapeLabelValue, labelText, TextWriter, valueText } from '../../../src/metrics/text.js';
import { startMetrics } from '../../../src/metrics/index.js';
import { vrrpBus } from '../../../src/events/vrrp.js';
import { lvsBus } from '../../../src/events/lvs.js';
import { emptyCounters } from '../../../src/vrrp/counters.js';
import type { InstanceReport } from '../../../src/daemon/status.js';

test('the checker rejects what Prometheus would reject', () => {
  const ok = '# HELP a A.\n# TYPE a counter\na{x="1"} 2\n';
  assert.equal(valueOf(parseExposition(ok), 'a', { x: '1' }), 2);
  const bad: [string, RegExp][] = [
    ['a 1\n', /before its HELP and TYPE/],
    ['# HELP a A.\n# TYPE a gauge\na 1\n# HELP b B.\n# TYPE b gauge\nb 1\na{x="2"} 1\n', /not contiguous/],
    ['# HELP a A.\n# TYPE a gauge\na{x="\\q"} 1\n', /bad escape/],
    ['# HELP a A.\n# TYPE a gauge\na{x="1} 1\n', /unterminated|expected/],
    ['# HELP a A.\n# TYPE a gauge\na 1\na 2\n', /duplicate sample/],
    ['# HELP a A.\n# TYPE a gauge\na one\n', /bad value/],
    ['# HELP a A.\n# TYPE a counter\na -1\n', /counter a is -1/],
    ['# HELP a A.\n# TYPE a histogram\na_bucket 1\n', /bucket without le/],
    ['# HELP a A.\n# TYPE a gauge\na 1', /newline/],
    ['# HELP a A.\n# TYPE a wibble\n', /unknown type/],
    ['# HELP a A.\n', /lacks HELP or TYPE/],
    ['# HELP 1a A.\n', /bad metric name/],
    ['# HELP a a\\q\n', /bad escape in HELP/],
  ];
  for (const [text, why] of bad) assert.throws(() => parseExposition(text), (e: unknown) => e instanceof ExpositionError && why.test(e.message), text);
});

test('label values with quotes, backslashes and newlines round-trip through both writers', async () => {
  await fc.assert(
    fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 12 }), fc.string({ unit: 'grapheme', maxLength: 12 }), async (a, b) => {
      // lvsd's own writer (IPVS families)
      const w = new TextWriter();
      w.header('t_x', 'help with \\ and \n newline', 'gauge');
      await w.sample('t_x', labelText({ a, b }), 1);
      const f = parseExposition(w.text());
      assert.equal(valueOf(f, 't_x', { a, b }), 1);
      assert.equal(f.get('t_x')!.help, 'help with \\ and \n newline');
    }),
    { numRuns: 300 },
  );
  // prom-client's writer, through an instance name that reaches the VRRP families
  await fc.assert(
    fc.asyncProperty(fc.string({ minLength: 1, maxLength: 12 }), async (name) => {
      const rep: InstanceReport = {
        name,
        vrid: 7,
        interface: 'eth0',
        state: 'BACKUP',
        priority: 100,
        effectivePriority: 100,
        master: null,
        vips: [],
        vipsHeld: false,
        since: 0,
        lastReason: null,
        counters: emptyCounters(),
      };
      const bus = vrrpBus();
      const m = await startMetrics({ listen: null, version: '1', vrrp: bus, instances: () => [rep], processMetrics: false });
      bus.emit('vrrp.transition', { instance: name, vrid: 7, from: 'INIT', to: 'BACKUP', reason: 'startup', priority: 100, master: null });
      const f = parseExposition(await m.scrape());
      assert.equal(valueOf(f, 'keepalived_vrrp_state', { iname: name, intf: 'eth0', vrid: '7', ip_address: '' }), 1);
      assert.equal(valueOf(f, 'lvsd_vrrp_transitions_total', { iname: name, from: 'INIT', to: 'BACKUP', reason: 'startup' }), 1);
      await m.close();
    }),
    { numRuns: 100 },
  );
});

test('text writer: escapes, value forms', () => {
  assert.equal(escapeLabelValue('a"b\\c\nd'), 'a\\"b\\\\c\\nd');
  assert.equal(escapeLabelValue('10.0.0.1'), '10.0.0.1');
  assert.equal(labelText({}), '');
  assert.equal(labelText({ b: '2', a: '1' }), '{b="2",a="1"}');
  assert.equal(valueText(2n ** 64n - 1n), '18446744073709551615');
  assert.equal(valueText(0.25), '0.25');
  assert.equal(valueText(NaN), 'NaN');
  assert.equal(valueText(-Infinity), '-Inf');
});

test('the whole output of a daemon with every source is valid exposition text', async () => {
  const vrrp = vrrpBus();
  const lvs = lvsBus();
  const m = await startMetrics({
    listen: null,
    version: '0.1.0',
    vrrp,
    lvs,
    instances: () => [],
    virtualServers: () => [{ id: 'VS "1"', quorumUp: true, sorryActive: false, liveWeight: 1, totalWeight: 1, programmed: true, realServers: [] }],
    ipvs: async () => [],
    ipvsBackendCounters: true,
  });
  try {
    lvs.emit('check.probe', { type: 'HTTP_GET', target: '10.0.0.5:80', ok: false, reason: 'status', ms: 12 });
    lvs.emit('lvs.reconcile', { reason: 'config', ops: 3, failed: 0, ms: 4, byOp: { 'add-service': 1, 'add-dest': 2 } });
    const text = await m.scrape();
    const f = parseExposition(text);
    // process metrics under their standard names, registered on lvsd's registry
    for (const n of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'process_start_time_seconds', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes']) {
      assert.ok(f.has(n), `${n} missing`);
    }
    assert.equal(valueOf(f, 'lvsd_build_info', { version: '0.1.0', node: process.version }), 1);
    assert.equal(valueOf(f, 'lvsd_ipvs_services'), 0);
    assert.equal(valueOf(f, 'lvsd_lvs_quorum_up', { vs: 'VS "1"' }), 1);
    assert.equal(valueOf(f, 'lvsd_check_probe_duration_seconds_count', { type: 'HTTP_GET' }), 1);
    // names follow the conventions: counters end in _total, and none of lvsd's gauges does (prom-client's
    // nodejs_active_*_total gauges are its own)
    for (const fam of f.values()) {
      if (fam.type === 'counter') assert.match(fam.name, /_total$/, fam.name);
      else if (/^(lvsd|keepalived)_/.test(fam.name)) assert.doesNotMatch(fam.name, /_total$/, fam.name);
    }
    // the private registry: nothing of lvsd's leaked into prom-client's global one
    const { register } = await import('prom-client');
    assert.equal(register.getSingleMetric('lvsd_build_info'), undefined);
    assert.equal(register.getSingleMetric('process_cpu_seconds_total'), undefined);
  } finally {
    await m.close();
  }
});
