// Pure tests: VRRP codec errors (exact codes, counters and messages), v3_checksum_as_v2, round-trip properties.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  buildIpv4Packet,
  buildIpv6Packet,
  decodeAdvert,
  decodeIpv4Packet,
  decodeIpv6Packet,
  encodeAdvert,
  type AdvertInput,
} from '../../../src/vrrp/codec.js';
import { VrrpDecodeError, VrrpEncodeError } from '../../../src/vrrp/errors.js';
import { internetChecksum } from '../../../src/vrrp/checksum.js';
import { canonicalAddr, compareAddr, formatIpv6, parseIpv6 } from '../../../src/vrrp/addr.js';

const V4 = { family: 'ipv4' as const, src: '192.168.1.1', dst: '224.0.0.18' };
const V6 = { family: 'ipv6' as const, src: 'fe80::1', dst: 'ff02::12' };

const base2: AdvertInput = { version: 2, vrid: 51, priority: 150, adverIntCs: 100, addresses: ['10.0.0.3'], authType: 1, authData: 'secret' };
const base3: AdvertInput = { version: 3, vrid: 60, priority: 200, adverIntCs: 10, addresses: ['10.0.0.60'] };
const base6: AdvertInput = { version: 3, vrid: 60, priority: 200, adverIntCs: 10, addresses: ['fe80::60'] };

function decodeError(fn: () => unknown): VrrpDecodeError {
  try {
    fn();
  } catch (e) {
    if (e instanceof VrrpDecodeError) return e;
    throw e;
  }
  assert.fail('no VrrpDecodeError thrown');
}

test('decode: too short for a header -> packet_too_short / packet_len_err', () => {
  const e = decodeError(() => decodeAdvert(new Uint8Array(5), V4));
  assert.equal(e.code, 'packet_too_short');
  assert.equal(e.counter, 'packet_len_err');
  assert.equal(e.message, 'VRRP packet is 5 bytes; the header alone is 8');
});

test('decode: version 4 -> bad_version', () => {
  const m = encodeAdvert(base3, V4);
  m[0] = 0x41;
  const e = decodeError(() => decodeAdvert(m, V4));
  assert.equal(e.code, 'bad_version');
  assert.equal(e.message, 'VRRP version is 4; should be 2 or 3');
});

test('decode: type 2 -> bad_type / invalid_type_rcvd', () => {
  const m = encodeAdvert(base3, V4);
  m[0] = 0x32;
  const e = decodeError(() => decodeAdvert(m, V4));
  assert.equal(e.code, 'bad_type');
  assert.equal(e.counter, 'invalid_type_rcvd');
  assert.equal(e.message, 'VRRP type is 2; should be 1 (ADVERTISEMENT)');
});

test('decode: address count larger than the packet -> packet_too_short with the arithmetic', () => {
  const m = encodeAdvert(base2, V4);
  m[3] = 3;
  const e = decodeError(() => decodeAdvert(m, V4));
  assert.equal(e.counter, 'packet_len_err');
  assert.equal(e.message, 'VRRPv2 packet is 20 bytes; with 3 IPv4 address(es) it needs 28');
});

test('decode: trailing bytes -> length_mismatch', () => {
  const m = encodeAdvert(base6, V6);
  const longer = new Uint8Array(m.length + 4);
  longer.set(m);
  const e = decodeError(() => decodeAdvert(longer, V6));
  assert.equal(e.code, 'length_mismatch');
  assert.equal(e.message, 'VRRPv3 packet is 28 bytes; with 1 IPv6 address(es) it should be 24');
});

test('decode: v2 auth type 3 -> bad_auth_type / invalid_authtype', () => {
  const m = encodeAdvert({ ...base2, authType: 3 }, V4);
  const e = decodeError(() => decodeAdvert(m, V4));
  assert.equal(e.code, 'bad_auth_type');
  assert.equal(e.counter, 'invalid_authtype');
});

