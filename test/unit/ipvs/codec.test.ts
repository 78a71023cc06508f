// Codec round trips, address printing and decode errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as C from '../../../src/ipvs/constants.js';
import { formatIPv6, parseIPv6, parseIPv4, canonicalAddress } from '../../../src/ipvs/addr.js';
import {
  decodeDest,
  decodeService,
  encodeDest,
  encodeNlMessage,
  encodeService,
  nla,
  parseAttrs,
  parseNlMessages,
} from '../../../src/ipvs/codec.js';
import { IpvsDecodeError } from '../../../src/ipvs/errors.js';
import type { Destination, Service, ServiceKey } from '../../../src/ipvs/types.js';

test('IPv6 text is printed as glibc inet_ntop prints it', () => {
  const cases: [string, string][] = [
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['0:0:0:0:0:0:0:0', '::'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['1:0:0:2:0:0:0:3', '1:0:0:2::3'],
    ['1:0:0:2:0:0:3:4', '1::2:0:0:3:4'], // first of two equal runs
    ['1:0:2:3:4:5:6:7', '1:0:2:3:4:5:6:7'], // a single zero word is not compressed
    ['::ffff:10.1.2.3', '::ffff:10.1.2.3'],
    ['::10.1.2.3', '::10.1.2.3'],
    ['fe80:0:0:0:1:0:0:0', 'fe80::1:0:0:0'], // first of two runs of three
    ['fe80:0:0:1:0:0:0:0', 'fe80:0:0:1::'],
    ['2001:db8::', '2001:db8::'],
  ];
  for (const [input, want] of cases) assert.equal(formatIPv6(parseIPv6(input)!), want, input);
  assert.equal(parseIPv6('1::2::3'), undefined);
  assert.equal(parseIPv6('12345::'), undefined);
  assert.equal(parseIPv6('1:2:3:4:5:6:7'), undefined);
  assert.equal(parseIPv4('10.0.0.256'), undefined);
  assert.equal(parseIPv4('010.0.0.1'), undefined);
  assert.equal(canonicalAddress('ipv6', '[2001:DB8:0::1]'), '2001:db8::1');
  assert.throws(() => canonicalAddress('ipv4', '2001:db8::1'), IpvsDecodeError);
});

test('IPv6 format and parse are inverse (property)', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (b) => {
      assert.deepEqual(parseIPv6(formatIPv6(b)), b);
    }),
  );
});

const stats = (base: number): Buffer =>
  nla.nest(
    C.IPVS_SVC_ATTR_STATS64,
    Array.from({ length: 10 }, (_, i) => {
      const v = Buffer.alloc(8);
      v.writeBigUInt64LE(BigInt(base + i) * 0x1_0000_0001n);
      return nla.bytes(i + 1, v);
    }),
  );

const arbKey: fc.Arbitrary<ServiceKey> = fc.oneof(
  fc.record({
    kind: fc.constant('addr' as const),
    family: fc.constant('ipv4' as const),
    protocol: fc.constantFrom('tcp' as const, 'udp' as const, 'sctp' as const),
    address: fc.ipV4(),
    port: fc.integer({ min: 0, max: 65535 }),
  }),
  fc.record({
    kind: fc.constant('addr' as const),
    family: fc.constant('ipv6' as const),
    protocol: fc.constantFrom('tcp' as const, 'udp' as const, 'sctp' as const),
    address: fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => formatIPv6(b)),
    port: fc.integer({ min: 0, max: 65535 }),
  }),
  fc.record({
    kind: fc.constant('fwmark' as const),
    family: fc.constantFrom('ipv4' as const, 'ipv6' as const),
    fwmark: fc.integer({ min: 1, max: 0xffffffff }),
  }),
).map((k) => ({ ...k }));

test('a service encodes and decodes to itself (property)', () => {
  fc.assert(
    fc.property(
      arbKey,
      fc.constantFrom('rr', 'wrr', 'sh', 'mh', 'lblcr'),
      fc.integer({ min: 0, max: 0x3d }).map((f) => f & ~C.IP_VS_SVC_F_HASHED),
      fc.integer({ min: 0, max: 86400 * 31 }),
      fc.integer({ min: 1, max: 0xffffffff }),
      fc.constantFrom('', 'sip'),
      (key, scheduler, flags, timeout, nm, pe) => {
        const netmask = key.family === 'ipv6' ? (nm % 128) + 1 : nm;
        const s: Service = { key, scheduler, flags, timeout, netmask, pe };
        const enc = encodeService(s, true);
        // a kernel dump carries the same attributes plus counters
        const inner = Buffer.concat([enc.subarray(4), stats(7)]);
        const back = decodeService(inner);
        const { stats: st, ...rest } = back;
        assert.deepEqual(rest, s);
        assert.equal(st.conns, 7n * 0x1_0000_0001n);
        assert.equal(st.outbps, 16n * 0x1_0000_0001n);
      },
    ),
  );
});

