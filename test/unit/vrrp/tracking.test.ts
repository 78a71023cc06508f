// Pure tests: keepalived's tracking policy (rise/fall counting, weight sign semantics, clamp, fault) and
// the sync-group coordination.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { computeTracking, initialScriptState, scriptResult, type ScriptTrackConfig, type ScriptTrackState } from '../../../src/vrrp/tracking.js';
import { groupStep, type Member, type SyncGroupConfig } from '../../../src/vrrp/sync-group.js';
import { initialInstanceState, type InstanceState } from '../../../src/vrrp/state.js';
import { instanceConfig, type VrrpStateName } from '../../../src/vrrp/types.js';

const chk: ScriptTrackConfig = { name: 'chk_nginx', weight: -30, rise: 1, fall: 2 };

function feed(cfg: ScriptTrackConfig, results: boolean[], st: ScriptTrackState = initialScriptState(cfg)): ScriptTrackState[] {
  const out: ScriptTrackState[] = [];
  for (const r of results) out.push((st = scriptResult(cfg, st, r)));
  return out;
}

test('keepalived rise/fall (scenario 2: fall 2, rise 1): one success is enough at start; two failures to go down; one success to come back', () => {
  const s = feed(chk, [true, false, false, true]);
  assert.deepEqual(s.map((x) => x.status), ['up', 'up', 'down', 'up']);
});

test('keepalived rise 3: three consecutive successes from down; a failure in between restarts the count', () => {
  const cfg = { ...chk, rise: 3, fall: 1 };
  const s = feed(cfg, [false, true, true, false, true, true, true], initialScriptState(cfg));
  assert.deepEqual(s.map((x) => x.status), ['down', 'down', 'down', 'down', 'down', 'down', 'up']);
});

test('keepalived init_fail: starts down', () => {
  assert.deepEqual(initialScriptState(chk, 'failed'), { result: 0, status: 'down' });
});

test('property: status goes down exactly after `fall` consecutive failures from up, up after `rise` successes from down', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }), fc.array(fc.boolean(), { maxLength: 60 }), (rise, fall, seq) => {
      const cfg = { ...chk, rise, fall };
      let st = initialScriptState(cfg);
      let runOk = 0;
      let runBad = 0;
      for (const r of seq) {
        const prev = st.status;
        st = scriptResult(cfg, st, r);
        runOk = r ? runOk + 1 : 0;
        runBad = r ? 0 : runBad + 1;
        if (prev === 'up' && st.status === 'down') assert.ok(runBad >= fall, `down after ${runBad} failures`);
        if (prev === 'down' && st.status === 'up') assert.equal(runOk >= rise, true);
        if (prev === 'up' && !r && runBad >= fall) assert.equal(st.status, 'down');
        if (prev === 'down' && r && runOk >= rise) assert.equal(st.status, 'up');
      }
    }),
  );
});

test('weights: negative applies while failing, positive while succeeding; reverse swaps; weight 0 = fault', () => {
  const t = (weight: number, status: 'up' | 'down' | 'init', reverse = false) => ({ name: `w${weight}`, weight, status, reverse });
  assert.equal(computeTracking(100, [t(-30, 'down')]).priority, 70); // scenario 2 step 2
  assert.equal(computeTracking(100, [t(-30, 'up')]).priority, 100); // scenario 2 step 4
  assert.equal(computeTracking(100, [t(20, 'up')]).priority, 120);
  assert.equal(computeTracking(100, [t(20, 'down')]).priority, 100);
  assert.equal(computeTracking(100, [t(20, 'up', true)]).priority, 100);
  assert.equal(computeTracking(100, [t(20, 'down', true)]).priority, 120);
  assert.equal(computeTracking(100, [t(-30, 'up', true)]).priority, 70);
  const f = computeTracking(100, [t(0, 'down'), t(-10, 'down')]);
  assert.equal(f.fault, true);
  assert.deepEqual(f.faultBy, ['w0']);
  assert.equal(computeTracking(100, [t(0, 'up', true)]).fault, true);
  assert.equal(computeTracking(100, [t(0, 'init')]).pending, true);
});

test('clamp: effective priority stays within 1..254; the owner (255) is not moved', () => {
  const t = (weight: number, status: 'up' | 'down') => ({ name: 'x', weight, status });
  assert.equal(computeTracking(200, [t(100, 'up')]).priority, 254);
  assert.equal(computeTracking(20, [t(-100, 'down')]).priority, 1);
  assert.equal(computeTracking(255, [t(-100, 'down')]).priority, 255);
});

test('track_file: value x weight; weight 0 with a non-zero value is a fault; below -253 is a fault', () => {
  assert.equal(computeTracking(100, [], [{ name: 'f', weight: 2, value: 10 }]).priority, 120);
  assert.equal(computeTracking(100, [], [{ name: 'f', weight: 2, value: 10, reverse: true }]).priority, 80);
  assert.equal(computeTracking(100, [], [{ name: 'f', weight: 0, value: 3 }]).fault, true);
  assert.equal(computeTracking(100, [], [{ name: 'f', weight: 0, value: 0 }]).fault, false);
  assert.equal(computeTracking(100, [], [{ name: 'f', weight: -1, value: 254 }]).fault, true);
});

