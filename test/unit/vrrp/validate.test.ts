// Pure tests: RFC 5798 §7.1 receive validation, each drop with keepalived's counter, on real captured adverts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeIpv4Packet, decodeIpv6Packet, type VrrpAdvert } from '../../../src/vrrp/codec.js';
import { validateAdvert, type ReceiveMeta } from '../../../src/vrrp/validate.js';
import { instanceConfig, type InstanceConfig } from '../../../src/vrrp/types.js';

const DIR = join(process.cwd(), 'test/fixtures/vrrp/keepalived-2.2.7');
const first = (name: string): Buffer => Buffer.from(readFileSync(join(DIR, `${name}.hex`), 'utf8').split('\n')[0]!.trim(), 'hex');

// The captured v2 advert: VRID 51, priority 150, PASS "1111", 10.0.0.3 + 10.0.0.4, from 192.168.77.1.
const v2 = decodeIpv4Packet(first('v2pass'));
const v2meta: ReceiveMeta = { ttl: v2.ip.ttl, src: v2.ip.src, dst: v2.ip.dst };
const v2cfg = instanceConfig({
  name: 'VI_1', vrid: 51, priority: 100, primaryAddress: '192.168.77.2',
  virtualAddresses: ['10.0.0.4', '10.0.0.3'], auth: { type: 'pass', password: '1111' },
});
// The captured v3 IPv6 advert: VRID 52, fe80::52 + 2001:db8::52, hop limit 255.
const v6 = decodeIpv6Packet(first('v3ipv6'));
const v6cfg = instanceConfig({
  name: 'VI_6', vrid: 52, priority: 100, primaryAddress: 'fe80::2', virtualAddresses: ['fe80::52', '2001:db8::52'],
});
const v6meta: ReceiveMeta = { ttl: v6.ip.hopLimit, src: v6.ip.src, dst: v6.ip.dst };

function expectDrop(cfg: InstanceConfig, a: VrrpAdvert, meta: ReceiveMeta, reason: string, counters: string[], message?: string): void {
  const r = validateAdvert(cfg, a, meta);
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.equal(r.reason, reason);
  assert.deepEqual(r.counters, counters);
  if (message !== undefined) assert.equal(r.message, message);
}

test('RFC 5798 §7.1: the captured keepalived v2 PASS advert is accepted; VIP order does not matter', () => {
  const r = validateAdvert(v2cfg, v2.advert, v2meta);
  assert.deepEqual(r, { ok: true, advert: { priority: 150, src: '192.168.77.1', adverIntCs: 100 }, counters: ['advert_rcvd'] });
});

test('RFC 5798 §7.1: the captured keepalived v3 IPv6 advert is accepted', () => {
  const r = validateAdvert(v6cfg, v6.advert, v6meta);
  assert.deepEqual(r, { ok: true, advert: { priority: 150, src: 'fe80::ff:fe00:a', adverIntCs: 100 }, counters: ['advert_rcvd'] });
});

test('RFC 5798 §7.1 TTL: IPv4 TTL != 255 on multicast -> ip_ttl_err', () => {
  expectDrop(v2cfg, v2.advert, { ...v2meta, ttl: 64 }, 'ttl', ['ip_ttl_err'], 'IPv4 TTL is 64; should be 255');
});

test('RFC 5798 §7.1 Hop Limit: IPv6 Hop Limit != 255 -> ip_ttl_err', () => {
  expectDrop(v6cfg, v6.advert, { ...v6meta, ttl: 1 }, 'ttl', ['ip_ttl_err'], 'IPv6 Hop Limit is 1; should be 255');
});

test('keepalived: unicast adverts are not held to TTL 255 (peers may be routed)', () => {
  const cfg = { ...v2cfg, unicastPeers: ['192.168.77.1'] };
  assert.equal(validateAdvert(cfg, v2.advert, { ...v2meta, ttl: 63 }).ok, true);
});

