// MISC_CHECK with real scripts: exit codes, misc_dynamic weights, hangs, forked children that
// hang, megabytes of output, missing programs, user.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { MiscChecker, miscVerdict } from '../../../src/check/misc.js';
import { alive, isRoot } from '../../util/env.js';

function misc(misc_path: string, o: { timeoutMs?: number; dynamic?: boolean; user?: string } = {}) {
  return new MiscChecker({ misc_path, timeoutMs: o.timeoutMs ?? 3000, misc_dynamic: o.dynamic ?? false, ...(o.user ? { user: o.user } : {}) });
}
async function probe(c: MiscChecker) {
  const t0 = performance.now();
  const r = await c.probe(new AbortController().signal, t0 + c.budgetMs);
  return { ...r, ms: performance.now() - t0 };
}

test('misc_dynamic verdicts follow keepalived: 0 up, 1 down, 2..255 up with weight status-2', () => {
  assert.deepEqual(miscVerdict(0, false), { ok: true });
  assert.deepEqual(miscVerdict(1, false), { ok: false });
  assert.deepEqual(miscVerdict(2, false), { ok: false });
  assert.deepEqual(miscVerdict(0, true), { ok: true });
  assert.deepEqual(miscVerdict(1, true), { ok: false });
  assert.deepEqual(miscVerdict(2, true), { ok: true, weight: 0 });
  assert.deepEqual(miscVerdict(12, true), { ok: true, weight: 10 });
  assert.deepEqual(miscVerdict(255, true), { ok: true, weight: 253 });
});

test('exit 0 passes, exit 1 fails; arguments are passed as keepalived splits them', async () => {
  assert.equal((await probe(misc('/bin/sh -c "exit 0"'))).ok, true);
  const r = await probe(misc('/bin/sh -c "echo broken; exit 1"'));
  assert.equal(r.ok, false);
  assert.equal(r.reason, 'exit');
  assert.match(r.detail, /exit 1.*broken/);
  assert.equal((await probe(misc("/bin/sh -c 'test \"$0\" = \"a b\"' 'a b'"))).ok, true);
});

test('misc_dynamic: exit 7 is up with weight 5; without misc_dynamic it is down', async () => {
  const r = await probe(misc('/bin/sh -c "exit 7"', { dynamic: true }));
  assert.equal(r.ok, true);
  assert.equal(r.weight, 5);
  assert.equal(r.weightMode, 'set');
  assert.equal((await probe(misc('/bin/sh -c "exit 7"'))).ok, false);
});

test('a hanging script is killed with its process group at misc_timeout, forked children included', async () => {
  const r = await probe(misc('/bin/sh -c "sleep 30 & echo $! > /dev/stderr; sleep 30"', { timeoutMs: 300 }));
  assert.equal(r.ok, false);
  assert.equal(r.reason, 'timeout');
  assert.ok(r.ms >= 290 && r.ms < 1500, `took ${r.ms} ms`);
});

test('a forked child that hangs with the pipes open does not hold the probe', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lvsd-misc-'));
  const pidFile = join(dir, 'pid');
  try {
    const t0 = performance.now();
    const r = await probe(misc(`/bin/sh -c "sleep 20 & echo $! > ${pidFile}; exit 0"`, { timeoutMs: 3000 }));
    assert.equal(r.ok, true, r.detail);
    assert.ok(performance.now() - t0 < 1500, 'the probe waited for the child');
    const pid = Number(readFileSync(pidFile, 'utf8'));
    assert.ok(pid > 1 && alive(pid), 'the child should still be running (only a timeout kills the group)');
    process.kill(pid, 'SIGKILL');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('megabytes of output do not stall the script', async () => {
  const r = await probe(misc('/bin/sh -c "head -c 8000000 /dev/zero | tr \\"\\\\0\\" y; exit 0"', { timeoutMs: 10000 }));
  assert.equal(r.ok, true, r.detail);
  assert.ok(r.ms < 5000, `took ${r.ms} ms`);
});

test('a missing program is a spawn failure, not a crash', async () => {
  const r = await probe(misc('/nonexistent/check --flag'));
  assert.equal(r.ok, false);
  assert.equal(r.reason, 'spawn');
});

test('user: the script runs as that user', { skip: isRoot() ? false : 'needs root to switch user' }, async () => {
  const r = await probe(misc('/bin/sh -c "test $(id -u) = 65534"', { user: 'nobody' }));
  assert.equal(r.ok, true, r.detail);
  const asRoot = await probe(misc('/bin/sh -c "test $(id -u) = 65534"'));
  assert.equal(asRoot.ok, false);
  const unknown = await probe(misc('/bin/true', { user: 'no-such-user-lvsd' }));
  assert.equal(unknown.reason, 'spawn');
});

test('killed by a signal is a failure naming the signal', async () => {
  const r = await probe(misc('/bin/sh -c "kill -9 $$"'));
  assert.equal(r.ok, false);
  assert.match(r.detail, /SIGKILL/);
});
