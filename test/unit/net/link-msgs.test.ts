// Unit tests of the VMAC / ipvlan link bodies (src/net/link-msgs.ts): golden bytes captured from
// iproute2 6.1 (`strace -e trace=sendmsg -e write=3 ip link add name vrrp.51 link eth0 address
// 00:00:5e:00:01:33 type macvlan mode private`, eth0 = ifindex 30; `... type ipvlan mode l2 FLAG`;
// `ip link set dev eth0 addrgenmode none`, `ip link set vrrp.51 up`, `ip link del vrrp.51`), each
// body after its 16-byte nlmsghdr; the IFLA_INET_CONF body against <linux/if_link.h> / <linux/ip.h>.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addrGenModeBody, attr, delLinkBody, ipv4ConfBody, linkUpBody, newIpvlanBody, newMacvlanBody, parseLinkDetails, LinkSpecError } from '../../../src/net/link-msgs.js';
import * as K from '../../../src/net/constants.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const IFINFO0 = '00'.repeat(16);

test('macvlan mode private: byte for byte what `ip link add ... type macvlan mode private` sends', () => {
  const golden =
    IFINFO0 +
    '0a000100' + '00005e000133' + '0000' + // IFLA_ADDRESS
    '08000500' + '1e000000' + // IFLA_LINK 30
    '0c000300' + '767272702e353100' + // IFLA_IFNAME "vrrp.51"
    '1c001200' + '0b000100' + '6d6163766c616e00' + '0c000200' + '08000100' + '01000000'; // LINKINFO { KIND "macvlan", DATA { MACVLAN_MODE private } }
  assert.equal(hex(newMacvlanBody({ name: 'vrrp.51', link: 30, mac: '00:00:5e:00:01:33' })), golden);
  // The IPv6 VMAC of VRID 52.
  assert.match(hex(newMacvlanBody({ name: 'vrrp.52', link: 30, mac: '00:00:5e:00:02:34' })), /0a00010000005e0002340000/);
});

test('ipvlan mode l2 with bridge / private / vepa: byte for byte what iproute2 sends', () => {
  const head = IFINFO0 + '08000500' + '1e000000' + '0c000300' + '767272702e353100' + '24001200' + '0a000100' + '6970766c616e0000' + '14000200' + '06000100' + '00000000' + '06000200';
  assert.equal(hex(newIpvlanBody({ name: 'vrrp.51', link: 30, flag: 'bridge' })), head + '00000000');
  assert.equal(hex(newIpvlanBody({ name: 'vrrp.51', link: 30, flag: 'private' })), head + '01000000');
  assert.equal(hex(newIpvlanBody({ name: 'vrrp.51', link: 30, flag: 'vepa' })), head + '02000000');
  assert.equal(hex(newIpvlanBody({ name: 'vrrp.51', link: 30 })), head + '00000000');
});

test('link up, delete and addrgenmode none: the ifinfomsg and IFLA_AF_SPEC iproute2 sends', () => {
  assert.equal(hex(linkUpBody(6)), '00000000' + '06000000' + '01000000' + '01000000');
  assert.equal(hex(linkUpBody(6, false)), '00000000' + '06000000' + '00000000' + '01000000');
  assert.equal(hex(delLinkBody(6)), '00000000' + '06000000' + '00000000' + '00000000');
  assert.equal(hex(addrGenModeBody(30, K.IN6_ADDR_GEN_MODE_NONE)), '00000000' + '1e000000' + '00'.repeat(8) + '10001a00' + '0c000a00' + '05000800' + '01000000');
});

test('IPv4 devconf: IFLA_AF_SPEC { AF_INET { IFLA_INET_CONF { IPV4_DEVCONF_n: u32 } } }', () => {
  const b = ipv4ConfBody(7, { arp_ignore: 1, accept_local: 1, rp_filter: 0 });
  // IPV4_DEVCONF_ARP_IGNORE 19, ACCEPT_LOCAL 23, RP_FILTER 8.
  assert.equal(hex(b), '00000000' + '07000000' + '00'.repeat(8) + '24001a00' + '20000200' + '1c000100' + '08001300' + '01000000' + '08001700' + '01000000' + '08000800' + '00000000');
});

test('parseLinkDetails reads kind, parent, MAC, macvlan mode and the IPv4 devconf array of an RTM_NEWLINK', () => {
  const conf = Buffer.alloc(4 * 32);
  conf.writeUInt32LE(1, (19 - 1) * 4); // arp_ignore
  conf.writeUInt32LE(1, (13 - 1) * 4); // arp_filter
  conf.writeUInt32LE(2, (8 - 1) * 4); // rp_filter
  const body = newMacvlanBody({ name: 'vrrp.51', link: 30, mac: '00:00:5e:00:01:33' });
  body.writeInt32LE(31, 4);
  body.writeUInt32LE(K.IFF_UP, 8);
  const msg = Buffer.concat([body, attr(K.IFLA_AF_SPEC, attr(K.AF_INET, attr(K.IFLA_INET_CONF, conf)))]);
  const d = parseLinkDetails(msg);
  assert.deepEqual(d, {
    index: 31,
    flags: K.IFF_UP,
    name: 'vrrp.51',
    mac: '00:00:5e:00:01:33',
    link: 30,
    kind: 'macvlan',
    macvlanMode: 1,
    ipv4Conf: { rp_filter: 2, arp_filter: 1, arp_announce: 0, arp_ignore: 1, promote_secondaries: 0, accept_local: 0 },
  });
});

test('bad interface names are refused before anything is sent', () => {
  assert.throws(() => newMacvlanBody({ name: 'a-name-longer-than-15', link: 1, mac: '00:00:5e:00:01:01' }), LinkSpecError);
  assert.throws(() => newIpvlanBody({ name: 'a/b', link: 1 }), LinkSpecError);
});
