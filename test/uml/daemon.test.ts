// Host test: boots one UML kernel with IPVS and runs guest/daemon.test.js inside: two directors run
// the full daemon (VRRP, checks, IPVS), reloads under traffic, a weight change, a broken file, a
// crash with the sync daemon, and a clean stop; the guest's tests appear here as subtests.
import { test } from 'node:test';
import { runGuestTestFile, guestFile } from '../lab/guest.js';

test('the lvsd daemon in UML: reload, ownership, sync daemon, stop', { timeout: 420_000 }, async (t) => {
  await runGuestTestFile(t, guestFile(import.meta.url, './guest/daemon.test.js'), { timeoutMs: 380_000 });
});