// ---------- sync groups ----------

const G: SyncGroupConfig = { name: 'VG_1', members: ['http', 'mysql'] };
function members(): Record<string, Member> {
  const http = instanceConfig({ name: 'http', vrid: 51, priority: 100, primaryAddress: '192.168.200.10', virtualAddresses: ['192.168.200.17'] });
  const mysql = instanceConfig({ name: 'mysql', vrid: 101, priority: 90, advertIntervalCs: 300, primaryAddress: '192.168.200.10', virtualAddresses: ['1.1.1.1'] });
  return { http: { cfg: http, state: initialInstanceState(http) }, mysql: { cfg: mysql, state: initialInstanceState(mysql) } };
}

function apply(ms: Record<string, Member>, gs: VrrpStateName, target: string, ev: Parameters<typeof groupStep>[4], now: number) {
  const r = groupStep(G, gs, ms, target, ev, now);
  for (const [n, s] of Object.entries(r.members)) ms[n]!.state = s;
  return r;
}

const stateOf = (ms: Record<string, Member>): Record<string, InstanceState['state']> =>
  Object.fromEntries(Object.entries(ms).map(([n, m]) => [n, m.state.state]));

test('keepalived sync group: a member whose timer fires first waits for the others, then all become master together', () => {
  const ms = members();
  let gs: VrrpStateName = 'INIT';
  gs = apply(ms, gs, 'http', { type: 'startup' }, 0).groupState;
  gs = apply(ms, gs, 'mysql', { type: 'startup' }, 0).groupState;
  assert.equal(gs, 'BACKUP');
  const httpDown = ms.http!.state.timers.masterDown!;
  const mysqlDown = ms.mysql!.state.timers.masterDown!;
  assert.ok(httpDown < mysqlDown);
  let r = apply(ms, gs, 'http', { type: 'timer', timer: 'masterDown' }, httpDown);
  assert.deepEqual(stateOf(ms), { http: 'BACKUP', mysql: 'BACKUP' }, 'http holds: mysql does not want master yet');
  assert.equal(ms.http!.state.wantMaster, true);
  r = apply(ms, r.groupState, 'mysql', { type: 'timer', timer: 'masterDown' }, mysqlDown);
  assert.deepEqual(stateOf(ms), { http: 'MASTER', mysql: 'MASTER' });
  assert.deepEqual(r.actions.filter((a) => a.type === 'notifyGroup'), [{ type: 'notifyGroup', group: 'VG_1', state: 'MASTER' }]);
  assert.equal(r.actions.filter((a) => a.type === 'instance' && a.action.type === 'addVips').length, 2);
});

test('keepalived sync group: one member yielding to a higher priority takes the whole group to BACKUP', () => {
  const ms = members();
  let gs: VrrpStateName = 'INIT';
  for (const n of G.members) gs = apply(ms, gs, n, { type: 'startup' }, 0).groupState;
  gs = apply(ms, gs, 'mysql', { type: 'syncGoMaster' }, 100).groupState;
  assert.deepEqual(stateOf(ms), { http: 'MASTER', mysql: 'MASTER' });
  const r = apply(ms, gs, 'http', { type: 'advert', advert: { priority: 200, src: '192.168.200.11', adverIntCs: 100 } }, 5000);
  assert.deepEqual(stateOf(ms), { http: 'BACKUP', mysql: 'BACKUP' });
  assert.equal(r.groupState, 'BACKUP');
  // syncGoBackup releases without a priority 0 advert.
  assert.equal(r.actions.some((a) => a.type === 'instance' && a.action.type === 'sendAdvert'), false);
});

test('keepalived sync group: a fault in one member puts the group in FAULT; clearing it brings all back to BACKUP', () => {
  const ms = members();
  let gs: VrrpStateName = 'INIT';
  for (const n of G.members) gs = apply(ms, gs, n, { type: 'startup' }, 0).groupState;
  gs = apply(ms, gs, 'http', { type: 'syncGoMaster' }, 100).groupState;
  let r = apply(ms, gs, 'mysql', { type: 'fault', fault: true }, 2000);
  assert.deepEqual(stateOf(ms), { http: 'FAULT', mysql: 'FAULT' });
  assert.equal(r.groupState, 'FAULT');
  const zeros = r.actions.filter((a) => a.type === 'instance' && a.action.type === 'sendAdvert' && a.action.priority === 0);
  assert.equal(zeros.length, 2, 'both masters release with priority 0');
  r = apply(ms, r.groupState, 'mysql', { type: 'fault', fault: false }, 3000);
  assert.deepEqual(stateOf(ms), { http: 'BACKUP', mysql: 'BACKUP' });
  assert.equal(r.groupState, 'BACKUP');
});
