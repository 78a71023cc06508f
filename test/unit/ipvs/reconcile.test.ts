// Reconciler and diff: exact operations from empty, from a partly matching table, after an
// outside flush or edit, on refused or lost operations, and at stop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { applyToTable, diff, tableOf } from '../../../src/ipvs/diff.js';
import { IpvsResyncError } from '../../../src/ipvs/errors.js';
import { describeOp } from '../../../src/ipvs/ops.js';
import { Reconciler, type ReconcileEvent, type Timers } from '../../../src/ipvs/reconcile.js';
import { makeDest, makeService, serviceKeyId, type ServiceKey, type VirtualServer } from '../../../src/ipvs/types.js';
import { FakeKernel } from './fake-kernel.js';

const tcp = (address: string, port = 80): ServiceKey => ({ kind: 'addr', family: 'ipv4', protocol: 'tcp', address, port });
const A = tcp('10.0.0.1');
const B = tcp('10.0.0.2');
const F = tcp('10.9.9.9'); // someone else's
const d = (last: number, weight = 1) => makeDest('ipv4', `10.0.1.${last}`, 80, { forwarding: 'masq', weight });

const desired = (): VirtualServer[] => [
  { service: makeService(A, { scheduler: 'wrr' }), dests: [d(1), d(2, 2), d(3, 3)] },
  { service: makeService(B, { scheduler: 'rr', persistence: 300 }), dests: [] },
];

function rig(opts: { flush?: boolean } = {}) {
  const k = new FakeKernel();
  const events: ReconcileEvent[] = [];
  const r = new Reconciler({ kernel: k, driftIntervalMs: 0, onEvent: (e) => events.push(e), ...opts });
  return { k, r, events };
}

test('from empty: each service, then its destinations; nothing more', async () => {
  const { k, r } = rig();
  const res = await r.setDesired(desired());
  assert.deepEqual(k.described, [
    'add-service TCP 10.0.0.1:80 (wrr)',
    'add-dest TCP 10.0.0.1:80 -> 10.0.1.1:80 (masq, weight 1)',
    'add-dest TCP 10.0.0.1:80 -> 10.0.1.2:80 (masq, weight 2)',
    'add-dest TCP 10.0.0.1:80 -> 10.0.1.3:80 (masq, weight 3)',
    'add-service TCP 10.0.0.2:80 (rr)',
  ]);
  assert.equal(k.batches.length, 1, 'one batch');
  assert.equal(k.dumps, 1, 'one read of the kernel');
  assert.equal(res.failed.length, 0);
  assert.deepEqual(k.table, tableOf(desired()));
});

test('unchanged table: no operation and no dump; one weight change: one edit', async () => {
  const { k, r } = rig();
  await r.setDesired(desired());
  const before = { ops: k.ops.length, dumps: k.dumps };
  await r.setDesired(desired());
  assert.equal(k.ops.length, before.ops);
  assert.equal(k.dumps, before.dumps);
  const next = desired();
  next[0]!.dests[1] = d(2, 7);
  await r.setDesired(next);
  assert.deepEqual(k.described.slice(before.ops), ['edit-dest TCP 10.0.0.1:80 -> 10.0.1.2:80 (masq, weight 7)']);
  assert.equal(k.dumps, before.dumps, 'diffed against the known table');
});

test('partly matching table: only the differences, foreign services untouched', async () => {
  const { k, r } = rig();
  k.outside({ op: 'add-service', service: makeService(A, { scheduler: 'wrr' }) });
  k.outside({ op: 'add-dest', key: A, dest: d(1) });
  k.outside({ op: 'add-dest', key: A, dest: d(2, 9) });
  k.outside({ op: 'add-dest', key: A, dest: d(99) });
  k.outside({ op: 'add-service', service: makeService(F) });
  k.outside({ op: 'add-dest', key: F, dest: d(50) });
  await r.setDesired(desired());
  assert.deepEqual(k.described, [
    'add-service TCP 10.0.0.2:80 (rr)',
    'edit-dest TCP 10.0.0.1:80 -> 10.0.1.2:80 (masq, weight 2)',
    'add-dest TCP 10.0.0.1:80 -> 10.0.1.3:80 (masq, weight 3)',
    'del-dest TCP 10.0.0.1:80 -> 10.0.1.99:80',
  ]);
  assert.ok(k.table.has(serviceKeyId(F)));
  assert.equal(k.table.get(serviceKeyId(F))!.dests.size, 1);
});

