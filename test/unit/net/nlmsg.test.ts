// Unit tests of netlink framing, NLMSG_ERROR with extended-ACK text, and the address message
// bodies the AddressManager sends (golden bytes, <linux/if_addr.h> attribute numbers).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { frameMessage, parseMessages, parseError, parseIfinfo, ifinfoBody, u32Attr, NlDecodeError } from '../../../src/net/nlmsg.js';
import { addressBody, parseAddressMessage } from '../../../src/net/addresses.js';
import { NetError } from '../../../src/net/errors.js';
import * as K from '../../../src/net/constants.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

test('frameMessage pads to 4 bytes; parseMessages splits a datagram of several', () => {
  const a = frameMessage(K.RTM_GETLINK, K.NLM_F_REQUEST | K.NLM_F_DUMP, 7, 99, Buffer.from([1, 2, 3]));
  assert.equal(hex(a), '13000000' + '1200' + '0103' + '07000000' + '63000000' + '010203' + '00');
  const b = frameMessage(K.NLMSG_DONE, K.NLM_F_MULTI, 8, 99, Buffer.alloc(4));
  const msgs = parseMessages(Buffer.concat([a, b]));
  assert.deepEqual(
    msgs.map((m) => [m.type, m.flags, m.seq, m.pid, hex(m.payload)]),
    [
      [18, 0x301, 7, 99, '010203'],
      [3, 2, 8, 99, '00000000'],
    ],
  );
  const bad = Buffer.from(a);
  bad.writeUInt32LE(400, 0);
  assert.throws(() => parseMessages(bad), NlDecodeError);
});

test('parseError: ACK, errno, and the extended-ACK message of a capped error', () => {
  const req = frameMessage(K.RTM_NEWADDR, 0x605, 42, 5, Buffer.alloc(8)).subarray(0, 16);
  const ack = frameMessage(K.NLMSG_ERROR, K.NLM_F_CAPPED, 42, 5, Buffer.concat([Buffer.alloc(4), req]));
  assert.deepEqual(parseError(parseMessages(ack)[0]!), { errno: 0, seq: 42 });
  const text = Buffer.from('ipv6: Cannot assign multicast address\0');
  const attr = Buffer.alloc(4 + ((text.length + 3) & ~3));
  attr.writeUInt16LE(4 + text.length, 0);
  attr.writeUInt16LE(K.NLMSGERR_ATTR_MSG, 2);
  text.copy(attr, 4);
  const errno = Buffer.alloc(4);
  errno.writeInt32LE(-99, 0);
  const err = frameMessage(K.NLMSG_ERROR, K.NLM_F_CAPPED | K.NLM_F_ACK_TLVS, 42, 5, Buffer.concat([errno, req, attr]));
  assert.deepEqual(parseError(parseMessages(err)[0]!), { errno: 99, seq: 42, message: 'ipv6: Cannot assign multicast address' });
  assert.throws(() => parseError({ type: 2, flags: 0, seq: 1, pid: 0, payload: Buffer.alloc(8) }), NlDecodeError);
});

test('ifinfomsg and u32 attributes', () => {
  const b = ifinfoBody(3);
  assert.equal(hex(b), '00000000' + '03000000' + '00000000' + '00000000');
  const p = Buffer.from(b);
  p.writeUInt32LE(K.IFF_UP | K.IFF_RUNNING, 8);
  p.writeUInt16LE(1, 2);
  assert.deepEqual(parseIfinfo(p), { family: 0, type: 1, index: 3, flags: 0x41 });
  assert.equal(hex(u32Attr(K.IFLA_EXT_MASK, 8)), '08001d00' + '08000000');
});

test('RTM_NEWADDR body for an IPv4 VIP: label, broadcast, flags, lifetime (golden)', () => {
  const body = addressBody({ ifname: 'eth0', address: '10.0.0.1', prefix: 24, broadcast: '10.0.0.255', label: 'eth0:1', noprefixroute: true, preferredLft: 0 }, 5, false);
  assert.equal(
    hex(body),
    '02' + '18' + '00' + '00' + '05000000' + // ifaddrmsg: AF_INET, /24, flags, scope global, index 5
      '0800' + '0200' + '0a000001' + // IFA_LOCAL
      '0800' + '0100' + '0a000001' + // IFA_ADDRESS
      '0800' + '0400' + '0a0000ff' + // IFA_BROADCAST
      '0b00' + '0300' + '657468303a3100' + '00' + // IFA_LABEL "eth0:1\0" + pad
      '0800' + '0800' + '00020000' + // IFA_FLAGS: NOPREFIXROUTE
      '1400' + '0600' + '00000000' + 'ffffffff' + '00000000' + '00000000', // IFA_CACHEINFO: preferred 0, valid forever
  );
});

test('RTM_NEWADDR body for IPv6: nodad, scope link, peer; delete bodies carry only the addresses; bad input is typed', () => {
  const add = addressBody({ ifname: 'eth0', address: 'fe80::10', prefix: 64, nodad: true, scope: 'link', label: 'ignored' }, 2, false);
  assert.equal(hex(add.subarray(0, 8)), '0a' + '40' + '00' + 'fd' + '02000000');
  assert.ok(hex(add).includes('0800' + '0800' + '02000000'), 'IFA_FLAGS NODAD');
  assert.ok(!hex(add).includes(Buffer.from('ignored').toString('hex')), 'no IPv6 label');
  const del = addressBody({ ifname: 'eth0', address: '10.0.0.1', prefix: 32, peer: '10.0.0.2', label: 'x', broadcast: '10.0.0.255' }, 4, true);
  assert.equal(hex(del), '02' + '20' + '00' + '00' + '04000000' + '0800' + '0200' + '0a000001' + '0800' + '0100' + '0a000002');
  for (const bad of [
    { ifname: 'e', address: '10.0.0.1', prefix: 33 },
    { ifname: 'e', address: '10.0.0.1', prefix: 24, broadcast: '::1' },
    { ifname: 'e', address: '2001:db8::1', prefix: 64, broadcast: '10.0.0.1' },
    { ifname: 'e', address: '10.0.0.1', prefix: 24, label: 'a-label-that-is-too-long' },
    { ifname: 'e', address: '10.0.0.1', prefix: 24, scope: 'galaxy' as 'global' },
  ]) {
    assert.throws(() => addressBody(bad, 1, false), (e: unknown) => e instanceof NetError && e.code === 'LVSD_NET_BAD_ARGUMENT', JSON.stringify(bad));
  }
});

test('parseAddressMessage reads an RTM_NEWADDR the way the kernel sends it (local, prefix, label)', () => {
  const body = addressBody({ ifname: 'eth0', address: '10.0.0.1', prefix: 24, label: 'eth0:vip' }, 9, false);
  const m = parseMessages(frameMessage(K.RTM_NEWADDR, 0, 0, 0, body))[0]!;
  assert.deepEqual(parseAddressMessage(m), { index: 9, family: 'ipv4', address: '10.0.0.1', prefix: 24, label: 'eth0:vip' });
});
