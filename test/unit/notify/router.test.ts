// Unit tests: VRRP and LVS events in, FIFO lines and mails out, with keepalived's rules (no mail for
// a state already mailed, no_email_faults, no_checker_emails, STOP for sync groups at shutdown,
// priority-change and lower-priority lines), and the entry's subscriptions on real buses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseKeepalivedText } from '../../../src/config/keepalived/parse.js';
import type { ConfigModel } from '../../../src/config/model/index.js';
import { resolveLvs } from '../../../src/config/resolve-lvs.js';
import { resolveVrrp } from '../../../src/config/resolve-vrrp.js';
import { lvsBus } from '../../../src/events/lvs.js';
import { vrrpBus } from '../../../src/events/vrrp.js';
import { startNotifications } from '../../../src/notify/index.js';
import type { Mail } from '../../../src/notify/format.js';
import { NotifyRouter, parseServerName, parseTrio } from '../../../src/notify/router.js';
import { notifySettings } from '../../../src/notify/settings.js';
import { memFs } from '../config/memfs.js';

function model(text: string): ConfigModel {
  return parseKeepalivedText(text, '/k.conf', memFs({}), { configId: 'x' }).model;
}

const CONF = (globals: string) => `global_defs {
  router_id lb1
  ${globals}
}
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
  priority 100
  notify_priority_changes
  virtual_ipaddress { 10.0.0.100/24 }
}
vrrp_instance VI_2 {
  interface eth0
  virtual_router_id 52
  priority 90
  smtp_alert off
  virtual_ipaddress { 10.0.0.101/24 }
}
vrrp_sync_group G1 {
  group { VI_1 }
}
virtual_server 10.0.0.1 80 {
  protocol TCP
  quorum 2
  hysteresis 1
  smtp_alert
  real_server 10.0.0.2 80 {
    weight 2
    TCP_CHECK { }
  }
  real_server 10.0.0.3 80 {
    weight 1
    smtp_alert off
    TCP_CHECK { }
  }
}
`;

const SMTP = 'notification_email { ops@example.com }\n  smtp_server 127.0.0.1 2525\n  ';

function harness(globals = 'smtp_alert') {
  const m = model(CONF(SMTP + globals));
  const s = notifySettings(m, { hostname: 'h', username: 'root' }, resolveVrrp(m), resolveLvs(m));
  const lines: [string, string][] = [];
  const mails: Mail[] = [];
  const deferred: (() => void)[] = [];
  const r = new NotifyRouter(s, { fifo: (k, l) => lines.push([k, l]), mail: (x) => mails.push(x), defer: (fn) => deferred.push(fn) });
  const settle = (): void => {
    for (let f = deferred.shift(); f; f = deferred.shift()) f();
  };
  return { r, lines, mails, settle };
}

const tr = (instance: string, from: string, to: string, priority = 100, reason = 'master_down') =>
  ({ instance, vrid: 51, from, to, reason, priority, master: null }) as Parameters<NotifyRouter['transition']>[0];

