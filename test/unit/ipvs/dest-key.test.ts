// A destination's key within its service (destKeyId): equal exactly when family, address and port
// are; a number for IPv4, text otherwise; anything that is not a dotted quad keeps the text form.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { destKeyId } from '../../../src/ipvs/types.js';

const v4 = (address: string, port: number) => ({ family: 'ipv4' as const, address, port });
const v6 = (address: string, port: number) => ({ family: 'ipv6' as const, address, port });

test('destKeyId: IPv4 as a number, IPv6 and odd text as text', () => {
  assert.equal(destKeyId(v4('172.16.0.1', 80)), (((172 * 256 + 16) * 256 + 0) * 256 + 1) * 65536 + 80);
  assert.equal(destKeyId(v4('255.255.255.255', 65535)), 2 ** 48 - 1);
  assert.equal(destKeyId(v4('0.0.0.0', 0)), 0);
  assert.equal(destKeyId(v6('2001:db8::1', 80)), 'ipv6/2001:db8::1/80');
  for (const odd of ['1.2.3', '1.2.3.4.5', '256.1.1.1', '1..2.3', '1.2.3.', '.1.2.3', '01234.1.1.1', 'a.b.c.d', '']) {
    assert.equal(destKeyId(v4(odd, 80)), `ipv4/${odd}/80`, odd);
  }
});

test('destKeyId: equal exactly when family, address and port are (property)', () => {
  const octet = fc.integer({ min: 0, max: 255 });
  const addr4 = fc.tuple(octet, octet, octet, octet).map((o) => o.join('.'));
  const addr6 = fc.constantFrom('::1', '2001:db8::1', '2001:db8::a:1', 'fe80::1');
  const dest = fc.oneof(
    fc.record({ family: fc.constant('ipv4' as const), address: addr4, port: fc.integer({ min: 0, max: 65535 }) }),
    fc.record({ family: fc.constant('ipv6' as const), address: addr6, port: fc.integer({ min: 0, max: 65535 }) }),
  );
  fc.assert(
    fc.property(dest, dest, (a, b) => {
      const same = a.family === b.family && a.address === b.address && a.port === b.port;
      assert.equal(destKeyId(a) === destKeyId(b), same);
    }),
    { numRuns: 2000 },
  );
  // Neighbours that a careless packing would confuse.
  assert.notEqual(destKeyId(v4('10.0.0.1', 0)), destKeyId(v4('10.0.0.0', 65535)));
  assert.notEqual(destKeyId(v4('10.0.1.0', 0)), destKeyId(v4('10.0.0.1', 0)));
});
