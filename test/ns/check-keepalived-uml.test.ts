// Host test: boots one UML kernel with IPVS and runs check-keepalived-uml-guest.test.js inside:
// keepalived and `lvsd run --check-only` side by side on one keepalived.conf and one fault
// sequence; the guest's tests appear here as subtests.
import { test } from 'node:test';
import { runGuestTestFile, guestFile } from '../lab/guest.js';

test('checkers side by side with keepalived in UML: same tables after each fault, reaction times within bounds', { timeout: 400_000 }, async (t) => {
  await runGuestTestFile(t, guestFile(import.meta.url, './check-keepalived-uml-guest.test.js'), { timeoutMs: 360_000 });
});
