// Host test: boots one UML kernel with IPVS and runs guest/ipvs-e2e.test.js inside: LVS-NAT and
// LVS-DR programmed by lvsd in the lab's `lvs` topology, listing parity after traffic, stop.
import { test } from 'node:test';
import { runGuestTestFile, guestFile } from '../lab/guest.js';

const IPVS_MODULES = [
  'ip_vs', 'ip_vs_rr', 'ip_vs_wrr', 'ip_vs_lc', 'ip_vs_wlc', 'ip_vs_sh', 'ip_vs_mh', 'veth', 'bridge',
];

test('IPVS end to end in UML: NAT and DR services programmed by lvsd, listings after traffic, graceful stop', { timeout: 300_000 }, async (t) => {
  await runGuestTestFile(t, guestFile(import.meta.url, './guest/ipvs-e2e.test.js'), { timeoutMs: 280_000, modules: IPVS_MODULES });
});