test('a changed scheduler is one service edit', async () => {
  const { k, r } = rig();
  await r.setDesired(desired());
  const n = k.ops.length;
  const next = desired();
  next[0]!.service = makeService(A, { scheduler: 'sh', schedFlags: ['sh-port'] });
  await r.setDesired(next);
  assert.deepEqual(k.described.slice(n), ['edit-service TCP 10.0.0.1:80 (sh)']);
});

test('drift: after ipvsadm -C everything of lvsd comes back, and the repair is reported', async () => {
  const { k, r, events } = rig();
  await r.setDesired(desired());
  k.outside({ op: 'flush' });
  const n = k.ops.length;
  await r.checkDrift();
  assert.deepEqual(k.described.slice(n), k.described.slice(0, n), 'the same five operations again');
  const drift = events.find((e) => e.type === 'drift');
  assert.ok(drift && drift.type === 'drift');
  assert.equal(drift.repaired.length, 5);
  assert.match(drift.repaired[0]!, /^add-service TCP 10.0.0.1:80/);
});

test('drift: an outside edit and an outside delete are undone; foreign changes are not', async () => {
  const { k, r } = rig();
  await r.setDesired(desired());
  k.outside({ op: 'edit-dest', key: A, dest: d(1, 50) });
  k.outside({ op: 'del-dest', key: A, dest: d(3, 3) });
  k.outside({ op: 'add-service', service: makeService(F) });
  const n = k.ops.length;
  await r.checkDrift();
  assert.deepEqual(k.described.slice(n), [
    'edit-dest TCP 10.0.0.1:80 -> 10.0.1.1:80 (masq, weight 1)',
    'add-dest TCP 10.0.0.1:80 -> 10.0.1.3:80 (masq, weight 3)',
  ]);
  await r.checkDrift();
  assert.equal(k.ops.length, n + 2, 'nothing more to repair');
});

test('a service dropped from the config is deleted with one operation', async () => {
  const { k, r } = rig();
  await r.setDesired(desired());
  const n = k.ops.length;
  await r.setDesired(desired().slice(1));
  assert.deepEqual(k.described.slice(n), ['del-service TCP 10.0.0.1:80']);
});

test('lvs_flush removes what others made, once', async () => {
  const { k, r } = rig({ flush: true });
  k.outside({ op: 'add-service', service: makeService(F) });
  await r.setDesired(desired());
  assert.equal(k.described[0], 'del-service TCP 10.9.9.9:80');
  k.outside({ op: 'add-service', service: makeService(F) });
  const n = k.ops.length;
  await r.setDesired(desired());
  await r.checkDrift();
  assert.equal(k.ops.length, n, 'after the first sync, foreign services are left alone');
});

test('a refused operation (stale knowledge) leads to a fresh dump and a repair', async () => {
  const { k, r, events } = rig();
  await r.setDesired(desired());
  k.outside({ op: 'del-service', key: A }); // behind lvsd's back, no drift check yet
  const next = desired();
  next[0]!.dests[0] = d(1, 5);
  const n = k.ops.length;
  const dumps = k.dumps;
  const res = await r.setDesired(next);
  assert.deepEqual(k.described.slice(n), [
    'edit-dest TCP 10.0.0.1:80 -> 10.0.1.1:80 (masq, weight 5)', // refused: ESRCH
    'add-service TCP 10.0.0.1:80 (wrr)',
    'add-dest TCP 10.0.0.1:80 -> 10.0.1.1:80 (masq, weight 5)',
    'add-dest TCP 10.0.0.1:80 -> 10.0.1.2:80 (masq, weight 2)',
    'add-dest TCP 10.0.0.1:80 -> 10.0.1.3:80 (masq, weight 3)',
  ]);
  assert.equal(k.dumps, dumps + 1);
  assert.equal(res.attempts, 2);
  const first = events.filter((e) => e.type === 'applied').at(-2)!;
  assert.ok(first.type === 'applied' && first.failed[0]!.error!.errnoName === 'ESRCH');
});

