// writeDumps: /tmp/lvsd.{data,stats,json} written atomically, mode 0600, never through a planted symlink.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DUMP_FILES, writeDumps } from '../../../src/control/dumps.js';
import { dumpText } from '../../../src/control/format.js';
import { sampleStatus } from './sample.js';

test('writeDumps writes each dump with its text, mode 0600, and leaves no temporary file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lvsd-dumps-'));
  const old = process.umask(0o022);
  try {
    const s = sampleStatus();
    const paths = await writeDumps(s, ['data', 'stats', 'json'], dir, { utc: true });
    assert.deepEqual(paths, [join(dir, 'lvsd.data'), join(dir, 'lvsd.stats'), join(dir, 'lvsd.json')]);
    for (const what of ['data', 'stats', 'json'] as const) {
      const p = join(dir, DUMP_FILES[what]);
      assert.equal(readFileSync(p, 'utf8'), dumpText(s, what, { utc: true }), what);
      const st = lstatSync(p);
      assert.ok(st.isFile());
      assert.equal(st.mode & 0o777, 0o600, what);
    }
    assert.deepEqual(readdirSync(dir).sort(), ['lvsd.data', 'lvsd.json', 'lvsd.stats']);
    // A second SIGUSR2 replaces the stats file with the new counters.
    s.instances[0]!.counters.advert_sent = 9999;
    assert.deepEqual(await writeDumps(s, 'stats', dir), [join(dir, 'lvsd.stats')]);
    assert.match(readFileSync(join(dir, 'lvsd.stats'), 'utf8'), /^ {4}Sent: 9999$/m);
  } finally {
    process.umask(old);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('writeDumps replaces a symlink planted at the target instead of writing through it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lvsd-dumps-'));
  try {
    const victim = join(dir, 'victim');
    writeFileSync(victim, 'keep me');
    symlinkSync(victim, join(dir, 'lvsd.stats'));
    await writeDumps(sampleStatus(), 'stats', dir);
    assert.equal(readFileSync(victim, 'utf8'), 'keep me');
    assert.ok(lstatSync(join(dir, 'lvsd.stats')).isFile());
    assert.equal(readFileSync(join(dir, 'lvsd.stats'), 'utf8'), dumpText(sampleStatus(), 'stats'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('writeDumps into a missing directory fails with the error and leaves nothing behind', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lvsd-dumps-'));
  try {
    await assert.rejects(writeDumps(sampleStatus(), 'json', join(dir, 'missing')), (e: NodeJS.ErrnoException) => e.code === 'ENOENT');
    assert.deepEqual(readdirSync(dir), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
