import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parseKeepalivedText } from '../../../src/config/keepalived/parse.js';
import { ConfigError } from '../../../src/config/diagnostics.js';
import { memFs } from './memfs.js';
import { repoRoot } from '../../util/env.js';

const seedDir = join(repoRoot(), 'test', 'fixtures', 'keepalived-seeds');
const seeds = readdirSync(seedDir).filter((f) => f.endsWith('.conf')).map((f) => readFileSync(join(seedDir, f), 'utf8'));
const runs = Number(process.env.LVSD_PROPERTY_RUNS ?? 300);

const pieces = ['{', '}', '"', '#', '!', '\\', '$X', '${Y}', '~SEQ(i,1,3)', '@lb01 ', 'include x', '\n', ' ', '-1', '999999999999', 'vrrp_instance', 'virtual_server', 'real_server', 'HTTP_GET', 'url', '0.0.0.0', '::', '/32'];

/** Mutations: delete, duplicate or insert characters and keyword-ish fragments at random places. */
const mutated = fc
  .tuple(
    fc.constantFrom(...seeds),
    fc.array(fc.tuple(fc.nat(), fc.nat({ max: 40 }), fc.oneof(fc.constantFrom(...pieces), fc.string({ maxLength: 6 }))), { maxLength: 12 }),
  )
  .map(([text, edits]) => {
    let t = text;
    for (const [pos, del, ins] of edits) {
      const p = pos % (t.length + 1);
      t = t.slice(0, p) + ins + t.slice(p + del);
    }
    return t;
  });

function check(text: string): void {
  try {
    const r = parseKeepalivedText(text, '/fuzz.conf', memFs({}), { configId: 'lb01', maxLines: 100000 });
    for (const d of r.diagnostics) {
      assert.ok(d.loc, `diagnostic without a location: ${d.code} ${d.message}`);
      assert.ok(d.loc.line >= 1 && d.loc.col >= 1, `bad location ${JSON.stringify(d.loc)}`);
      assert.ok(d.message.length > 0);
    }
  } catch (e) {
    // The only acceptable exception: a config error that names where.
    if (!(e instanceof ConfigError)) throw e;
    assert.ok(e.loc || e.code === 'file-not-found', `ConfigError without a location: ${e.message}`);
  }
}

test('mutated real-world configs never crash the parser; every diagnostic has a location', () => {
  fc.assert(fc.property(mutated, (t) => check(t)), { numRuns: runs });
});

test('random token soup never crashes the parser', () => {
  const soup = fc.array(fc.oneof(fc.constantFrom(...pieces), fc.string({ maxLength: 8 })), { maxLength: 80 }).map((a) => a.join(' '));
  fc.assert(fc.property(soup, (t) => check(t)), { numRuns: runs });
});
