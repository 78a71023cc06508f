// Guest fixture for test/uml/guest-runner.test.ts: one test checks the guest environment, one
// group fails on purpose when LVSD_SELFTEST_FAIL=1 (to prove failures come back named), one skips.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { inUml } from '../../lab/uml.js';

test('runs inside UML with IPVS, as root, with the job folder', (t) => {
  if (!inUml()) return t.skip('guest fixture: runs only inside UML');
  assert.match(readFileSync('/proc/sys/kernel/osrelease', 'utf8'), /^6\.1\./);
  assert.ok(existsSync('/proc/net/ip_vs'));
  assert.equal(process.getuid?.(), 0);
  assert.ok(existsSync(process.env.LVSD_UML_JOB ?? '/nonexistent'));
});

test('group', async (t) => {
  await t.test('child passes', () => assert.equal(1 + 1, 2));
  await t.test('child fails on purpose', () => {
    if (process.env.LVSD_SELFTEST_FAIL === '1') assert.equal('guest', 'host', 'deliberate failure');
  });
});

test('skipped in the guest', (t) => {
  t.skip('nothing to do');
});
