// Unit tests of the C structs passed through the native shim: golden layouts (x86-64/arm64,
// little-endian host fields) and round trips.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as S from '../../../src/net/sockaddr.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

test('host is little-endian here (the golden layouts below assume it)', () => {
  assert.equal(S.HOST_LE, true);
});

test('sockaddr_in / sockaddr_in6 / sockaddr_ll / sockaddr_nl layouts', () => {
  assert.equal(hex(S.sockaddrIn('224.0.0.18')), '0200' + '0000' + 'e0000012' + '0000000000000000');
  assert.equal(hex(S.sockaddrIn6('ff02::12', 7)), '0a00' + '0000' + '00000000' + 'ff020000000000000000000000000012' + '07000000');
  assert.equal(hex(S.sockaddrLl(3, 0x0806, Uint8Array.of(255, 255, 255, 255, 255, 255))), '1100' + '0806' + '03000000' + '0000' + '00' + '06' + 'ffffffffffff0000');
  assert.equal(hex(S.sockaddrNl(0x01020304, 1)), '1000' + '0000' + '04030201' + '01000000');
  assert.deepEqual(S.parseSockaddrNl(S.sockaddrNl(77, 5)), { pid: 77, groups: 5 });
});

test('parseInetSockaddr reads what recvmsg returns for both families', () => {
  assert.deepEqual(S.parseInetSockaddr(S.sockaddrIn('10.0.0.1', 80)), { family: 4, address: '10.0.0.1', port: 80, scopeId: 0 });
  assert.deepEqual(S.parseInetSockaddr(S.sockaddrIn6('fe80::1', 9)), { family: 6, address: 'fe80::1', port: 0, scopeId: 9 });
  assert.throws(() => S.parseInetSockaddr(S.sockaddrNl()), RangeError);
});

test('ip_mreqn, ipv6_mreq, in_pktinfo, in6_pktinfo', () => {
  assert.equal(hex(S.ipMreqn('224.0.0.18', 4)), 'e0000012' + '00000000' + '04000000');
  assert.equal(hex(S.ipv6Mreq('ff02::12', 4)), 'ff020000000000000000000000000012' + '04000000');
  assert.equal(hex(S.inPktinfo(2, '10.0.0.1')), '02000000' + '0a000001' + '00000000');
  assert.deepEqual(S.parseInPktinfo(S.inPktinfo(5, '10.0.0.1', '224.0.0.18')), { ifindex: 5, specDst: '10.0.0.1', addr: '224.0.0.18' });
  assert.equal(hex(S.in6Pktinfo('fe80::a', 3)), 'fe80000000000000000000000000000a' + '03000000');
  assert.deepEqual(S.parseIn6Pktinfo(S.in6Pktinfo('ff02::12', 11)), { addr: 'ff02::12', ifindex: 11 });
});

test('ifreq results, ints, interface names', () => {
  const u = Buffer.alloc(24);
  u.writeInt32LE(42, 0);
  assert.equal(S.ifreqIndex(u), 42);
  u.writeUInt16LE(0x1043, 0);
  assert.equal(S.ifreqFlags(u), 0x1043);
  const hw = Buffer.alloc(24);
  hw.writeUInt16LE(1, 0);
  Buffer.from('021122334455', 'hex').copy(hw, 2);
  assert.deepEqual(S.ifreqHwaddr(hw), { hatype: 1, mac: Uint8Array.from(Buffer.from('021122334455', 'hex')) });
  assert.equal(hex(S.int32(-1)), 'ffffffff');
  assert.equal(S.readInt32(S.int32(255)), 255);
  assert.equal(hex(S.ifnameBytes('eth0')), '6574683000');
});
