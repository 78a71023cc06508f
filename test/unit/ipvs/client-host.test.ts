// The client on the host kernel, which has no IPVS (LAB.md): opening it fails with one clear line
// and a typed error, and nothing is left open.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { openIpvs } from '../../../src/ipvs/client.js';
import { IpvsUnavailableError } from '../../../src/ipvs/errors.js';

test('a kernel without IPVS: openIpvs says so in one line, with a stable code', async (t) => {
  if (existsSync('/proc/net/ip_vs')) return t.skip('this kernel has IPVS; the UML tests cover the client there');
  const err = await openIpvs({ timeoutMs: 2000 }).then(
    () => assert.fail('opened an IPVS client on a kernel without IPVS'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof IpvsUnavailableError, String(err));
  assert.equal(err.code, 'LVSD_IPVS_UNAVAILABLE');
  assert.equal(err.message, 'IPVS is not available in this kernel (generic netlink family "IPVS" not found: no ip_vs module); virtual servers are not programmed');
});
