// Unit tests: a received packet's age from the shim's kernel-stamp age and the time since the read,
// capped to [0, MAX_RX_AGE_MS] (a wall-clock step between arrival and read must not move a timer far).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MAX_RX_AGE_MS, rxAgeMs } from '../../../src/net/vrrp-socket.js';

test('rxAgeMs adds the stamp-to-read age (ns) and the read-to-callback time (ms)', () => {
  assert.equal(rxAgeMs(250_000, 0.05), 0.3);
  assert.equal(rxAgeMs(0, 0), 0);
  assert.equal(rxAgeMs(2_000_000, 0), 2);
});

test('rxAgeMs: a negative stamp age (wall clock stepped back) counts as 0, an old one is capped', () => {
  assert.equal(rxAgeMs(-5_000_000, 0.1), 0.1);
  assert.equal(rxAgeMs(-5_000_000, 0), 0);
  assert.equal(rxAgeMs(3_600e9, 0), MAX_RX_AGE_MS);
  assert.equal(rxAgeMs(0, 10_000), MAX_RX_AGE_MS);
  assert.equal(rxAgeMs(1_000_000, -1), 1, 'a negative read-to-callback time is not subtracted');
});

test('rxAgeMs is always within [0, MAX_RX_AGE_MS] and monotonic in both arguments', () => {
  fc.assert(
    fc.property(fc.double({ min: -1e12, max: 1e12, noNaN: true }), fc.double({ min: -1e3, max: 1e5, noNaN: true }), fc.double({ min: 0, max: 1e6, noNaN: true }), (ns, ms, more) => {
      const a = rxAgeMs(ns, ms);
      assert.ok(a >= 0 && a <= MAX_RX_AGE_MS);
      assert.ok(rxAgeMs(ns + more, ms) >= a);
      assert.ok(rxAgeMs(ns, ms + more / 1e3) >= a);
    }),
  );
});