test('VRRP: every state change is a FIFO line; a mail only for a state not mailed before, where smtp_alert is on', () => {
  const h = harness();
  h.r.transition(tr('VI_1', 'INIT', 'BACKUP', 100, 'startup'));
  h.r.group({ group: 'G1', state: 'BACKUP' });
  h.r.transition(tr('VI_2', 'INIT', 'BACKUP', 90, 'startup'));
  h.r.transition(tr('VI_1', 'BACKUP', 'MASTER'));
  h.r.group({ group: 'G1', state: 'MASTER' });
  h.r.group({ group: 'G1', state: 'MASTER' }); // repeated: a line, no second mail
  h.r.transition(tr('VI_1', 'MASTER', 'INIT', 100, 'shutdown'));
  h.r.stopped({ instances: ['VI_1', 'VI_2'], durationMs: 1 });
  assert.deepEqual(h.lines.map(([k, l]) => `${k}: ${l}`).join(''), [
    'vrrp: INSTANCE "VI_1" BACKUP 100',
    'vrrp: GROUP "G1" BACKUP 0',
    'vrrp: INSTANCE "VI_2" BACKUP 90',
    'vrrp: INSTANCE "VI_1" MASTER 100',
    'vrrp: GROUP "G1" MASTER 0',
    'vrrp: GROUP "G1" MASTER 0',
    'vrrp: INSTANCE "VI_1" STOP 100',
    'vrrp: GROUP "G1" STOP 0',
    '',
  ].join('\n'));
  // VI_2 has smtp_alert off; the rest follow the global smtp_alert.
  assert.deepEqual(h.mails.map((m) => m.subject), [
    '[lb1] VRRP Instance VI_1 - Entering BACKUP state',
    '[lb1] VRRP Group G1 - Entering BACKUP state',
    '[lb1] VRRP Instance VI_1 - Entering MASTER state',
    '[lb1] VRRP Group G1 - Entering MASTER state',
    '[lb1] VRRP Instance VI_1 - Stopping',
    '[lb1] VRRP Group G1 - Stopping',
  ]);
  assert.equal(h.r.stats.vrrpLines, 8);
  assert.equal(h.r.stats.mails, 6);
});

test('VRRP: no_email_faults keeps FAULT out of the mail, not out of the FIFO; INIT outside shutdown is not notified', () => {
  const h = harness('smtp_alert\n no_email_faults');
  h.r.transition(tr('VI_1', 'INIT', 'FAULT', 100, 'fault'));
  h.r.transition(tr('VI_1', 'FAULT', 'BACKUP', 100, 'fault_cleared'));
  h.r.transition(tr('VI_1', 'BACKUP', 'INIT', 100, 'sync'));
  assert.deepEqual(h.lines.map(([, l]) => l), ['INSTANCE "VI_1" FAULT 100\n', 'INSTANCE "VI_1" BACKUP 100\n']);
  assert.deepEqual(h.mails.map((m) => m.subject), ['[lb1] VRRP Instance VI_1 - Entering BACKUP state']);
});

test('VRRP: priority changes (notify_priority_changes) and a master hearing a lower priority', () => {
  const h = harness('');
  h.r.priority({ instance: 'VI_1', from: 100, to: 90 }); // not master yet: BACKUP_PRIORITY
  h.r.transition(tr('VI_1', 'BACKUP', 'MASTER', 90));
  h.r.priority({ instance: 'VI_1', from: 90, to: 100 });
  h.r.priority({ instance: 'VI_2', from: 90, to: 80 }); // VI_2 does not ask for priority lines
  h.r.conflict({ instance: 'VI_1', vrid: 51, peer: '10.0.0.7', peerPriority: 50, ourPriority: 100 });
  h.r.conflict({ instance: 'VI_1', vrid: 51, peer: '10.0.0.7', peerPriority: 200, ourPriority: 100 });
  assert.deepEqual(h.lines.map(([, l]) => l), [
    'INSTANCE "VI_1" BACKUP_PRIORITY 90\n',
    'INSTANCE "VI_1" MASTER 90\n',
    'INSTANCE "VI_1" MASTER_PRIORITY 100\n',
    'INSTANCE "VI_1" MASTER_RX_LOWER_PRI 100\n',
  ]);
  assert.equal(h.mails.length, 0, 'no smtp_alert anywhere');
});

