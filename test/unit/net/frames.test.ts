// Unit tests of the announcement frames: golden bytes laid out field by field (checksums
// computed independently), and properties over random addresses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { garpFrame, unsolicitedNaFrame, parseMac, formatMac, icmpv6Checksum, FrameError } from '../../../src/net/frames.js';
import { parseIpv6 } from '../../../src/vrrp/addr.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\|[^\n]*/g, '').replace(/\s+/g, ''), 'hex');
const MAC = parseMac('02:11:22:33:44:55');

test('GARP for 192.0.2.10 from 02:11:22:33:44:55: RFC 5227 announcement, 60 bytes, golden', () => {
  const want = hex(`
    ffffffffffff 021122334455 0806            | Ethernet: broadcast, our MAC, ARP
    0001 0800 06 04 0001                      | Ethernet/IPv4, hlen 6, plen 4, request
    021122334455 c000020a                     | sender: our MAC, the VIP
    000000000000 c000020a                     | target: zero MAC (RFC 5227 §2.1.1), the VIP
    000000000000000000000000000000000000      | padding to ETH_ZLEN
  `);
  assert.equal(want.length, 60);
  assert.deepEqual(Buffer.from(garpFrame(MAC, '192.0.2.10')), want);
});

test('unsolicited NA for 2001:db8::10: golden bytes, Override set; Router flag variant', () => {
  const frame = (flags: string, sum: string): Buffer =>
    hex(`
    333300000001 021122334455 86dd            | Ethernet: all-nodes multicast MAC, our MAC, IPv6
    60000000 0020 3a ff                       | IPv6: payload 32, ICMPv6, Hop Limit 255
    20010db8000000000000000000000010          | source: the address itself
    ff020000000000000000000000000001          | destination: ff02::1
    88 00 ${sum} ${flags}000000               | NA, code 0, checksum, R/S/O flags
    20010db8000000000000000000000010          | target
    02 01 021122334455                        | Target Link-Layer Address option
  `);
  assert.deepEqual(Buffer.from(unsolicitedNaFrame(MAC, '2001:db8::10')), frame('20', '9274'));
  assert.deepEqual(Buffer.from(unsolicitedNaFrame(MAC, '2001:db8::10', true)), frame('a0', '1274'));
  assert.equal(unsolicitedNaFrame(MAC, '2001:db8::10').length, 86);
});

test('NA checksum verifies to zero for any address and MAC (property)', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.uint8Array({ minLength: 6, maxLength: 6 }), fc.boolean(), (addr, mac, router) => {
      addr[0] = 0x20; // not multicast
      mac[0] = mac[0]! & 0xfe; // unicast
      const groups: string[] = [];
      for (let i = 0; i < 16; i += 2) groups.push(((addr[i]! << 8) | addr[i + 1]!).toString(16));
      const f = unsolicitedNaFrame(mac, groups.join(':'), router);
      const icmp = f.subarray(54);
      assert.equal(icmpv6Checksum(f.subarray(22, 38), f.subarray(38, 54), icmp), 0);
      assert.deepEqual(f.subarray(22, 38), addr);
      assert.deepEqual(f.subarray(6, 12), mac);
      assert.equal(icmp[4], router ? 0xa0 : 0x20);
    }),
  );
});

test('GARP sender and target protocol addresses are the VIP for any IPv4 address (property)', () => {
  fc.assert(
    fc.property(fc.ipV4(), (ip) => {
      const f = garpFrame(MAC, ip);
      const want = Buffer.from(ip.split('.').map(Number));
      assert.deepEqual(Buffer.from(f.subarray(28, 32)), want);
      assert.deepEqual(Buffer.from(f.subarray(38, 42)), want);
    }),
  );
});

test('MAC text round-trips; multicast MACs, wrong lengths and multicast targets are refused', () => {
  assert.equal(formatMac(parseMac('02-AA-bb-0c-0d-0e')), '02:aa:bb:0c:0d:0e');
  assert.throws(() => parseMac('02:aa:bb:0c:0d'), FrameError);
  assert.throws(() => parseMac('02:aa:bb:0c:0d:zz'), FrameError);
  assert.throws(() => garpFrame(parseMac('01:00:5e:00:00:12'), '192.0.2.1'), /multicast/);
  assert.throws(() => garpFrame(Uint8Array.of(1, 2, 3), '192.0.2.1'), /6/);
  assert.throws(() => unsolicitedNaFrame(MAC, 'ff02::12'), /multicast/);
  assert.deepEqual(parseIpv6('ff02::1')[15], 1);
});