test('lost replies: the sync reads the kernel again and finishes', async () => {
  const { k, r } = rig();
  k.failNextApply = new IpvsResyncError('test');
  const res = await r.setDesired(desired());
  assert.equal(res.attempts, 2);
  assert.equal(k.dumps, 2);
  assert.equal(k.table.size, 2);
});

test('an operation refused every time gives up after the attempts and says so', async () => {
  const { k, r, events } = rig();
  k.refuse = { match: /10\.0\.1\.2/, errno: 22 };
  const res = await r.setDesired(desired());
  assert.equal(res.attempts, 3);
  assert.equal(res.failed.length, 1);
  const err = events.find((e) => e.type === 'error');
  assert.ok(err && err.type === 'error');
  assert.match(err.error.message, /EINVAL/);
});

test('stop removes every owned service, and only those, last added first', async () => {
  // Reverse order: the kernel moves removed destinations to a trash list that each later add
  // searches from its head, so the next start (in configuration order) finds its own at once.
  const { k, r } = rig();
  await r.setDesired(desired());
  k.outside({ op: 'add-service', service: makeService(F) });
  const n = k.ops.length;
  const res = await r.stop();
  assert.deepEqual(res, { removed: 2, left: [] });
  assert.deepEqual(k.described.slice(n), ['del-service TCP 10.0.0.2:80', 'del-service TCP 10.0.0.1:80']);
  assert.deepEqual([...k.table.keys()], [serviceKeyId(F)]);
});

test('stop retries what the kernel did not remove', async () => {
  const { k, r } = rig();
  await r.setDesired(desired());
  k.refuse = { match: /del-service TCP 10.0.0.2/, errno: 16, times: 1 }; // EBUSY once
  const n = k.ops.length;
  const res = await r.stop();
  assert.deepEqual(res, { removed: 2, left: [] });
  assert.equal(k.table.size, 0);
  assert.deepEqual(k.described.slice(n), ['del-service TCP 10.0.0.2:80', 'del-service TCP 10.0.0.1:80', 'del-service TCP 10.0.0.2:80']);
});

test('the drift timer repairs on its own', async () => {
  const pending: (() => void)[] = [];
  const timers: Timers = { setTimeout: (fn) => pending.push(fn), clearTimeout: () => undefined };
  const k = new FakeKernel();
  const r = new Reconciler({ kernel: k, driftIntervalMs: 1000, timers });
  await r.setDesired(desired());
  r.start();
  k.outside({ op: 'flush' });
  assert.equal(pending.length, 1);
  pending.shift()!();
  await new Promise((res) => setTimeout(res, 10));
  assert.equal(k.table.size, 2);
  assert.equal(pending.length, 1, 're-armed');
  await r.stop();
});

test('diff then apply reaches the desired table and spares foreign services (property)', () => {
  const key = fc.integer({ min: 1, max: 6 }).map((i) => tcp(`10.0.0.${i}`));
  const dest = fc.record({ last: fc.integer({ min: 1, max: 5 }), weight: fc.integer({ min: 0, max: 3 }) }).map((x) => d(x.last, x.weight));
  const server = fc.record({ k: key, sch: fc.constantFrom('rr', 'wrr'), dests: fc.array(dest, { maxLength: 4 }) }).map((x) => ({
    service: makeService(x.k, { scheduler: x.sch }),
    dests: x.dests,
  }));
  fc.assert(
    fc.property(fc.array(server, { maxLength: 4 }), fc.array(server, { maxLength: 4 }), fc.array(key, { maxLength: 3 }), (want, have, ownedKeys) => {
      const desiredT = tableOf(want);
      const actualT = tableOf(have);
      const owned = new Set([...ownedKeys.map(serviceKeyId), ...desiredT.keys()]);
      const ops = diff(desiredT, actualT, owned);
      const after = tableOf(have);
      for (const o of ops) applyToTable(after, o);
      // With the hint the reconciler passes (one per run of operations): the same table.
      const hinted = tableOf(have);
      const hint = {};
      for (const o of ops) applyToTable(hinted, o, hint);
      assert.deepEqual(hinted, after);
      for (const [id, s] of desiredT) assert.deepEqual(after.get(id), s);
      for (const [id, s] of actualT) if (!owned.has(id)) assert.deepEqual(after.get(id), s);
      for (const id of after.keys()) assert.ok(desiredT.has(id) || !owned.has(id));
      assert.deepEqual(diff(desiredT, after, owned), [], 'a second diff finds nothing');
      for (const o of ops) assert.notEqual(describeOp(o), '');
    }),
  );
});