test('RFC 5798 §7.1 version: a v2 advert at a v3 instance -> vers_err', () => {
  expectDrop({ ...v2cfg, version: 3 }, v2.advert, v2meta, 'version_mismatch', ['vers_err'], 'VRRP version is 2; this instance runs version 3');
});

test('RFC 5798 §7.1 VRID: another VRID is not ours -> vrid_err (scenario 6: ignored, not obeyed)', () => {
  expectDrop({ ...v2cfg, vrid: 52 }, v2.advert, v2meta, 'vrid_mismatch', ['vrid_err'], 'VRID is 51; this instance is VRID 52');
});

test('RFC 3768 §7.1 authentication: type mismatch -> authtype_mismatch; wrong password -> auth_failure', () => {
  expectDrop({ ...v2cfg, auth: { type: 'none' } }, v2.advert, v2meta, 'authtype_mismatch', ['authtype_mismatch']);
  expectDrop({ ...v2cfg, auth: { type: 'pass', password: '1112' } }, v2.advert, v2meta, 'auth_failure', ['auth_failure']);
  // keepalived compares 8 bytes: a password longer than 8 is cut, so "11110000x" != "1111".
  expectDrop({ ...v2cfg, auth: { type: 'pass', password: '11110000x' } }, v2.advert, v2meta, 'auth_failure', ['auth_failure']);
});

test('RFC 3768 §7.1 v2 interval mismatch -> dropped, advert_interval_err', () => {
  expectDrop({ ...v2cfg, advertIntervalCs: 200 }, v2.advert, v2meta, 'interval_mismatch', ['advert_interval_err'],
    'advert interval is 1 s; this instance uses 2 s');
});

test('RFC 5798 §6.4.2 v3 interval mismatch is accepted (the backup learns it); 0 cs is refused', () => {
  const r = validateAdvert({ ...v6cfg, advertIntervalCs: 10 }, v6.advert, v6meta);
  assert.equal(r.ok && r.advert.adverIntCs, 100);
  expectDrop(v6cfg, { ...v6.advert, adverIntCs: 0 }, v6meta, 'interval_zero', ['advert_interval_err']);
});

test('RFC 5798 §7.1 address list: wrong count -> addr_list_err before advert_rcvd; missing VIP -> after it', () => {
  expectDrop({ ...v2cfg, virtualAddresses: ['10.0.0.3'] }, v2.advert, v2meta, 'addr_count', ['addr_list_err']);
  expectDrop({ ...v2cfg, virtualAddresses: ['10.0.0.3', '10.0.0.5'] }, v2.advert, v2meta, 'addr_list', ['advert_rcvd', 'addr_list_err'],
    'virtual address 10.0.0.5 is not in the advert');
});

test('unicast_peer: an advert from a non-peer is dropped and counted (unicast_peer_err); off when checkUnicastSrc is false', () => {
  const cfg = { ...v2cfg, unicastPeers: ['192.168.77.9'] };
  expectDrop(cfg, v2.advert, v2meta, 'not_unicast_peer', ['advert_rcvd', 'unicast_peer_err'], 'unicast source 192.168.77.1 is not a unicast_peer');
  assert.equal(validateAdvert({ ...cfg, checkUnicastSrc: false }, v2.advert, v2meta).ok, true);
});

test('priority 0 adverts are accepted and counted as pri_zero_rcvd (the captured graceful stop)', () => {
  const lines = readFileSync(join(DIR, 'v2pass.hex'), 'utf8').trim().split('\n');
  const last = decodeIpv4Packet(Buffer.from(lines[lines.length - 1]!, 'hex'));
  const r = validateAdvert(v2cfg, last.advert, v2meta);
  assert.deepEqual(r, { ok: true, advert: { priority: 0, src: '192.168.77.1', adverIntCs: 100 }, counters: ['advert_rcvd', 'pri_zero_rcvd'] });
});
