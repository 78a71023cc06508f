// Pure tests: the VRRP state machine, table-driven, one case per RFC 5798 §6.4 transition / timer rule
// (section cited in each case name) and per keepalived behaviour (marked "keepalived").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initialInstanceState, step, type Action, type Event, type InstanceState, type TransitionReason } from '../../../src/vrrp/state.js';
import { instanceConfig, type InstanceConfig, type VrrpStateName } from '../../../src/vrrp/types.js';
import { masterDownIntervalMs, skewTimeMs } from '../../../src/vrrp/timers.js';

const NO_GARP_TIMERS = { masterDelayMs: 0, lowerPrioRepeat: 0, lowerPrioDelayMs: 0 };

type CfgOver = Partial<Omit<InstanceConfig, 'garp'>> & { garp?: Partial<InstanceConfig['garp']> };

function cfgOf(over: CfgOver = {}): InstanceConfig {
  return instanceConfig({
    name: 'VI_1',
    vrid: 51,
    priority: 100,
    primaryAddress: '10.0.0.2',
    virtualAddresses: ['10.0.0.100'],
    ...over,
    garp: { ...NO_GARP_TIMERS, ...(over.garp ?? {}) },
  });
}

const adv = (priority: number, src = '10.0.0.9', adverIntCs = 100): Event => ({ type: 'advert', advert: { priority, src, adverIntCs } });
const timer = (t: 'masterDown' | 'adver' | 'garpDelay' | 'garpRefresh' | 'garpLowerPrio'): Event => ({ type: 'timer', timer: t });

/** Run `given` (time, event) pairs, then `when`; return the state after `when` and only its actions. */
function run(cfg: InstanceConfig, given: Array<[number, Event]>, when: [number, Event]): { st: InstanceState; actions: Action[] } {
  let st = initialInstanceState(cfg);
  for (const [t, ev] of given) st = step(cfg, st, ev, t).state;
  const r = step(cfg, st, when[1], when[0]);
  return { st: r.state, actions: r.actions };
}

const MDI100 = 3000 + 609.375; // v2, priority 100: 3 x 1 s + (256 - 100) / 256 s

interface Case {
  name: string;
  cfg?: CfgOver;
  given?: Array<[number, Event]>;
  when: [number, Event];
  state: InstanceState['state'];
  actions: Action[];
  check?: (st: InstanceState) => void;
}

const BECOME_MASTER = (reason: TransitionReason, prio: number, now: number, from: VrrpStateName = 'BACKUP'): Action[] => [
  { type: 'transition', from, to: 'MASTER', reason },
  { type: 'count', counter: 'become_master' },
  { type: 'addVips', accept: true },
  { type: 'announce', repeat: 5, reason: 'become_master' },
  { type: 'notify', state: 'MASTER', priority: prio },
  { type: 'sendAdvert', priority: prio },
  { type: 'count', counter: 'advert_sent' },
  { type: 'setTimer', timer: 'adver', at: now + 1000 },
];

const STARTED: Array<[number, Event]> = [[0, { type: 'startup' }]];
const AS_MASTER: Array<[number, Event]> = [[0, { type: 'startup' }], [MDI100, timer('masterDown')]];

