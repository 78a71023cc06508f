// Ownership across restarts: the services a crashed run created are handed to the next run, which
// removes those no longer desired at its first sync and leaves others' services alone; the state
// file round-trips and disappears when nothing is owned.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Reconciler } from '../../../src/ipvs/reconcile.js';
import { makeDest, makeService, serviceKeyId, type ServiceKey, type VirtualServer } from '../../../src/ipvs/types.js';
import { loadOwned, ownedFile, saveOwned } from '../../../src/daemon/owned-store.js';
import { FakeKernel } from './fake-kernel.js';

const tcp = (address: string, port = 80): ServiceKey => ({ kind: 'addr', family: 'ipv4', protocol: 'tcp', address, port });
const A = tcp('10.0.0.1');
const B = tcp('10.0.0.2');
const F = tcp('10.9.9.9');
const vs = (k: ServiceKey): VirtualServer => ({ service: makeService(k, { scheduler: 'rr' }), dests: [makeDest('ipv4', '10.0.1.1', 80, { forwarding: 'masq', weight: 1 })] });

test('a restarted reconciler removes the stale services of the run before it, and only those', async () => {
  const k = new FakeKernel();
  k.outside({ op: 'add-service', service: makeService(F, { scheduler: 'wrr' }) }); // someone else's
  const saves: string[][] = [];
  const r1 = new Reconciler({ kernel: k, driftIntervalMs: 0, onOwnedChange: (ids) => saves.push(ids) });
  await r1.setDesired([vs(A), vs(B)]);
  assert.deepEqual(saves.at(-1)?.sort(), [serviceKeyId(A), serviceKeyId(B)].sort());
  // r1 "crashes" (no stop); the configuration loses B; the next run starts with r1's file.
  const r2 = new Reconciler({ kernel: k, driftIntervalMs: 0, owned: saves.at(-1), onOwnedChange: (ids) => saves.push(ids) });
  const n = k.ops.length;
  await r2.setDesired([vs(A)]);
  assert.deepEqual(k.described.slice(n), ['del-service TCP 10.0.0.2:80']);
  assert.ok(k.table.has(serviceKeyId(F)), "others' service untouched");
  assert.deepEqual(saves.at(-1), [serviceKeyId(A)]);
  // Without the file (the old behaviour) B would have stayed: prove the test can tell.
  const k2 = new FakeKernel();
  const r3 = new Reconciler({ kernel: k2, driftIntervalMs: 0 });
  await r3.setDesired([vs(A), vs(B)]);
  const r4 = new Reconciler({ kernel: k2, driftIntervalMs: 0 });
  await r4.setDesired([vs(A)]);
  assert.ok(k2.table.has(serviceKeyId(B)), 'not owned: left in place');
  await r2.stop();
  assert.deepEqual(saves.at(-1), [], 'a clean stop owns nothing');
  assert.deepEqual([...k.table.keys()], [serviceKeyId(F)]);
});

test('owned-store: per network namespace file name, atomic save, load, empty removes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lvsd-owned-'));
  try {
    const f = ownedFile(dir);
    assert.match(f, new RegExp(`^${dir}/ipvs-owned\\.net${statSync('/proc/self/ns/net').ino}\\.json$`));
    assert.deepEqual(loadOwned(f), [], 'missing file: nothing known');
    saveOwned(f, ['a', 'b']);
    assert.deepEqual(loadOwned(f), ['a', 'b']);
    assert.equal(statSync(f).mode & 0o777, 0o600);
    assert.equal(JSON.parse(readFileSync(f, 'utf8')).pid, process.pid);
    saveOwned(f, []);
    assert.equal(existsSync(f), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
