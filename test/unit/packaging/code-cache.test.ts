// The bundle's code cache (scripts/bundle.mjs): the build's bundle starts from V8's compiled code in
// lvsd.mjs.cache; a cache of another build, one V8 refuses, or none at all leaves lvsd working as
// before. The copies run from a directory inside this build, where lvsd finds its package.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUILD, packageVersion, requireBundle } from './support.js';

/** What a start of this copy of the bundle says about its cache, and its `--version`. */
function start(bundle: string): { codeCache: string; version: string; err: string } {
  // Imported, not run: the bundle runs its CLI only when it is the program (process.argv[1]).
  const probe = spawnSync(process.execPath, ['--input-type=module', '-e', `const m = await import(${JSON.stringify(bundle)}); console.log(m.codeCache);`], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(probe.status, 0, probe.stderr);
  const v = spawnSync(process.execPath, [bundle, '--version'], { encoding: 'utf8', timeout: 30_000 });
  return { codeCache: probe.stdout.trim(), version: `${v.status} ${v.stdout}`, err: v.stderr };
}

function copyOfBundle(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(BUILD, 'code-cache-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'cli'));
  const copy = join(dir, 'cli', 'lvsd.mjs');
  copyFileSync(requireBundle(), copy);
  return copy;
}

test('the build\'s bundle starts from its code cache', () => {
  const bundle = requireBundle();
  assert.ok(existsSync(`${bundle}.cache`), `${bundle}.cache: the build writes it (scripts/bundle.mjs)`);
  const r = start(bundle);
  assert.equal(r.codeCache, 'used');
  assert.equal(r.version, `0 lvsd ${packageVersion()}\n`, r.err);
});

test('a cache of another build, one V8 refuses, or none: lvsd compiles its program and runs as before', (t) => {
  const copy = copyOfBundle(t);
  const cache = readFileSync(`${requireBundle()}.cache`);
  const want = `0 lvsd ${packageVersion()}\n`;

  // No cache.
  assert.deepEqual(start(copy), { codeCache: 'none', version: want, err: '' });

  // Another build's: the tag names another program (one hex digit of its hash changed).
  const nl = cache.indexOf(10);
  const other = Buffer.from(cache);
  other[nl - 1] = other[nl - 1] === 0x30 ? 0x31 : 0x30;
  writeFileSync(`${copy}.cache`, other);
  assert.deepEqual(start(copy), { codeCache: 'none', version: want, err: '' });

  // This build's tag over bytes V8 cannot use (as after a Node upgrade): refused, compiled instead.
  writeFileSync(`${copy}.cache`, Buffer.concat([cache.subarray(0, nl + 1), Buffer.alloc(4096, 7)]));
  assert.deepEqual(start(copy), { codeCache: 'rejected', version: want, err: '' });

  // The cache as built, beside the copy: used.
  writeFileSync(`${copy}.cache`, cache);
  assert.deepEqual(start(copy), { codeCache: 'used', version: want, err: '' });
});
