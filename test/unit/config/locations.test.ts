// Unit tests: LocationTable: where each field of a model object was written, kept off the object's
// visible properties (JSON, keys, spread, deep equality see plain data), first write wins, the
// object's own location as the fallback, and growth past the initial log size.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LocationTable } from '../../../src/config/source.js';

test('a located object stays plain data: no visible key, JSON, spread and deep equality unchanged', () => {
  const t = new LocationTable();
  const o = { address: '10.0.0.1', port: 80 };
  t.set(o, '', { file: '/a.conf', line: 3, col: 1 });
  t.set(o, 'port', { file: '/a.conf', line: 3, col: 28 });
  assert.deepEqual(Reflect.ownKeys(o), ['address', 'port']);
  assert.equal(JSON.stringify(o), '{"address":"10.0.0.1","port":80}');
  assert.deepStrictEqual(o, { address: '10.0.0.1', port: 80 });
  assert.deepStrictEqual({ ...o }, o);
  // A copy is not located: locations belong to the object that was read.
  assert.equal(t.get({ ...o }, 'port'), undefined);
  assert.deepEqual(t.get(o, 'port'), { file: '/a.conf', line: 3, col: 28 });
});

test('first write wins; an unknown field falls back to the object itself; an unlocated object has none', () => {
  const t = new LocationTable();
  const o: Record<string, unknown> = {};
  t.set(o, 'retry', { file: '/k.conf', line: 7, col: 5 });
  t.set(o, 'retry', { file: '/k.conf', line: 9, col: 5 });
  assert.deepEqual(t.get(o, 'retry'), { file: '/k.conf', line: 7, col: 5 });
  assert.equal(t.get(o, 'weight'), undefined, 'no own location yet');
  t.set(o, '', { file: '/inc.conf', line: 2, col: 3 });
  assert.deepEqual(t.get(o, 'weight'), { file: '/inc.conf', line: 2, col: 3 });
  assert.deepEqual(t.get(o), { file: '/inc.conf', line: 2, col: 3 });
  assert.equal(t.get({}), undefined);
});

test('many objects and files: the log grows and every entry reads back', () => {
  const t = new LocationTable();
  const objs: object[] = [];
  for (let i = 0; i < 30000; i++) {
    const o = { i };
    t.set(o, '', { file: `/f${i % 3}.conf`, line: i + 1, col: 1 });
    t.set(o, 'i', { file: `/f${i % 3}.conf`, line: i + 1, col: 9 });
    objs.push(o);
  }
  objs.forEach((o, i) => {
    assert.deepEqual(t.get(o, 'i'), { file: `/f${i % 3}.conf`, line: i + 1, col: 9 });
    assert.deepEqual(t.get(o, 'other'), { file: `/f${i % 3}.conf`, line: i + 1, col: 1 });
  });
});
