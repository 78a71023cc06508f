// Pure tests: VRRPv2 auth_type AH (IPsec AH, HMAC-MD5-96) against keepalived 2.2.7 captures
// (test/fixtures/vrrp/keepalived-2.2.7/v2ah.hex, ahunicast.hex), MD5/HMAC-MD5 against RFC vectors and
// node:crypto, the ICV / SPI / anti-replay rules, and the counters a bad packet bumps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { AUTH_AH, buildIpv4Packet, decodeIpv4Packet, encodeAdvert, IPPROTO_AH } from '../../../src/vrrp/codec.js';
import { hmacMd5, md5 } from '../../../src/vrrp/md5.js';
import {
  acceptSeq,
  ahCounter,
  ahKey,
  AH_SEQ_MAX,
  becomeMasterSeq,
  buildAhPacket,
  computeIcv,
  nextSendSeq,
  parseAh,
  verifyAh,
} from '../../../src/vrrp/ipsec-ah.js';
import { validateAdvert } from '../../../src/vrrp/validate.js';
import { instanceConfig } from '../../../src/vrrp/types.js';

const DIR = join(process.cwd(), 'test/fixtures/vrrp/keepalived-2.2.7');
const packets = (name: string): Buffer[] =>
  readFileSync(join(DIR, `${name}.hex`), 'utf8').trim().split('\n').map((l) => Buffer.from(l.trim(), 'hex'));
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

test('MD5 (RFC 1321 §A.5) and HMAC-MD5 (RFC 2202 §2) test vectors', () => {
  const enc = (t: string) => new TextEncoder().encode(t);
  assert.equal(hex(md5(enc(''))), 'd41d8cd98f00b204e9800998ecf8427e');
  assert.equal(hex(md5(enc('abc'))), '900150983cd24fb0d6963f7d28e17f72');
  assert.equal(hex(md5(enc('message digest'))), 'f96b697d7cb7938d525a2f31aaf161d0');
  assert.equal(hex(md5(enc('1234567890'.repeat(8)))), '57edf4a22be3c955ac49da2e2107b67a');
  assert.equal(hex(md5(enc('a'), enc('bc'))), '900150983cd24fb0d6963f7d28e17f72', 'parts are concatenated');
  assert.equal(hex(hmacMd5(new Uint8Array(16).fill(0x0b), enc('Hi There'))), '9294727a3638bb1c13f48ef8158bfc9d');
  assert.equal(hex(hmacMd5(enc('Jefe'), enc('what do ya want for nothing?'))), '750c783e6ab0b503eaa86e310a5db738');
  assert.equal(hex(hmacMd5(new Uint8Array(80).fill(0xaa), enc('Test Using Larger Than Block-Size Key - Hash Key First'))), '6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd');
});

test('MD5 and HMAC-MD5 agree with node:crypto on any input (property)', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 100 }), (data, key) => {
      assert.equal(hex(md5(data)), createHash('md5').update(data).digest('hex'));
      assert.equal(hex(hmacMd5(key, data)), createHmac('md5', key).update(data).digest('hex'));
    }),
    { numRuns: 300 },
  );
});

const CAPTURES = [
  { name: 'v2ah', pass: 'ahsecret', dst: '224.0.0.18', unicast: false, vrid: 53, addrs: ['10.0.0.53', '10.0.0.54'], len: 68 },
  { name: 'ahunicast', pass: 'ah', dst: '192.168.77.2', unicast: true, vrid: 54, addrs: ['10.0.0.55'], len: 64 },
] as const;