test('decode: IPv4 header problems are named (length, AH protocol, checksum)', () => {
  const pkt = buildIpv4Packet({ src: V4.src, dst: V4.dst, id: 7 }, encodeAdvert(base2, V4));
  let e = decodeError(() => decodeIpv4Packet(pkt.subarray(0, pkt.length - 2)));
  assert.equal(e.code, 'ip_length_mismatch');
  assert.equal(e.message, 'IPv4 total length is 40; received 38 bytes');
  // Protocol 51 without an AH in front of the VRRP message: too short for one, or next header = VRRP's 0x21.
  const ah = buildIpv4Packet({ src: V4.src, dst: V4.dst, id: 7 }, encodeAdvert(base2, V4), 51);
  e = decodeError(() => decodeIpv4Packet(ah));
  assert.equal(e.code, 'packet_too_short');
  assert.equal(e.message, 'IPsec AH packet is 40 bytes; the IP header and AH alone are 44');
  const ah2 = buildIpv4Packet({ src: V4.src, dst: V4.dst, id: 7 }, encodeAdvert({ ...base2, addresses: ['10.0.0.1', '10.0.0.2'] }, V4), 51);
  e = decodeError(() => decodeIpv4Packet(ah2));
  assert.equal(e.code, 'not_vrrp');
  assert.equal(e.message, 'IPsec AH next header is 33; should be 112');
  const udp = buildIpv4Packet({ src: V4.src, dst: V4.dst, id: 7 }, encodeAdvert(base2, V4), 17);
  e = decodeError(() => decodeIpv4Packet(udp));
  assert.equal(e.code, 'not_vrrp');
  assert.equal(e.message, 'IPv4 protocol is 17; should be 112 (or 51, IPsec AH)');
  const bad = Uint8Array.from(pkt);
  bad[8] = 64; // TTL changed without fixing the header checksum
  e = decodeError(() => decodeIpv4Packet(bad));
  assert.equal(e.code, 'ip_bad_checksum');
});

test('decode: IPv6 with an extension header is refused, naming it', () => {
  const pkt = buildIpv6Packet({ src: V6.src, dst: V6.dst }, encodeAdvert(base6, V6));
  pkt[6] = 0; // hop-by-hop options
  const e = decodeError(() => decodeIpv6Packet(pkt));
  assert.equal(e.code, 'not_vrrp');
  assert.equal(e.message, 'IPv6 next header is 0; should be 112 (extension headers are not supported)');
});

test("v3_checksum_as_v2: the sum covers the message only, and a mismatch says which mode the sender uses", () => {
  const asV2 = encodeAdvert(base3, { ...V4, v3ChecksumAsV2: true });
  const zeroed = Uint8Array.from(asV2);
  zeroed[6] = 0;
  zeroed[7] = 0;
  assert.equal((asV2[6]! << 8) | asV2[7]!, internetChecksum(zeroed));
  const rfc = encodeAdvert(base3, V4);
  assert.notEqual((rfc[6]! << 8) | rfc[7]!, (asV2[6]! << 8) | asV2[7]!);
  assert.equal(decodeAdvert(asV2, { ...V4, v3ChecksumAsV2: true }).priority, 200);
  let e = decodeError(() => decodeAdvert(asV2, V4));
  assert.match(e.message, /matches the sum without the IPv4 pseudo-header: the sender uses v3_checksum_as_v2$/);
  e = decodeError(() => decodeAdvert(rfc, { ...V4, v3ChecksumAsV2: true }));
  assert.match(e.message, /the sender does not use v3_checksum_as_v2$/);
  // IPv6 always sums the pseudo-header (RFC 5798 §5.2.8): the option does not apply there.
  const six = encodeAdvert(base6, { ...V6, v3ChecksumAsV2: true });
  assert.deepEqual(six, encodeAdvert(base6, V6));
});

test('encode: refuses what the wire cannot carry', () => {
  assert.throws(() => encodeAdvert({ ...base2, adverIntCs: 150 }, V4), (e: unknown) => e instanceof VrrpEncodeError && e.code === 'bad_interval');
  assert.throws(() => encodeAdvert({ ...base3, adverIntCs: 4096 }, V4), (e: unknown) => e instanceof VrrpEncodeError && e.code === 'bad_field');
  assert.throws(() => encodeAdvert({ ...base3, addresses: ['fe80::1'] }, V4), (e: unknown) => e instanceof VrrpEncodeError && e.code === 'family_mismatch');
  assert.throws(() => encodeAdvert(base3, { family: 'ipv4' }), (e: unknown) => e instanceof VrrpEncodeError && e.code === 'checksum_context');
});

const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((t) => t.join('.'));
const ipv6 = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => formatIpv6(b));

