// Host test: boots one UML kernel with IPVS and runs guest/ipvs-client.test.js inside: lvsd's
// IPVS client, reconciler and `lvsd ipvsadm` against the real kernel and Debian's ipvsadm.
import { test } from 'node:test';
import { runGuestTestFile, guestFile } from '../lab/guest.js';

const IPVS_MODULES = [
  'ip_vs', 'ip_vs_rr', 'ip_vs_wrr', 'ip_vs_lc', 'ip_vs_wlc', 'ip_vs_lblc', 'ip_vs_lblcr', 'ip_vs_dh', 'ip_vs_sh',
  'ip_vs_sed', 'ip_vs_nq', 'ip_vs_fo', 'ip_vs_ovf', 'ip_vs_mh', 'ip_vs_pe_sip', 'veth', 'bridge',
];

test('IPVS client, reconciler and lvsd ipvsadm in UML against the real kernel and ipvsadm 1.31', { timeout: 300_000 }, async (t) => {
  await runGuestTestFile(t, guestFile(import.meta.url, './guest/ipvs-client.test.js'), { timeoutMs: 280_000, modules: IPVS_MODULES });
});