const CASES: Case[] = [
  {
    name: 'RFC 5798 §6.4.1 Startup, priority != 255: Master_Adver_Interval = Advertisement_Interval, Master_Down_Timer = Master_Down_Interval, Backup',
    when: [0, { type: 'startup' }],
    state: 'BACKUP',
    actions: [
      { type: 'transition', from: 'INIT', to: 'BACKUP', reason: 'startup' },
      { type: 'notify', state: 'BACKUP', priority: 100 },
      { type: 'setTimer', timer: 'masterDown', at: MDI100 },
    ],
  },
  {
    name: 'RFC 5798 §6.4.1 Startup, priority 255 (address owner, keepalived state MASTER): advert, GARP, Adver_Timer, Master at once',
    cfg: { priority: 255, initialState: 'MASTER' },
    when: [0, { type: 'startup' }],
    state: 'MASTER',
    actions: BECOME_MASTER('owner', 255, 0, 'INIT'),
  },
  {
    name: 'keepalived: initial state MASTER below priority 255 starts as BACKUP and waits Master_Down_Interval (measured on 2.2.7)',
    cfg: { initialState: 'MASTER' },
    when: [0, { type: 'startup' }],
    state: 'BACKUP',
    actions: [
      { type: 'transition', from: 'INIT', to: 'BACKUP', reason: 'startup' },
      { type: 'notify', state: 'BACKUP', priority: 100 },
      { type: 'setTimer', timer: 'masterDown', at: MDI100 },
    ],
  },
  {
    name: 'RFC 5798 §6.4.2 Master_Down_Timer fires: send ADVERTISEMENT, GARP, set Adver_Timer, Master',
    given: STARTED,
    when: [MDI100, timer('masterDown')],
    state: 'MASTER',
    actions: BECOME_MASTER('master_down', 100, MDI100), // the timer fired: nothing left to cancel
  },
  {
    name: 'RFC 5798 §6.4.2 a Master_Down_Timer event that is no longer due (timer re-armed) changes nothing',
    given: [[0, { type: 'startup' }], [1000, adv(120)]],
    when: [MDI100, timer('masterDown')],
    state: 'BACKUP',
    actions: [],
  },
  {
    name: 'RFC 5798 §6.4.2 Backup receives priority 0: Master_Down_Timer = Skew_Time',
    given: STARTED,
    when: [500, adv(0)],
    state: 'BACKUP',
    actions: [{ type: 'setTimer', timer: 'masterDown', at: 500 + 609.375 }],
  },
  {
    name: 'RFC 5798 §6.4.2 Backup receives a higher priority: reset Master_Down_Timer to Master_Down_Interval',
    given: STARTED,
    when: [700, adv(150, '10.0.0.1')],
    state: 'BACKUP',
    actions: [{ type: 'setTimer', timer: 'masterDown', at: 700 + MDI100 }],
    check: (st) => {
      assert.equal(st.masterAddress, '10.0.0.1');
      assert.equal(st.masterPriority, 150);
    },
  },
  {
    name: 'RFC 5798 §6.4.2 Backup receives an equal priority: accepted (priority >= local)',
    given: STARTED,
    when: [700, adv(100)],
    state: 'BACKUP',
    actions: [{ type: 'setTimer', timer: 'masterDown', at: 700 + MDI100 }],
  },
  {
    name: 'RFC 5798 §6.4.2 Backup, Preempt_Mode True, lower priority: discard (timer keeps running)',
    given: STARTED,
    when: [700, adv(50)],
    state: 'BACKUP',
    actions: [],
    check: (st) => assert.equal(st.timers.masterDown, MDI100),
  },
  {
    name: 'RFC 5798 §6.4.2 Backup, Preempt_Mode False (nopreempt), lower priority: accepted, timer reset',
    cfg: { preempt: false },
    given: STARTED,
    when: [700, adv(50)],
    state: 'BACKUP',
    actions: [{ type: 'setTimer', timer: 'masterDown', at: 700 + MDI100 }],
  },
  {
    name: 'RFC 5798 §6.4.2 v3 Backup learns Master_Adver_Interval from the advert and recomputes Master_Down_Interval',
    cfg: { version: 3 },
    given: STARTED,
    when: [200, adv(150, '10.0.0.1', 50)],
    state: 'BACKUP',
    actions: [{ type: 'setTimer', timer: 'masterDown', at: 200 + 1500 + skewTimeMs(3, 100, 50) }],
    check: (st) => assert.equal(st.masterAdverIntervalCs, 50),
  },
  {
    name: 'RFC 3768 §6.4.2 v2 Backup keeps its own interval (v2 has no Master_Adver_Interval to learn)',
    given: STARTED,
    when: [200, adv(150, '10.0.0.1', 300)],
    state: 'BACKUP',
    actions: [{ type: 'setTimer', timer: 'masterDown', at: 200 + MDI100 }],
    check: (st) => assert.equal(st.masterAdverIntervalCs, 100),
  },
  {
    name: 'keepalived preempt_delay: the first lower-priority advert starts the delay and is accepted',
    cfg: { preemptDelayMs: 10_000 },
    given: STARTED,
    when: [1000, adv(70)],
    state: 'BACKUP',
    actions: [{ type: 'setTimer', timer: 'masterDown', at: 1000 + MDI100 }],
    check: (st) => assert.equal(st.preemptAt, 11_000),
  },
  {
    name: 'keepalived preempt_delay: lower-priority adverts are accepted until the delay ends',
    cfg: { preemptDelayMs: 10_000 },
    given: [[0, { type: 'startup' }], [1000, adv(70)]],
    when: [10_999, adv(70)],
    state: 'BACKUP',
    actions: [{ type: 'setTimer', timer: 'masterDown', at: 10_999 + MDI100 }],
  },
  {
    name: 'keepalived preempt_delay: after the delay a lower-priority advert is discarded (RFC 5798 §6.4.2 preempt)',
    cfg: { preemptDelayMs: 10_000 },
    given: [[0, { type: 'startup' }], [1000, adv(70)], [10_500, adv(70)]],
    when: [11_000, adv(70)],
    state: 'BACKUP',
    actions: [],
    check: (st) => assert.equal(st.timers.masterDown, 10_500 + MDI100),
  },
  {
    name: 'keepalived preempt_delay: an advert with priority >= ours stops the delay',
    cfg: { preemptDelayMs: 10_000 },
    given: [[0, { type: 'startup' }], [1000, adv(70)]],
    when: [2000, adv(120)],
    state: 'BACKUP',
    actions: [{ type: 'setTimer', timer: 'masterDown', at: 2000 + MDI100 }],
    check: (st) => assert.equal(st.preemptAt, null),
  },
  {
    name: 'RFC 5798 §6.4.3 Adver_Timer fires: send ADVERTISEMENT, reset Adver_Timer',
    given: AS_MASTER,
    when: [MDI100 + 1000, timer('adver')],
    state: 'MASTER',
    actions: [
      { type: 'sendAdvert', priority: 100 },
      { type: 'count', counter: 'advert_sent' },
      { type: 'setTimer', timer: 'adver', at: MDI100 + 2000 },
    ],
  },
  {
    name: 'RFC 5798 §6.4.3 Master receives a greater priority: cancel Adver_Timer, release, Master_Down_Timer, Backup',
    given: AS_MASTER,
    when: [5000, adv(150, '10.0.0.1')],
    state: 'BACKUP',
    actions: [
      { type: 'cancelTimer', timer: 'adver' },
      { type: 'removeVips' },
      { type: 'transition', from: 'MASTER', to: 'BACKUP', reason: 'higher_priority' },
      { type: 'count', counter: 'release_master' },
      { type: 'notify', state: 'BACKUP', priority: 100 },
      { type: 'setTimer', timer: 'masterDown', at: 5000 + MDI100 },
    ],
  },
  {
    name: 'RFC 5798 §6.4.3 v3 Master yielding takes Master_Adver_Interval from the advert',
    cfg: { version: 3 },
    given: AS_MASTER,
    when: [5000, adv(150, '10.0.0.1', 200)],
    state: 'BACKUP',
    actions: [
      { type: 'cancelTimer', timer: 'adver' },
      { type: 'removeVips' },
      { type: 'transition', from: 'MASTER', to: 'BACKUP', reason: 'higher_priority' },
      { type: 'count', counter: 'release_master' },
      { type: 'notify', state: 'BACKUP', priority: 100 },
      { type: 'setTimer', timer: 'masterDown', at: 5000 + masterDownIntervalMs(3, 100, 200) },
    ],
  },
  {
    name: 'RFC 5798 §6.4.3 equal priority and a greater primary address: the sender wins, Backup',
    given: AS_MASTER,
    when: [5000, adv(100, '10.0.0.3')],
    state: 'BACKUP',
    actions: [
      { type: 'cancelTimer', timer: 'adver' },
      { type: 'removeVips' },
      { type: 'transition', from: 'MASTER', to: 'BACKUP', reason: 'higher_priority' },
      { type: 'count', counter: 'release_master' },
      { type: 'notify', state: 'BACKUP', priority: 100 },
      { type: 'setTimer', timer: 'masterDown', at: 5000 + MDI100 },
    ],
  },
  {
    name: 'RFC 5798 §6.4.3 equal priority and a smaller address: stay Master; keepalived answers at once (conflict made visible)',
    given: AS_MASTER,
    when: [5000, adv(100, '10.0.0.1')],
    state: 'MASTER',
    actions: [
      { type: 'conflict', peer: '10.0.0.1', peerPriority: 100, ourPriority: 100 },
      { type: 'sendAdvert', priority: 100 },
      { type: 'count', counter: 'advert_sent' },
      { type: 'setTimer', timer: 'adver', at: 6000 },
    ],
  },
  {
    name: 'RFC 5798 §6.4.3 lower priority with keepalived lower_prio_no_advert: discard, only the conflict is reported',
    cfg: { lowerPrioNoAdvert: true },
    given: AS_MASTER,
    when: [5000, adv(50, '10.0.0.9')],
    state: 'MASTER',
    actions: [{ type: 'conflict', peer: '10.0.0.9', peerPriority: 50, ourPriority: 100 }],
  },
  {
    name: 'keepalived garp_lower_prio_repeat/delay: a master hearing a lower priority re-announces its VIPs now and later',
    cfg: { lowerPrioNoAdvert: true, garp: { lowerPrioRepeat: 3, lowerPrioDelayMs: 2000 } },
    given: AS_MASTER,
    when: [5000, adv(50, '10.0.0.9')],
    state: 'MASTER',
    actions: [
      { type: 'conflict', peer: '10.0.0.9', peerPriority: 50, ourPriority: 100 },
      { type: 'announce', repeat: 3, reason: 'lower_prio' },
      { type: 'setTimer', timer: 'garpLowerPrio', at: 7000 },
    ],
  },
  {
    name: 'keepalived higher_prio_send_advert: one advert before yielding',
    cfg: { higherPrioSendAdvert: true },
    given: AS_MASTER,
    when: [5000, adv(200)],
    state: 'BACKUP',
    actions: [
      { type: 'sendAdvert', priority: 100 },
      { type: 'count', counter: 'advert_sent' },
      { type: 'cancelTimer', timer: 'adver' },
      { type: 'removeVips' },
      { type: 'transition', from: 'MASTER', to: 'BACKUP', reason: 'higher_priority' },
      { type: 'count', counter: 'release_master' },
      { type: 'notify', state: 'BACKUP', priority: 100 },
      { type: 'setTimer', timer: 'masterDown', at: 5000 + MDI100 },
    ],
  },
  {
    name: 'RFC 5798 §6.4.3 Master receives priority 0: send ADVERTISEMENT, reset Adver_Timer',
    given: AS_MASTER,
    when: [4000, adv(0)],
    state: 'MASTER',
    actions: [
      { type: 'sendAdvert', priority: 100 },
      { type: 'count', counter: 'advert_sent' },
      { type: 'setTimer', timer: 'adver', at: 5000 },
    ],
  },
  {
    name: 'RFC 5798 §6.4.3 Shutdown as Master: cancel Adver_Timer, send priority 0, release, Initialize (keepalived notify STOP)',
    given: AS_MASTER,
    when: [4000, { type: 'shutdown' }],
    state: 'INIT',
    actions: [
      { type: 'sendAdvert', priority: 0 },
      { type: 'count', counter: 'advert_sent' },
      { type: 'count', counter: 'pri_zero_sent' },
      { type: 'removeVips' },
      { type: 'cancelTimer', timer: 'adver' },
      { type: 'transition', from: 'MASTER', to: 'INIT', reason: 'shutdown' },
      { type: 'notify', state: 'STOP', priority: 100 },
    ],
  },
  {
    name: 'RFC 5798 §6.4.2 Shutdown as Backup: cancel Master_Down_Timer, Initialize, no advert',
    given: STARTED,
    when: [1000, { type: 'shutdown' }],
    state: 'INIT',
    actions: [
      { type: 'cancelTimer', timer: 'masterDown' },
      { type: 'transition', from: 'BACKUP', to: 'INIT', reason: 'shutdown' },
      { type: 'notify', state: 'STOP', priority: 100 },
    ],
  },
  {
    name: 'keepalived FAULT from Master: priority 0 advert, VIPs released, release_master, notify FAULT',
    given: AS_MASTER,
    when: [4000, { type: 'fault', fault: true }],
    state: 'FAULT',
    actions: [
      { type: 'cancelTimer', timer: 'adver' },
      { type: 'sendAdvert', priority: 0 },
      { type: 'count', counter: 'advert_sent' },
      { type: 'count', counter: 'pri_zero_sent' },
      { type: 'removeVips' },
      { type: 'transition', from: 'MASTER', to: 'FAULT', reason: 'fault' },
      { type: 'count', counter: 'release_master' },
      { type: 'notify', state: 'FAULT', priority: 100 },
    ],
  },
  {
    name: 'keepalived FAULT from Backup: Master_Down_Timer cancelled, notify FAULT',
    given: STARTED,
    when: [1000, { type: 'fault', fault: true }],
    state: 'FAULT',
    actions: [
      { type: 'cancelTimer', timer: 'masterDown' },
      { type: 'transition', from: 'BACKUP', to: 'FAULT', reason: 'fault' },
      { type: 'notify', state: 'FAULT', priority: 100 },
    ],
  },
  {
    name: 'keepalived FAULT ignores adverts (even priority 0)',
    given: [[0, { type: 'startup' }], [1000, { type: 'fault', fault: true }]],
    when: [1500, adv(0)],
    state: 'FAULT',
    actions: [],
  },
  {
    name: 'keepalived leaving FAULT: Backup with a fresh Master_Down_Interval',
    given: [[0, { type: 'startup' }], [1000, { type: 'fault', fault: true }]],
    when: [2000, { type: 'fault', fault: false }],
    state: 'BACKUP',
    actions: [
      { type: 'transition', from: 'FAULT', to: 'BACKUP', reason: 'fault_cleared' },
      { type: 'notify', state: 'BACKUP', priority: 100 },
      { type: 'setTimer', timer: 'masterDown', at: 2000 + MDI100 },
    ],
  },
  {
    name: 'keepalived leaving FAULT as the address owner: Master at once',
    cfg: { priority: 255, initialState: 'MASTER' },
    given: [[0, { type: 'startup' }], [1000, { type: 'fault', fault: true }]],
    when: [2000, { type: 'fault', fault: false }],
    state: 'MASTER',
    actions: BECOME_MASTER('fault_cleared', 255, 2000, 'FAULT'),
  },
  {
    name: 'keepalived: starting while a tracked object is down enters FAULT, not BACKUP',
    given: [[0, { type: 'fault', fault: true }]],
    when: [0, { type: 'startup' }],
    state: 'FAULT',
    actions: [
      { type: 'transition', from: 'INIT', to: 'FAULT', reason: 'fault' },
      { type: 'notify', state: 'FAULT', priority: 100 },
    ],
  },
  {
    name: 'RFC 5798 §6.4.1 adverts before startup (Initialize) are ignored',
    when: [0, adv(200)],
    state: 'INIT',
    actions: [],
  },
  {
    name: 'keepalived effective priority: clamped to 1..254 and reported',
    given: AS_MASTER,
    when: [4000, { type: 'priority', priority: 300 }],
    state: 'MASTER',
    actions: [{ type: 'priorityChanged', from: 100, to: 254 }],
    check: (st) => assert.equal(st.effectivePriority, 254),
  },
  {
    name: 'keepalived effective priority: never below 1',
    given: STARTED,
    when: [100, { type: 'priority', priority: -20 }],
    state: 'BACKUP',
    actions: [{ type: 'priorityChanged', from: 100, to: 1 }],
    check: (st) => assert.equal(st.timers.masterDown, MDI100, 'a lower priority never pushes the timer back'),
  },
  {
    name: 'keepalived effective priority: the address owner (255) ignores tracking weights',
    cfg: { priority: 255, initialState: 'MASTER' },
    given: STARTED,
    when: [100, { type: 'priority', priority: 200 }],
    state: 'MASTER',
    actions: [],
    check: (st) => assert.equal(st.effectivePriority, 255),
  },
  {
    name: 'RFC 5798 §6.1 / keepalived: a higher priority shortens Skew_Time; a running Master_Down_Timer moves earlier',
    given: STARTED,
    when: [100, { type: 'priority', priority: 200 }],
    state: 'BACKUP',
    actions: [
      { type: 'priorityChanged', from: 100, to: 200 },
      { type: 'setTimer', timer: 'masterDown', at: MDI100 - (609.375 - 218.75) },
    ],
  },
  {
    name: 'RFC 5798 §6.4.3 a Master whose priority dropped advertises the new priority at the next Adver_Timer',
    given: [...AS_MASTER, [4000, { type: 'priority', priority: 70 }]],
    when: [MDI100 + 1000, timer('adver')],
    state: 'MASTER',
    actions: [
      { type: 'sendAdvert', priority: 70 },
      { type: 'count', counter: 'advert_sent' },
      { type: 'setTimer', timer: 'adver', at: MDI100 + 2000 },
    ],
  },
  {
    name: 'keepalived garp_master_delay: a second GARP burst after the delay',
    cfg: { garp: { masterDelayMs: 5000 } },
    given: AS_MASTER,
    when: [MDI100 + 5000, timer('garpDelay')],
    state: 'MASTER',
    actions: [{ type: 'announce', repeat: 5, reason: 'master_delay' }],
  },
  {
    name: 'keepalived garp_master_refresh: periodic re-announcement while Master',
    cfg: { garp: { masterRefreshMs: 60_000, masterRefreshRepeat: 2 } },
    given: AS_MASTER,
    when: [MDI100 + 60_000, timer('garpRefresh')],
    state: 'MASTER',
    actions: [
      { type: 'announce', repeat: 2, reason: 'refresh' },
      { type: 'setTimer', timer: 'garpRefresh', at: MDI100 + 120_000 },
    ],
  },
  {
    name: 'keepalived sync group: syncGoMaster makes a Backup member Master at once',
    given: STARTED,
    when: [1000, { type: 'syncGoMaster' }],
    state: 'MASTER',
    actions: [{ type: 'cancelTimer', timer: 'masterDown' } as Action, ...BECOME_MASTER('sync', 100, 1000)],
  },
  {
    name: 'keepalived sync group: syncGoBackup releases a Master member without a priority 0 advert',
    given: AS_MASTER,
    when: [5000, { type: 'syncGoBackup' }],
    state: 'BACKUP',
    actions: [
      { type: 'cancelTimer', timer: 'adver' },
      { type: 'removeVips' },
      { type: 'transition', from: 'MASTER', to: 'BACKUP', reason: 'sync' },
      { type: 'count', counter: 'release_master' },
      { type: 'notify', state: 'BACKUP', priority: 100 },
      { type: 'setTimer', timer: 'masterDown', at: 5000 + MDI100 },
    ],
  },
  {
    name: 'keepalived sync group: syncHold (group not ready) records the wish and waits another Master_Down_Interval',
    given: STARTED,
    when: [MDI100, { type: 'syncHold' }],
    state: 'BACKUP',
    actions: [{ type: 'setTimer', timer: 'masterDown', at: 2 * MDI100 }],
    check: (st) => assert.equal(st.wantMaster, true),
  },
  {
    name: 'keepalived accept: addVips carries Accept_Mode false for a non-owner with no_accept',
    cfg: { accept: false },
    given: STARTED,
    when: [MDI100, timer('masterDown')],
    state: 'MASTER',
    actions: BECOME_MASTER('master_down', 100, MDI100).map((a) => (a.type === 'addVips' ? { type: 'addVips', accept: false } : a)),
  },
];

