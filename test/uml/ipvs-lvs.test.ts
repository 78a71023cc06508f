// Host test: boots one UML kernel with IPVS and runs guest/ipvs-lvs.test.js (LVS-NAT and LVS-DR
// through the lab's `lvs` topology) inside; the guest's tests appear here as subtests.
import { test } from 'node:test';
import { runGuestTestFile, guestFile } from '../lab/guest.js';

test('IPVS in UML: NAT and DR services of the lvs topology', { timeout: 240_000 }, async (t) => {
  await runGuestTestFile(t, guestFile(import.meta.url, './guest/ipvs-lvs.test.js'), { timeoutMs: 200_000 });
});