test('LVS: RS and VS lines at once, in keepalived FMT; mails after the burst, naming the checker that moved the server', () => {
  const h = harness();
  h.r.checkState({ target: 'TCP_CHECK 10.0.0.2:80', type: 'TCP_CHECK', servers: ['10.0.0.2:80 of VS [10.0.0.1]:tcp:80'], state: 'down', reason: 'refused', detail: 'connection refused' });
  h.r.rs({ vs: '[10.0.0.1]:tcp:80', rs: '[10.0.0.2]:tcp:80', alive: false });
  h.r.quorum({ vs: '[10.0.0.1]:tcp:80', up: false });
  assert.deepEqual(h.lines.map(([k, l]) => `${k}: ${l}`), ['lvs: RS [10.0.0.2]:tcp:80 [10.0.0.1]:tcp:80 DOWN\n', 'lvs: VS [10.0.0.1]:tcp:80 DOWN\n']);
  assert.equal(h.mails.length, 0, 'mails wait for the burst to end');
  h.settle();
  assert.deepEqual(h.mails, [
    { subject: '[lb1] Realserver [10.0.0.2]:tcp:80 of virtual server [10.0.0.1]:tcp:80 - DOWN', body: '=> TCP CHECK failed on service <=' },
    // quorum 2, hysteresis 1: lost below 2-1=1; live weight left: 10.0.0.3's 1. First decision: "Starting with".
    { subject: '[lb1] Virtualserver [10.0.0.1]:tcp:80 - DOWN', body: '=> Starting with quorum down 2+1=1 <= 1 <=' },
  ]);
  h.r.checkState({ target: 'TCP_CHECK 10.0.0.2:80', type: 'TCP_CHECK', servers: ['10.0.0.2:80 of VS [10.0.0.1]:tcp:80'], state: 'up', reason: 'ok', detail: 'connected' });
  h.r.rs({ vs: '[10.0.0.1]:tcp:80', rs: '[10.0.0.2]:tcp:80', alive: true });
  h.r.quorum({ vs: '[10.0.0.1]:tcp:80', up: true });
  h.settle();
  assert.deepEqual(h.mails.slice(2), [
    { subject: '[lb1] Realserver [10.0.0.2]:tcp:80 of virtual server [10.0.0.1]:tcp:80 - UP', body: '=> TCP CHECK succeed on service <=' },
    { subject: '[lb1] Virtualserver [10.0.0.1]:tcp:80 - UP', body: '=> Gained quorum 2+1=3 <= 3 <=' },
  ]);
  // Figures the daemon sends win over the ones counted here.
  h.r.quorum({ vs: '[10.0.0.1]:tcp:80', up: true, quorum: 5, hysteresis: 0, threshold: 5, weightSum: 9, init: false } as never);
  h.settle();
  assert.equal(h.mails.at(-1)?.body, '=> Gained quorum 5+0=5 <= 9 <=');
});

test('LVS: a real server with smtp_alert off gets FIFO lines only; a checker that does not move its server mails unless no_checker_emails', () => {
  const h = harness();
  h.r.rs({ vs: '[10.0.0.1]:tcp:80', rs: '[10.0.0.3]:tcp:80', alive: false });
  h.settle();
  assert.equal(h.lines.length, 1);
  assert.equal(h.mails.length, 0);
  // 10.0.0.2's second checker fails while the server is already down: keepalived mails (subject: still DOWN).
  h.r.rs({ vs: '[10.0.0.1]:tcp:80', rs: '[10.0.0.2]:tcp:80', alive: false });
  h.settle();
  h.r.checkState({ target: 'HTTP_GET', type: 'HTTP_GET', servers: ['10.0.0.2:80 of VS [10.0.0.1]:tcp:80'], state: 'down', reason: 'status', detail: 'status 503' });
  h.settle();
  assert.deepEqual(h.mails.map((m) => [m.subject, m.body]), [
    ['[lb1] Realserver [10.0.0.2]:tcp:80 of virtual server [10.0.0.1]:tcp:80 - DOWN', '=> CHECK failed on service <='],
    ['[lb1] Realserver [10.0.0.2]:tcp:80 of virtual server [10.0.0.1]:tcp:80 - DOWN', '=> CHECK failed on service : HTTP request failed <='],
  ]);
  const q = harness('smtp_alert\n no_checker_emails');
  q.r.checkState({ target: 'HTTP_GET', type: 'HTTP_GET', servers: ['10.0.0.2:80 of VS [10.0.0.1]:tcp:80'], state: 'down', reason: 'status', detail: 'status 503' });
  q.r.checkState({ target: 'HTTP_GET', type: 'HTTP_GET', servers: ['10.0.0.2:80 of VS [10.0.0.1]:tcp:80'], state: 'initial-down', reason: 'status', detail: 'status 503' });
  q.settle();
  assert.equal(q.mails.length, 0, 'no_checker_emails: only a real server that changes state is mailed');
});