test('small changes take the incremental path; its result equals a full diff (property)', async () => {
  const server = (i: number, sch: string, ws: number[]): VirtualServer => ({
    service: makeService(tcp(`10.0.0.${i}`), { scheduler: sch }),
    dests: ws.map((w, j) => d(j + 1, w)),
  });
  const arbTable = fc.array(fc.record({ sch: fc.constantFrom('rr', 'wrr'), ws: fc.array(fc.integer({ min: 0, max: 2 }), { maxLength: 3 }) }), { minLength: 1, maxLength: 12 }).map((xs) =>
    xs.map((x, i) => server(i + 1, x.sch, x.ws)),
  );
  // an edit: change one service's weights or scheduler, or its key
  const arbEdit = fc.record({ at: fc.nat(), kind: fc.constantFrom('weight', 'sched', 'key'), w: fc.integer({ min: 0, max: 5 }) });
  await fc.assert(
    fc.asyncProperty(arbTable, fc.array(arbEdit, { maxLength: 4 }), async (start, edits) => {
      const k = new FakeKernel();
      const r = new Reconciler({ kernel: k, driftIntervalMs: 0 });
      let cur = start;
      await r.setDesired(cur);
      for (const e of edits) {
        const i = e.at % cur.length;
        const next = cur.map((s) => ({ service: { ...s.service }, dests: s.dests.map((x) => ({ ...x })) }));
        const s = next[i]!;
        if (e.kind === 'weight') {
          if (s.dests.length > 0) s.dests[0]!.weight = e.w;
        } else if (e.kind === 'sched') s.service.scheduler = s.service.scheduler === 'rr' ? 'wrr' : 'rr';
        else s.service.key = tcp(`10.1.0.${i + 1}`, 80 + e.w);
        const before = k.ops.length;
        await r.setDesired(next);
        cur = next;
        assert.deepEqual(k.table, tableOf(cur), 'the kernel holds exactly the desired table');
        if (e.kind === 'weight') assert.ok(k.ops.length - before <= 1, 'a weight change is at most one operation');
      }
    }),
    { numRuns: 60 },
  );
});

test('a renamed service is one delete and one add; ten thousand unchanged services are not looked at again', async () => {
  const k = new FakeKernel();
  const r = new Reconciler({ kernel: k, driftIntervalMs: 0 });
  const big = Array.from({ length: 10_000 }, (_, i) => ({
    service: makeService(tcp(`10.${100 + (i >> 8)}.${i & 255}.1`), { scheduler: 'wrr' }),
    dests: [d(1), d(2)],
  }));
  await r.setDesired(big);
  const n = k.ops.length;
  const renamed = big.slice();
  renamed[5000] = { ...big[5000]!, service: makeService(tcp('10.99.0.1'), { scheduler: 'wrr' }) };
  const t0 = performance.now();
  await r.setDesired(renamed);
  const ms = performance.now() - t0;
  assert.deepEqual(k.described.slice(n), [
    'del-service TCP 10.119.136.1:80',
    'add-service TCP 10.99.0.1:80 (wrr)',
    'add-dest TCP 10.99.0.1:80 -> 10.0.1.1:80 (masq, weight 1)',
    'add-dest TCP 10.99.0.1:80 -> 10.0.1.2:80 (masq, weight 1)',
  ]);
  assert.ok(ms < 1000, `incremental sync of 10,000 services took ${ms.toFixed(0)} ms`);
});

test('a withdrawal removes the services last added first, as a stop does', async () => {
  const { k, r } = rig();
  const C = tcp('10.0.0.3');
  await r.setDesired([...desired(), { service: makeService(C, { scheduler: 'rr' }), dests: [d(9)] }]);
  const n = k.ops.length;
  await r.setDesired([]);
  assert.deepEqual(k.described.slice(n), ['del-service TCP 10.0.0.3:80', 'del-service TCP 10.0.0.2:80', 'del-service TCP 10.0.0.1:80']);
  assert.equal(k.table.size, 0);
});
