// Host test: boots one UML kernel (which has ipvlan as a module; the host kernel has none) and runs
// guest/vmac-ipvlan.test.js inside: an lvsd pair with use_ipvlan.
import { test } from 'node:test';
import { runGuestTestFile, guestFile } from '../lab/guest.js';
import { UML_DEFAULT_MODULES } from '../lab/uml.js';

test('use_ipvlan in UML: the VIP on the master L2 ipvlan, removed at stop', { timeout: 240_000 }, async (t) => {
  await runGuestTestFile(t, guestFile(import.meta.url, './guest/vmac-ipvlan.test.js'), { timeoutMs: 200_000, modules: [...UML_DEFAULT_MODULES, 'ipvlan'] });
});
