import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseYamlConfig, toYaml, jsonSchema } from '../../../src/config/yaml.js';
import { formatDiagnostic } from '../../../src/config/diagnostics.js';

test('YAML syntax errors carry file, line and column and load nothing', () => {
  const r = parseYamlConfig('global_defs:\n  router_id: [unclosed\n', 'a.yaml');
  assert.equal(r.diagnostics[0]?.severity, 'error');
  assert.equal(r.diagnostics[0]?.code, 'yaml-syntax');
  assert.equal(r.diagnostics[0]?.loc?.file, 'a.yaml');
  assert.ok((r.diagnostics[0]?.loc?.line ?? 0) >= 2);
  assert.deepEqual(r.model.vrrp_instances, []);
});

test('unknown keys are warnings with a suggestion, at the key; the rest loads', () => {
  const r = parseYamlConfig('global_defs:\n  router_idd: x\nvrrp_instance:\n  - name: VI_1\n', 'b.yaml');
  assert.deepEqual(
    r.diagnostics.map(formatDiagnostic),
    [
      "b.yaml:3:1: warning: unknown key 'vrrp_instance' (did you mean 'vrrp_instances'?); ignored",
      "b.yaml:2:3: warning: unknown key 'router_idd' (did you mean 'router_id'?); ignored",
    ],
  );
  assert.deepEqual(r.model.global_defs, {});
});

test('type errors are errors located at the offending key', () => {
  const r = parseYamlConfig('vrrp_instances:\n  - name: VI_1\n  - name: 7\n', 'c.yaml');
  const errs = r.diagnostics.filter((d) => d.severity === 'error');
  assert.equal(errs.length, 1);
  assert.equal(formatDiagnostic(errs[0]!), 'c.yaml:3:5: error: vrrp_instances.1.name: expected string');
});

test('a top level that is not a mapping is an error', () => {
  const r = parseYamlConfig('- a\n- b\n', 'd.yaml');
  assert.equal(r.diagnostics[0]?.code, 'yaml-type');
});

test('locations of model objects are recorded for later checks', () => {
  const r = parseYamlConfig('# c\nvrrp_instances:\n  - name: VI_1\n', 'e.yaml');
  const inst = r.model.vrrp_instances[0]!;
  assert.deepEqual(r.locs.get(inst, 'name'), { file: 'e.yaml', line: 3, col: 5 });
});

test('toYaml names the schema, leaves out empty sections and reads back', () => {
  const y = toYaml({ global_defs: { router_id: 'lb01' }, vrrp_scripts: [], vrrp_track_files: [], vrrp_sync_groups: [], vrrp_instances: [], virtual_server_groups: [], virtual_servers: [] });
  assert.match(y, /^# yaml-language-server: \$schema=\S+\nglobal_defs:\n {2}router_id: lb01\n$/);
  assert.equal(parseYamlConfig(y, 'f.yaml').model.global_defs?.router_id, 'lb01');
});

test('the JSON Schema is a draft-07 object schema describing the top-level sections', () => {
  const s = jsonSchema() as { $schema: string; type: string; properties: Record<string, unknown>; additionalProperties: boolean };
  assert.equal(s.$schema, 'http://json-schema.org/draft-07/schema#');
  assert.equal(s.type, 'object');
  assert.equal(s.additionalProperties, false);
  for (const k of ['global_defs', 'vrrp_instances', 'virtual_servers']) assert.ok(k in s.properties, k);
});

test('a command with a group but no user is an error (keepalived syntax cannot express it)', () => {
  const r = parseYamlConfig('vrrp_instances:\n  - name: VI_1\n    notify_master:\n      command: /bin/true\n      group: adm\n', 'g.yaml');
  const errs = r.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic);
  assert.deepEqual(errs, ["g.yaml:5:7: error: vrrp_instances.0.notify_master.group: 'group' needs 'user'"]);
});

test('a fwmark virtual server keeps its fwmark (union members chosen by content)', () => {
  const r = parseYamlConfig('virtual_servers:\n  - fwmark: 7\n    real_servers: []\n', 'h.yaml');
  assert.deepEqual(r.diagnostics.filter((d) => d.severity === 'error'), []);
  assert.equal((r.model.virtual_servers[0] as { fwmark?: number }).fwmark, 7);
});

test('false on a flag keyword reads as absent; true keeps it', () => {
  const r = parseYamlConfig('virtual_servers:\n  - address: 10.0.0.1\n    port: 80\n    ha_suspend: false\n    ops: true\n    real_servers: []\n', 'i.yaml');
  assert.deepEqual(r.diagnostics.filter((d) => d.severity === 'error'), []);
  const vs = r.model.virtual_servers[0] as Record<string, unknown>;
  assert.equal('ha_suspend' in vs, false);
  assert.equal(vs.ops, true);
});