for (const c of CASES) {
  test(c.name, () => {
    const cfg = cfgOf(c.cfg);
    const { st, actions } = run(cfg, c.given ?? [], c.when);
    assert.equal(st.state, c.state);
    assert.deepEqual(actions, c.actions);
    c.check?.(st);
  });
}

test('step is pure: the input state object is not modified', () => {
  const cfg = cfgOf();
  const s0 = initialInstanceState(cfg);
  const frozen = JSON.stringify(s0);
  const r = step(cfg, s0, { type: 'startup' }, 0);
  assert.equal(JSON.stringify(s0), frozen);
  assert.notEqual(r.state, s0);
});

test('RFC 5798 §6.1 timer rules: Skew_Time and Master_Down_Interval (v2 seconds, v3 centiseconds), as keepalived computes them', () => {
  const rows: Array<[2 | 3, number, number, number, number]> = [
    // version, priority, Master_Adver_Interval (cs), Skew_Time (ms), Master_Down_Interval (ms)
    [2, 100, 100, 609.375, 3609.375],
    [2, 150, 100, 414.062, 3414.062],
    [2, 254, 100, 7.812, 3007.812],
    [3, 100, 100, 609.375, 3609.375],
    [3, 100, 10, 60.937, 360.937],
    [3, 200, 10, 21.875, 321.875],
    [3, 1, 4095, 40790.039, 163640.039],
  ];
  for (const [v, p, cs, skew, mdi] of rows) {
    assert.equal(skewTimeMs(v, p, cs), skew, `skew v${v} p${p} ${cs}cs`);
    assert.equal(masterDownIntervalMs(v, p, cs), mdi, `mdi v${v} p${p} ${cs}cs`);
  }
});
