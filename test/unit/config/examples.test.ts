import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config/load.js';
import { repoRoot } from '../../util/env.js';

const dir = join(repoRoot(), 'configs');
const confs = readdirSync(dir, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .flatMap((d) => readdirSync(join(dir, d.name)).filter((f) => f.endsWith('.conf')).map((f) => join(dir, d.name, f)));

test('there are example configurations for each scenario', () => {
  const scenarios = new Set(confs.map((c) => c.split('/').slice(-2)[0]));
  for (const s of ['vrrp-pair', 'lvs-dr-pair', 'dual-master', 'nginx-check']) assert.ok(scenarios.has(s), s);
});

for (const conf of confs) {
  const name = conf.slice(dir.length + 1);
  test(`configs/${name} is clean and its YAML twin describes the same model`, () => {
    const k = loadConfig(conf, { configId: 'example' });
    assert.deepEqual(k.diagnostics, []);
    const y = loadConfig(conf.replace(/\.conf$/, '.yaml'));
    assert.deepEqual(y.diagnostics, []);
    assert.deepEqual(y.model, k.model);
    assert.ok(k.model.vrrp_instances.length > 0);
  });
}

test('schema/lvsd-config.schema.json is the schema lvsd prints (regenerate: lvsd schema > schema/lvsd-config.schema.json)', async () => {
  const { readFileSync } = await import('node:fs');
  const { jsonSchema } = await import('../../../src/config/yaml.js');
  const published = JSON.parse(readFileSync(join(repoRoot(), 'schema', 'lvsd-config.schema.json'), 'utf8')) as unknown;
  // Compared as text, line by line: a deep-equal's diff of two schemas this size takes minutes.
  const a = JSON.stringify(published, null, 2).split('\n');
  const b = JSON.stringify(jsonSchema(), null, 2).split('\n');
  const at = a.findIndex((l, i) => l !== b[i]);
  const first = at === -1 && a.length !== b.length ? Math.min(a.length, b.length) : at;
  assert.equal(first, -1, `the published schema differs from lvsd's at line ${first + 1}: ${JSON.stringify(a[first])} vs ${JSON.stringify(b[first])} (regenerate it)`);
});