const advertArb = fc.oneof(
  fc.record({
    family: fc.constant('ipv4' as const),
    a: fc.record({
      version: fc.constantFrom(2 as const, 3 as const),
      vrid: fc.integer({ min: 1, max: 255 }),
      priority: fc.integer({ min: 0, max: 255 }),
      adverIntCs: fc.integer({ min: 0, max: 255 }),
      addresses: fc.array(ipv4, { maxLength: 20 }),
      authType: fc.constantFrom(0, 1, 2),
      authData: fc.uint8Array({ minLength: 8, maxLength: 8 }),
    }),
    src: ipv4,
    dst: ipv4,
  }),
  fc.record({
    family: fc.constant('ipv6' as const),
    a: fc.record({
      version: fc.constantFrom(2 as const, 3 as const),
      vrid: fc.integer({ min: 1, max: 255 }),
      priority: fc.integer({ min: 0, max: 255 }),
      adverIntCs: fc.integer({ min: 0, max: 255 }),
      addresses: fc.array(ipv6, { maxLength: 10 }),
      authType: fc.constantFrom(0, 1, 2),
      authData: fc.uint8Array({ minLength: 8, maxLength: 8 }),
    }),
    src: ipv6,
    dst: ipv6,
  }),
);

test('property: decode(encode(x)) == x for v2/v3 over IPv4/IPv6, and re-encoding is byte-identical', () => {
  fc.assert(
    fc.property(advertArb, fc.boolean(), ({ family, a, src, dst }, asV2) => {
      const input: AdvertInput = {
        ...a,
        adverIntCs: a.version === 2 ? a.adverIntCs * 100 : a.adverIntCs * 16,
        authType: a.version === 2 ? a.authType : 0,
      };
      const opts = { family, src, dst, v3ChecksumAsV2: asV2 };
      const bytes = encodeAdvert(input, opts);
      const back = decodeAdvert(bytes, opts);
      assert.equal(back.version, input.version);
      assert.equal(back.vrid, input.vrid);
      assert.equal(back.priority, input.priority);
      assert.equal(back.adverIntCs, input.adverIntCs);
      assert.deepEqual(back.addresses, input.addresses.map(canonicalAddr));
      assert.equal(back.authType, input.authType);
      if (family === 'ipv4' && input.version === 2) assert.deepEqual(back.authData, input.authData);
      else assert.equal(back.authData, null);
      assert.deepEqual(encodeAdvert(back, opts), bytes);
    }),
    { numRuns: 500 },
  );
});

test('property: any single corrupted byte after the header is rejected or changes the decoded value', () => {
  fc.assert(
    fc.property(advertArb, fc.nat(), fc.integer({ min: 1, max: 255 }), ({ family, a, src, dst }, pos, flip) => {
      const input: AdvertInput = { ...a, adverIntCs: a.version === 2 ? a.adverIntCs * 100 : a.adverIntCs, authType: a.version === 2 ? a.authType : 0 };
      const opts = { family, src, dst };
      const bytes = encodeAdvert(input, opts);
      const i = pos % bytes.length;
      const bad = Uint8Array.from(bytes);
      bad[i]! ^= flip;
      // The one's-complement sum catches every single-byte change except a 16-bit word swapping
      // 0x0000 <-> 0xffff, which a one-byte change cannot produce: so decode must throw.
      assert.throws(() => decodeAdvert(bad, opts), VrrpDecodeError);
    }),
    { numRuns: 500 },
  );
});

test('addr: IPv6 text round-trips through bytes in RFC 5952 form; compareAddr orders as integers', () => {
  assert.equal(formatIpv6(parseIpv6('2001:DB8:0:0:0:0:0:52')), '2001:db8::52');
  assert.equal(formatIpv6(parseIpv6('::ffff:10.0.0.1')), '::ffff:a00:1');
  assert.equal(formatIpv6(parseIpv6('1:0:0:2:0:0:0:3')), '1:0:0:2::3');
  assert.equal(compareAddr('10.0.0.2', '10.0.0.10'), -1);
  assert.equal(compareAddr('192.168.77.2', '192.168.77.1'), 1);
  assert.equal(compareAddr('fe80::1', 'FE80:0::1'), 0);
  fc.assert(fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (b) => {
    assert.deepEqual(parseIpv6(formatIpv6(b)), b);
  }));
});