test('a destination encodes and decodes to itself (property)', () => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.record({ family: fc.constant('ipv4' as const), address: fc.ipV4() }),
        fc.record({ family: fc.constant('ipv6' as const), address: fc.uint8Array({ minLength: 16, maxLength: 16 }).map(formatIPv6) }),
      ),
      fc.integer({ min: 0, max: 65535 }),
      fc.constantFrom('masq' as const, 'local' as const, 'tunnel' as const, 'route' as const),
      fc.integer({ min: 0, max: 0x7fffffff }),
      fc.constantFrom('ipip' as const, 'gue' as const, 'gre' as const),
      fc.integer({ min: 0, max: 65535 }),
      fc.integer({ min: 0, max: 2 }),
      (a, port, forwarding, weight, tunnelType, tunnelPort, tunnelFlags) => {
        const d: Destination = {
          family: a.family,
          address: a.address,
          port,
          forwarding,
          weight,
          upperThreshold: weight >>> 3,
          lowerThreshold: weight >>> 5,
          tunnelType,
          tunnelPort,
          tunnelFlags,
        };
        const counters = Buffer.concat([
          nla.u32(C.IPVS_DEST_ATTR_ACTIVE_CONNS, 3),
          nla.u32(C.IPVS_DEST_ATTR_INACT_CONNS, 4),
          nla.u32(C.IPVS_DEST_ATTR_PERSIST_CONNS, 5),
          stats(1).fill(C.IPVS_DEST_ATTR_STATS64, 2, 3),
        ]);
        const back = decodeDest(Buffer.concat([encodeDest(d, true).subarray(4), counters]), 'ipv4');
        const { activeConns, inactConns, persistConns, stats: _s, ...rest } = back;
        assert.deepEqual(rest, d);
        assert.deepEqual([activeConns, inactConns, persistConns], [3, 4, 5]);
      },
    ),
  );
});

test('truncated or inconsistent input fails with the exact reason', () => {
  const msg = encodeNlMessage(28, 0, 1, 2, Buffer.alloc(8));
  assert.throws(() => parseNlMessages(msg.subarray(0, 20)), /claims length 24; 20 bytes left/);
  const bad = Buffer.from(nla.u32(1, 5));
  bad.writeUInt16LE(40, 0);
  assert.throws(() => parseAttrs(bad), /attribute type 1 at offset 0 claims length 40; 8 bytes left/);
  const svcNoSched = encodeService({ kind: 'fwmark', family: 'ipv4', fwmark: 3 }, false).subarray(4);
  assert.throws(() => decodeService(svcNoSched), /service FLAGS \(attribute 7\) is missing/);
  const wrongFamily = Buffer.concat([nla.u16(C.IPVS_SVC_ATTR_AF, 99)]);
  assert.throws(() => decodeService(wrongFamily), /unknown address family 99/);
});

test('nested attributes carry NLA_F_NESTED, ports are big-endian', () => {
  const enc = encodeService({ kind: 'addr', family: 'ipv4', protocol: 'tcp', address: '10.0.0.1', port: 0x1f90 }, false);
  assert.equal(enc.readUInt16LE(2), C.IPVS_CMD_ATTR_SERVICE | C.NLA_F_NESTED);
  const port = parseAttrs(enc.subarray(4)).get(C.IPVS_SVC_ATTR_PORT)!;
  assert.deepEqual([...port], [0x1f, 0x90]);
});

test('writeOp frames every operation exactly as requestFor + writeRequest (the golden-tested path)', async () => {
  const { writeOp, requestFor } = await import('../../../src/ipvs/ops.js');
  const { NlWriter, writeRequest } = await import('../../../src/ipvs/codec.js');
  const { makeService, makeDest } = await import('../../../src/ipvs/types.js');
  const key = { kind: 'addr', family: 'ipv6', protocol: 'udp', address: '2001:db8::7', port: 53 } as const;
  const svc = makeService(key, { scheduler: 'sh', schedFlags: ['sh-port'], persistence: 30, netmask: 64, pe: 'sip' });
  const dest = makeDest('ipv4', '10.1.2.3', 53, { forwarding: 'tunnel', tunnelType: 'gue', tunnelPort: 7000, tunnelFlags: 1, weight: 9 });
  const ops = [
    { op: 'add-service', service: svc },
    { op: 'edit-service', service: svc },
    { op: 'del-service', key },
    { op: 'add-dest', key, dest },
    { op: 'edit-dest', key, dest },
    { op: 'del-dest', key, dest },
    { op: 'flush' },
  ] as const;
  for (const [i, o] of ops.entries()) {
    const a = new NlWriter(16);
    writeOp(a, 28, o, 1000 + i, 77, i % 2 === 0);
    const b = new NlWriter(16);
    writeRequest(b, 28, requestFor(o), 1000 + i, 77, i % 2 === 0);
    assert.deepEqual(a.finish(), b.finish(), o.op);
  }
});
