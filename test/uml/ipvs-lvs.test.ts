// Host test: boots one UML kernel with IPVS and runs guest/ipvs-lvs.test.js inside (LVS-NAT,
// LVS-DR, and keepalived's checker programming IPVS, all through the lab's `lvs` topology); the
// guest's tests appear here as subtests.
import { test } from 'node:test';
import { runGuestTestFile, guestFile } from '../lab/guest.js';

test('IPVS in UML: NAT and DR services of the lvs topology, keepalived checks as yardstick', { timeout: 240_000 }, async (t) => {
  await runGuestTestFile(t, guestFile(import.meta.url, './guest/ipvs-lvs.test.js'), { timeoutMs: 200_000 });
});