test('LVS: events for servers the configuration does not know still reach the FIFO, and are counted', () => {
  const h = harness();
  h.r.rs({ vs: '[10.9.9.9]:udp:53', rs: '[10.9.9.8]:udp:53', alive: true });
  h.r.quorum({ vs: 'FWM 9', up: true });
  h.settle();
  assert.deepEqual(h.lines.map(([, l]) => l), ['RS [10.9.9.8]:udp:53 [10.9.9.9]:udp:53 UP\n', 'VS FWM 9 UP\n']);
  assert.equal(h.r.stats.unknown, 2);
  // Unknown servers take the defaults: here the global smtp_alert, on for both.
  assert.deepEqual(h.mails.map((m) => m.subject), ['[lb1] Realserver [10.9.9.8]:udp:53 of virtual server [10.9.9.9]:udp:53 - UP', '[lb1] Virtualserver FWM 9 - UP']);
  // Without the global: a real server defaults to on, a virtual server to off (check_data.c).
  const d = harness('');
  d.r.rs({ vs: '[10.9.9.9]:udp:53', rs: '[10.9.9.8]:udp:53', alive: true });
  d.r.quorum({ vs: 'FWM 9', up: true });
  d.settle();
  assert.deepEqual(d.mails.map((m) => m.subject), ['[lb1] Realserver [10.9.9.8]:udp:53 of virtual server [10.9.9.9]:udp:53 - UP']);
});

test('name parsing: keepalived trios and the checker pool server names', () => {
  assert.deepEqual(parseTrio('[2001:db8::2]:tcp:443'), { address: '2001:db8::2', port: 443 });
  assert.equal(parseTrio('FWM 3'), undefined);
  assert.deepEqual(parseServerName('2001:db8::2:443 of VS [2001:db8::1]:tcp:443'), { address: '2001:db8::2', port: 443, vs: '[2001:db8::1]:tcp:443' });
  assert.deepEqual(parseServerName('10.0.0.2:80 of VS FWM 1'), { address: '10.0.0.2', port: 80, vs: 'FWM 1' });
});

test('entry: subscribes to the buses, counts what it routed, and lets go of them at close', async () => {
  const vrrp = vrrpBus();
  const lvs = lvsBus();
  const logs: string[] = [];
  const n = await startNotifications({ model: model(CONF('')), vrrp, lvs, host: { hostname: 'h', username: 'root', defaultScriptUser: undefined }, log: (l, e) => logs.push(`${l} ${e}`) });
  vrrp.emit('vrrp.transition', tr('VI_1', 'INIT', 'BACKUP', 100, 'startup'));
  vrrp.emit('vrrp.group', { group: 'G1', state: 'BACKUP' });
  lvs.emit('lvs.rs', { vs: '[10.0.0.1]:tcp:80', rs: '[10.0.0.2]:tcp:80', alive: false });
  lvs.emit('lvs.quorum', { vs: '[10.0.0.1]:tcp:80', up: false });
  assert.deepEqual(n.stats(), { fifos: [], smtp: { enabled: false }, events: { vrrpLines: 2, lvsLines: 2, mails: 0, unknown: 0 } });
  await n.close(); // runs the pending LVS flush: no mail, as no relay is configured
  vrrp.emit('vrrp.transition', tr('VI_1', 'BACKUP', 'MASTER'));
  lvs.emit('lvs.quorum', { vs: '[10.0.0.1]:tcp:80', up: true });
  assert.deepEqual(n.stats().events, { vrrpLines: 2, lvsLines: 2, mails: 0, unknown: 0 });
  assert.equal(vrrp.subscriberErrors + lvs.subscriberErrors, 0);
  assert.deepEqual(logs, [], 'nothing configured: nothing to say');
});
