// Host test of runGuestTestFile: a guest file's passing, failing and skipped tests come back as
// host subtests, and a failing guest run fails with the failing guest tests named.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runGuestTestFile, guestFile } from '../lab/guest.js';
import { umlMissing } from '../lab/uml.js';

interface Recorded {
  name: string;
  outcome: 'pass' | 'fail' | 'skip';
  message: string;
}

/** A stand-in for the host TestContext that records what runGuestTestFile reports. */
type Ctx = Parameters<typeof runGuestTestFile>[0];

function recorder(): { ctx: Ctx; results: Recorded[]; diags: string[] } {
  const results: Recorded[] = [];
  const diags: string[] = [];
  const ctx: Ctx = {
    skip: (m?: string) => results.push({ name: '(self)', outcome: 'skip', message: m ?? '' }),
    diagnostic: (m: string) => diags.push(m),
    test: async (name: string, fn: (t: Ctx) => void | Promise<void>) => {
      let skipped = '';
      const sub: Ctx = { ...ctx, skip: (m?: string) => void (skipped = m ?? 'skip') };
      try {
        await fn(sub);
        results.push({ name, outcome: skipped ? 'skip' : 'pass', message: skipped });
      } catch (err) {
        results.push({ name, outcome: 'fail', message: String(err) });
      }
    },
  };
  return { ctx, results, diags };
}

test('guest results are mirrored and failing guest tests are named in the failure', async (t) => {
  const why = umlMissing();
  if (why) {
    process.stderr.write(`# skipped: ${why}\n`);
    return t.skip(why);
  }
  const { ctx, results, diags } = recorder();
  const file = guestFile(import.meta.url, './guest/lab-selftest.test.js');
  await assert.rejects(
    runGuestTestFile(ctx, file, { env: { LVSD_SELFTEST_FAIL: '1' }, relay: false, timeoutMs: 90_000 }),
    (err: Error) => {
      assert.match(err.message, /guest tests failed in UML: group > child fails on purpose/);
      assert.match(err.message, /exit 1/);
      return true;
    },
  );
  assert.deepEqual(
    results.map((r) => [r.name, r.outcome]),
    [
      ['[uml] runs inside UML with IPVS, as root, with the job folder', 'pass'],
      ['[uml] group', 'fail'],
      ['[uml] skipped in the guest', 'skip'],
    ],
  );
  assert.match(results[1]!.message, /group > child fails on purpose[\s\S]*deliberate failure/);
  // node counts the group and its children: 5 tests, 2 pass, 2 fail (child and group), 1 skipped.
  assert.match(diags.join('\n'), /"tests":5,"suites":0,"pass":2,"fail":2,"cancelled":0,"skipped":1/);
});