for (const c of CAPTURES) {
  test(`golden ${c.name}: keepalived's AH adverts decode, verify with auth_pass "${c.pass}", and re-encode byte for byte`, () => {
    const pkts = packets(c.name);
    assert.ok(pkts.length >= 4, `${pkts.length} packets`);
    const key = ahKey(c.pass);
    let last = 0;
    pkts.forEach((raw, n) => {
      const d = decodeIpv4Packet(raw);
      // IP header: TOS 0xc0, TTL 255, protocol 51, ID 1, 2, ... (keepalived counts from 1), no fragment.
      assert.deepEqual([d.ip.tos, d.ip.ttl, d.ip.protocol, d.ip.id, d.ip.flagsFragment, d.ip.totalLength], [0xc0, 255, IPPROTO_AH, n + 1, 0, c.len]);
      assert.deepEqual([d.ip.src, d.ip.dst], ['192.168.77.1', c.dst]);
      const ah = parseAh(d.ah!);
      // AH: next header 112, payload length 4 (24 bytes), SPI = source address, sequence 1, 2, ...
      assert.deepEqual([ah.nextHeader, ah.payloadLen, ah.reserved, ah.spi, ah.seq], [112, 4, 0, '192.168.77.1', n + 1]);
      // VRRP: auth type 2 with zero authentication data.
      assert.deepEqual([d.advert.version, d.advert.vrid, d.advert.authType, d.advert.adverIntCs, d.advert.addresses], [2, c.vrid, AUTH_AH, 100, c.addrs]);
      assert.equal(hex(d.advert.authData!), '0000000000000000');
      const v = verifyAh({ ipHeader: raw.subarray(0, 20), ah: d.ah!, vrrp: raw.subarray(44), src: d.ip.src, key, unicast: c.unicast, lastSeq: last });
      assert.deepEqual(v, { ok: true, seq: n + 1 });
      last = n + 1;
      const vrrp = encodeAdvert({ version: 2, vrid: d.advert.vrid, priority: d.advert.priority, adverIntCs: 100, addresses: d.advert.addresses, authType: AUTH_AH }, { family: 'ipv4' });
      const rebuilt = buildAhPacket({ src: d.ip.src, dst: d.ip.dst, id: d.ip.id }, vrrp, { seq: ah.seq, key, unicast: c.unicast });
      assert.equal(hex(rebuilt), hex(raw), `packet ${n}`);
    });
    // The last advert is the graceful stop (priority 0).
    assert.equal(decodeIpv4Packet(pkts.at(-1)!).advert.priority, 0);
  });
}

test('ICV: multicast keeps the TTL in it, unicast zeroes it; TOS, flags and header checksum never count', () => {
  const [raw] = packets('v2ah');
  const key = ahKey('ahsecret');
  const icv = hex(computeIcv(raw!, 20, key, false));
  assert.equal(icv, hex(raw!.subarray(32, 44)));
  const mutated = Buffer.from(raw!);
  mutated[1] = 0x10; // TOS
  mutated[6] = 0x40; // DF
  mutated[10] = mutated[10]! ^ 0xff; // header checksum
  assert.equal(hex(computeIcv(mutated, 20, key, false)), icv);
  const ttl = Buffer.from(raw!);
  ttl[8] = 64;
  assert.notEqual(hex(computeIcv(ttl, 20, key, false)), icv, 'multicast: TTL is covered');
  assert.equal(hex(computeIcv(ttl, 20, key, true)), hex(computeIcv(raw!, 20, key, true)), 'unicast: TTL is not');
});

test('key: auth_pass truncated to 8 bytes and zero-padded (keepalived auth_data)', () => {
  assert.equal(hex(ahKey('ah')), '6168000000000000');
  assert.equal(hex(ahKey('ahsecret-and-more')), hex(ahKey('ahsecret')));
});

const verifyCaptured = (raw: Buffer, over: Partial<Parameters<typeof verifyAh>[0]> = {}) =>
  verifyAh({ ipHeader: raw.subarray(0, 20), ah: raw.subarray(20, 44), vrrp: raw.subarray(44), src: '192.168.77.1', key: ahKey('ahsecret'), unicast: false, lastSeq: 0, ...over });

test('verify: wrong key, a changed byte, a forged SPI and a replayed number each fail, naming why', () => {
  const [raw] = packets('v2ah');
  assert.equal(verifyCaptured(raw!).ok, true);
  const wrongKey = verifyCaptured(raw!, { key: ahKey('ahsecreT') });
  assert.deepEqual([wrongKey.ok, !wrongKey.ok && wrongKey.reason], [false, 'icv']);
  const prio = Buffer.from(raw!);
  prio[46] = 254; // priority raised in transit
  const changed = verifyCaptured(prio);
  assert.deepEqual([changed.ok, !changed.ok && changed.reason], [false, 'icv']);
  // A key holder that puts something else than its source address in the SPI: ICV fine, SPI refused.
  const forged = Buffer.from(buildAhPacket({ src: '192.168.77.1', dst: '224.0.0.18', id: 1 }, raw!.subarray(44), { seq: 5, key: ahKey('ahsecret'), unicast: false }));
  assert.deepEqual(verifyCaptured(forged), { ok: true, seq: 5 });
  forged.set([10, 9, 9, 9], 24);
  forged.set(computeIcv(forged, 20, ahKey('ahsecret'), false), 32);
  const spi = verifyCaptured(forged);
  assert.deepEqual([spi.ok, !spi.ok && spi.reason], [false, 'spi']);
  assert.match((spi as { message: string }).message, /SPI 10\.9\.9\.9 is not the source address 192\.168\.77\.1/);
  const replay = verifyCaptured(raw!, { lastSeq: 1 });
  assert.deepEqual([replay.ok, !replay.ok && replay.reason, replay.seq], [false, 'replay', 1]);
  assert.match((replay as { message: string }).message, /sequence number 1 already processed \(local 1\)/);
});

