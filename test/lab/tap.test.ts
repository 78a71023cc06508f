// Pure tests of the TAP reader, on the stream node's own runner produced for a failing file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTap, diagSummary } from './tap.js';

const TAP = `TAP version 13
# Subtest: passes
ok 1 - passes
  ---
  duration_ms: 1.1
  ...
# Subtest: group
    # Subtest: inner ok
    ok 1 - inner ok
      ---
      duration_ms: 0.2
      ...
    # Subtest: inner \\# fails
    not ok 2 - inner \\# fails
      ---
      duration_ms: 0.5
      location: '/x.js:9:3'
      failureType: 'testCodeFailure'
      error: |-
        Expected values to be strictly equal:
        1 !== 2
      code: 'ERR_ASSERTION'
      ...
    1..2
not ok 2 - group
  ---
  duration_ms: 1.0
  failureType: 'subtestsFailed'
  error: '1 subtest failed'
  ...
# Subtest: needs ipvs
ok 3 - needs ipvs # SKIP no /proc/net/ip_vs
  ---
  duration_ms: 0.1
  ...
1..3
# tests 4
# suites 0
# pass 2
# fail 1
# skipped 1
`;

test('reads nested results, skips, counts and the failing leaf with its error', () => {
  const r = parseTap(TAP);
  assert.deepEqual(r.tests.map((t) => [t.name, t.ok, t.skip]), [
    ['passes', true, undefined],
    ['group', false, undefined],
    ['needs ipvs', true, 'no /proc/net/ip_vs'],
  ]);
  assert.deepEqual(r.tests[1]!.children.map((c) => [c.name, c.ok]), [['inner ok', true], ['inner # fails', false]]);
  assert.deepEqual(r.failures, ['group > inner # fails']);
  assert.deepEqual(r.counts, { tests: 4, suites: 0, pass: 2, fail: 1, skipped: 1 });
  const d = diagSummary(r.tests[1]!.children[1]!.diag);
  assert.match(d, /1 !== 2/);
  assert.doesNotMatch(d, /location/);
});

test('a failing test without children is itself the failure; empty input has none', () => {
  const r = parseTap('not ok 1 - crashed\n  ---\n  error: boom\n  ...\n1..1\n');
  assert.deepEqual(r.failures, ['crashed']);
  assert.equal(r.tests[0]!.diag.trim(), 'error: boom');
  assert.deepEqual(parseTap('').tests, []);
});
