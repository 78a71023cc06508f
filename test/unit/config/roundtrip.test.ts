import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ConfigModel } from '../../../src/config/model/index.js';
import { emitKeepalived } from '../../../src/config/keepalived/emit.js';
import { parseKeepalivedText } from '../../../src/config/keepalived/parse.js';
import { parseYamlConfig, toYaml } from '../../../src/config/yaml.js';
import { normalize } from '../../../src/config/schema-walk.js';
import type { Diagnostic } from '../../../src/config/diagnostics.js';
import { arbitraryOf } from '../../util/schema-arb.js';
import { memFs } from './memfs.js';

// Diagnostics that mean the text was not read back as written (as opposed to semantic findings
// such as a track_script naming a script a random model does not define).
const READING = /^(unknown-keyword|extra-arguments|missing-argument|invalid-|out-of-range|duplicate-keyword|unexpected-|missing-block|missing-brace|extra-brace|yaml|unterminated-quote|undefined-definition)/;

function readingProblems(d: readonly Diagnostic[]): string[] {
  return d.filter((x) => READING.test(x.code)).map((x) => `${x.loc?.line}:${x.loc?.col} ${x.code}: ${x.message}`);
}

const models = arbitraryOf(ConfigModel) as fc.Arbitrary<ConfigModel>;
const runs = Number(process.env.LVSD_PROPERTY_RUNS ?? 300);

test('model -> YAML -> model loses nothing', () => {
  fc.assert(
    fc.property(models, (m) => {
      const text = toYaml(m);
      const back = parseYamlConfig(text, 'rt.yaml');
      assert.deepEqual(readingProblems(back.diagnostics), [], text);
      assert.deepEqual(back.model, normalize(ConfigModel, m), text);
    }),
    { numRuns: runs },
  );
});

test('model -> keepalived.conf -> model loses nothing', () => {
  fc.assert(
    fc.property(models, (m) => {
      const text = emitKeepalived(m);
      const back = parseKeepalivedText(text, '/rt.conf', memFs({}));
      assert.deepEqual(readingProblems(back.diagnostics), [], text);
      assert.deepEqual(normalize(ConfigModel, back.model), normalize(ConfigModel, m), text);
    }),
    { numRuns: runs },
  );
});

test('the generator really produces non-trivial models (the properties above are not vacuous)', () => {
  const sample = fc.sample(models, { numRuns: 200, seed: 42 });
  const keys = new Set(sample.flatMap((m) => Object.entries(m).filter(([, v]) => (Array.isArray(v) ? v.length > 0 : v !== undefined)).map(([k]) => k)));
  for (const k of ['global_defs', 'vrrp_instances', 'virtual_servers']) assert.ok(keys.has(k), `no model with ${k}`);
});
