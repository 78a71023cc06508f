// Pure tests of the lab's pcap reader and Ethernet/IPv4 header decoding, on hand-built files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePcap, ipv4Packets, decodeIPv4, PcapError } from './pcap.js';
import { peekVrrp } from './vrrp-peek.js';

/** A VRRPv2 advert frame from 10.77.0.1 (00:00:5e:00:01:33) to 224.0.0.18, TTL 255. */
function vrrpFrame(): Buffer {
  const eth = Buffer.from('01005e00001200005e0001330800', 'hex');
  const ip = Buffer.from('45c00028000100004070' + '0000' + '0a4d0001' + 'e0000012', 'hex');
  ip[8] = 255; // TTL
  ip[9] = 112; // protocol VRRP
  const vrrp = Buffer.from('2133960101010000' + '0a4d0064' + '0000000000000000', 'hex');
  return Buffer.concat([eth, ip, vrrp]);
}

function pcapFile(le: boolean, nano: boolean, frames: Buffer[], truncateLast = 0): Buffer {
  const u32 = (v: number): Buffer => {
    const b = Buffer.alloc(4);
    if (le) b.writeUInt32LE(v);
    else b.writeUInt32BE(v);
    return b;
  };
  const u16 = (v: number): Buffer => {
    const b = Buffer.alloc(2);
    if (le) b.writeUInt16LE(v);
    else b.writeUInt16BE(v);
    return b;
  };
  const parts = [u32(nano ? 0xa1b23c4d : 0xa1b2c3d4), u16(2), u16(4), u32(0), u32(0), u32(262144), u32(1)];
  frames.forEach((f, i) => parts.push(u32(1000 + i), u32(nano ? 500_000_000 : 500_000), u32(f.length), u32(f.length), f));
  const all = Buffer.concat(parts);
  return truncateLast ? all.subarray(0, all.length - truncateLast) : all;
}

test('reads little-endian microsecond files and decodes a VRRP advert header', () => {
  const f = parsePcap(pcapFile(true, false, [vrrpFrame(), vrrpFrame()]));
  assert.equal(f.linkType, 1);
  assert.equal(f.packets.length, 2);
  assert.equal(f.packets[1]!.time, 1001.5);
  const [p] = ipv4Packets(f);
  assert.deepEqual([p!.src, p!.dst, p!.ttl, p!.protocol, p!.totalLength], ['10.77.0.1', '224.0.0.18', 255, 112, 40]);
  assert.equal(p!.payload.length, 20);
  assert.deepEqual(peekVrrp(p!.payload), { version: 2, type: 1, vrid: 0x33, priority: 150 });
});

test('reads big-endian nanosecond files and drops a record cut short by the capture ending', () => {
  const f = parsePcap(pcapFile(false, true, [vrrpFrame(), vrrpFrame()], 5));
  assert.equal(f.packets.length, 1);
  assert.equal(f.packets[0]!.time, 1000.5);
});

test('rejects what is not a pcap file or not IPv4', () => {
  assert.throws(() => parsePcap(Buffer.alloc(10)), PcapError);
  assert.throws(() => parsePcap(Buffer.alloc(24, 7)), /bad magic/);
  assert.throws(() => decodeIPv4(Buffer.from('6000000000000000000000000000000000000000', 'hex')), /version is 6/);
  assert.throws(() => decodeIPv4(Buffer.from('4f00000000000000000000000000000000000000', 'hex')), /IHL/);
});
