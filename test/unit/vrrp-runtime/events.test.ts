// Tests of the event bus and the VRRP log subscriber: typed delivery, a failing subscriber isolated,
// levels per event, split brain at error level, repeated drops rate-limited.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { vrrpBus } from '../../../src/events/vrrp.js';
import { logVrrpEvents, DROP_LOG_INTERVAL_MS, type LogSink } from '../../../src/events/log.js';

function sink(): LogSink & { lines: Array<[string, Record<string, unknown>, string | undefined]> } {
  const lines: Array<[string, Record<string, unknown>, string | undefined]> = [];
  const at = (level: string) => (obj: object, msg?: string) => void lines.push([level, obj as Record<string, unknown>, msg]);
  return { lines, trace: at('trace'), debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

test('bus: named and catch-all subscribers; a throwing subscriber is counted, others still run', () => {
  const bus = vrrpBus();
  const got: string[] = [];
  const errors: string[] = [];
  bus.onSubscriberError = (_e, name) => errors.push(name);
  const off = bus.on('vrrp.priority', (p) => got.push(`p ${p.from}->${p.to}`));
  bus.on('vrrp.priority', () => {
    throw new Error('broken sink');
  });
  bus.onAny((_p, name) => got.push(`any ${name}`));
  bus.emit('vrrp.priority', { instance: 'VI_1', from: 100, to: 70 });
  off();
  bus.emit('vrrp.priority', { instance: 'VI_1', from: 70, to: 100 });
  assert.deepEqual(got, ['p 100->70', 'any vrrp.priority', 'any vrrp.priority']);
  assert.equal(bus.subscriberErrors, 2);
  assert.deepEqual(errors, ['vrrp.priority', 'vrrp.priority']);
});

test('log: event names and fields, levels, conflict loud', () => {
  const bus = vrrpBus();
  const s = sink();
  logVrrpEvents(bus, s);
  bus.emit('vrrp.transition', { instance: 'VI_1', vrid: 51, from: 'BACKUP', to: 'MASTER', reason: 'master_down', priority: 100, master: null });
  bus.emit('vrrp.conflict', { instance: 'VI_1', vrid: 51, peer: '10.0.0.9', peerPriority: 90, ourPriority: 100 });
  bus.emit('vrrp.counter', { instance: 'VI_1', counter: 'advert_sent', value: 3 });
  assert.deepEqual(s.lines.map(([l, o]) => [l, o.event]), [['info', 'vrrp.transition'], ['error', 'vrrp.conflict'], ['trace', 'vrrp.counter']]);
  assert.equal(s.lines[0]![1].to, 'MASTER');
  assert.match(s.lines[0]![2]!, /\(VI_1\) BACKUP -> MASTER \(master_down\)/);
  assert.match(s.lines[1]![2]!, /SPLIT BRAIN.*10\.0\.0\.9/);
});

test('log: a repeated drop from one source is logged once per interval, with the count suppressed', () => {
  const bus = vrrpBus();
  const s = sink();
  let t = 0;
  logVrrpEvents(bus, s, () => t);
  const drop = (src: string) => bus.emit('vrrp.drop', { instance: 'VI_1', ifname: 'eth0', src, reason: 'auth_failure', counter: 'auth_failure', message: 'authentication password does not match' });
  for (let i = 0; i < 5; i++) drop('10.0.0.9');
  drop('10.0.0.8');
  t += DROP_LOG_INTERVAL_MS;
  drop('10.0.0.9');
  const drops = s.lines.filter(([, o]) => o.event === 'vrrp.drop');
  assert.deepEqual(drops.map(([l, o]) => [l, o.src, o.suppressed]), [['warn', '10.0.0.9', undefined], ['warn', '10.0.0.8', undefined], ['warn', '10.0.0.9', 4]]);
});