test('sequence counter: incremented per advert, raised by valid adverts, cycles at 0xFFFFFFFE and restarts as master', () => {
  const c = ahCounter();
  assert.deepEqual([nextSendSeq(c), nextSendSeq(c)], [1, 2]);
  acceptSeq(c, 500, true); // heard a master at 500: a takeover continues above it
  assert.equal(nextSendSeq(c), 501);
  c.seq = AH_SEQ_MAX - 1;
  assert.equal(nextSendSeq(c), AH_SEQ_MAX);
  assert.equal(nextSendSeq(c), AH_SEQ_MAX);
  assert.equal(c.cycle, true);
  becomeMasterSeq(c);
  assert.deepEqual(c, { seq: 0, cycle: false });
  assert.equal(nextSendSeq(c), 1);
  const plain = ahCounter();
  becomeMasterSeq(plain);
  acceptSeq(plain, 7, false);
  assert.deepEqual(plain, { seq: 7, cycle: false });
});

test('validate: AH instance counts authtype_mismatch (no AH / PASS advert), auth_failure (bad ICV), and hands back the number', () => {
  const cfg = instanceConfig({ name: 'VI_AH', vrid: 53, priority: 100, primaryAddress: '192.168.77.2', virtualAddresses: ['10.0.0.53', '10.0.0.54'], auth: { type: 'ah', password: 'ahsecret' } });
  const raw = packets('v2ah')[0]!;
  const d = decodeIpv4Packet(raw);
  const meta = { ttl: 255, src: '192.168.77.1', dst: '224.0.0.18' };
  const ok = validateAdvert(cfg, d.advert, { ...meta, ah: { ok: true, seq: 1 } });
  assert.deepEqual([ok.ok, ok.counters, ok.ahSeq], [true, ['advert_rcvd'], 1]);
  const noAh = validateAdvert(cfg, d.advert, meta);
  assert.deepEqual([noAh.ok, noAh.counters], [false, ['authtype_mismatch']]);
  assert.match((noAh as { message: string }).message, /carries no IPsec AH/);
  const pass = validateAdvert(cfg, { ...d.advert, authType: 1 }, { ...meta, ah: { ok: true, seq: 1 } });
  assert.deepEqual(pass.counters, ['authtype_mismatch']);
  const bad = validateAdvert(cfg, d.advert, { ...meta, ah: { ok: false, reason: 'icv', seq: 9, message: 'x' } });
  assert.deepEqual([bad.ok, bad.counters, bad.ahSeq], [false, ['auth_failure'], undefined]);
  // The number is taken even when a later check drops the advert (keepalived raises it in vrrp_in_chk_ipsecah).
  const late = validateAdvert({ ...cfg, advertIntervalCs: 200 }, d.advert, { ...meta, ah: { ok: true, seq: 4 } });
  assert.deepEqual([late.ok, late.counters, late.ahSeq], [false, ['advert_interval_err'], 4]);
  // A PASS or none instance hearing AH: mismatch.
  const none = validateAdvert({ ...cfg, auth: { type: 'none' } }, d.advert, { ...meta, ah: { ok: true, seq: 1 } });
  assert.deepEqual(none.counters, ['authtype_mismatch']);
  assert.match((none as { message: string }).message, /carries an IPsec AH/);
});

test('decode: an AH packet cut short or protecting another protocol is named', () => {
  const raw = packets('v2ah')[0]!;
  assert.throws(() => decodeIpv4Packet(buildIpv4Packet({ src: '192.168.77.1', dst: '224.0.0.18', id: 1 }, raw.subarray(20, 40), 51)), { code: 'packet_too_short' });
  const other = Buffer.from(raw.subarray(20));
  other[0] = 6; // AH around TCP
  assert.throws(() => decodeIpv4Packet(buildIpv4Packet({ src: '192.168.77.1', dst: '224.0.0.18', id: 1 }, other, 51)), { code: 'not_vrrp', message: 'IPsec AH next header is 6; should be 112' });
});
