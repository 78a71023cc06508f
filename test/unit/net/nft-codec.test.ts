// Unit tests of the nf_tables encoder: lvsd's Accept_Mode table and its set elements, byte for byte
// against what nft 1.0.6 itself sends for the same objects (test/fixtures/nft/capture.sh: strace of
// nft's sendmsg; nft sends no NLM_F_ACK and numbers the batch from 0).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeBatch, NFNL_MSG_BATCH_BEGIN, NFNL_MSG_BATCH_END, NFT_MSG } from '../../../src/net/nft-codec.js';
import { createTable, DEFAULT_FIREWALL, deleteTable, vipElements, vipKey } from '../../../src/net/nft-ruleset.js';
import { parseMessages } from '../../../src/net/nlmsg.js';

const golden = (name: string): string => readFileSync(join(process.cwd(), 'test', 'fixtures', 'nft', `${name}.hex`), 'utf8').trim();
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const nftLike = { seq: 0, ack: false };
const counters = { table: 'vrrpfw', priority: 5, counters: true };

/** Splits two hex batches into messages so a failure names the first one that differs. */
function sameBatch(ours: Buffer, theirs: string): void {
  const a = parseMessages(ours).map((m) => `${m.type}/${m.flags}/${m.seq} ${hex(m.payload)}`);
  const b = parseMessages(Buffer.from(theirs, 'hex')).map((m) => `${m.type}/${m.flags}/${m.seq} ${hex(m.payload)}`);
  assert.deepEqual(a, b);
  assert.equal(hex(ours), theirs);
}

test('create table: the default table (inet lvsd, priority -1, no counters) is what nft sends', () => {
  sameBatch(encodeBatch(createTable(DEFAULT_FIREWALL), nftLike), golden('create-default'));
});

test('create table: another name, priority 5 and a counter in every rule, as nft sends them', () => {
  const ours = encodeBatch(createTable(counters), nftLike);
  sameBatch(ours, golden('create-counters'));
  assert.notEqual(hex(ours), golden('create-default'));
});

test('set elements: IPv4, IPv6 and link-local IPv6 with the interface index, added and deleted, as nft sends them', () => {
  const t = { table: 'vrrpfw' };
  sameBatch(encodeBatch(vipElements('add', t, [{ address: '10.9.0.100', ifindex: 0 }, { address: '10.9.0.101', ifindex: 0 }], true), nftLike), golden('add-v4'));
  sameBatch(encodeBatch(vipElements('add', t, [{ address: 'fd00::100', ifindex: 2 }], true), nftLike), golden('add-v6'));
  // v0 is ifindex 3 in the capture's namespace; the index is host order in the key (a register value).
  sameBatch(encodeBatch(vipElements('add', t, [{ address: 'fe80::100', ifindex: 3 }], true), nftLike), golden('add-ll'));
  // nft names the set by id only when adding.
  sameBatch(encodeBatch(vipElements('delete', t, [{ address: '10.9.0.100', ifindex: 0 }]), nftLike), golden('del-v4'));
});

test('delete table: as nft sends it', () => {
  sameBatch(encodeBatch([deleteTable({ table: 'vrrpfw' })], nftLike), golden('delete-table'));
});

test('lvsd asks for an ACK of every message (not of BEGIN/END) and numbers from its own seq; nothing else changes', () => {
  const msgs = createTable(DEFAULT_FIREWALL);
  const ours = parseMessages(encodeBatch(msgs, { seq: 1000, ack: true }));
  const nft = parseMessages(Buffer.from(golden('create-default'), 'hex'));
  assert.equal(ours.length, msgs.length + 2);
  assert.equal(ours[0]!.type, NFNL_MSG_BATCH_BEGIN);
  assert.equal(ours.at(-1)!.type, NFNL_MSG_BATCH_END);
  ours.forEach((m, i) => {
    assert.equal(m.seq, 1000 + i);
    const inner = i > 0 && i < ours.length - 1;
    assert.equal(m.flags, nft[i]!.flags | (inner ? 0x4 : 0), `message ${i}`);
    assert.equal(hex(m.payload), hex(nft[i]!.payload));
  });
});

test('VIPs go to the set of their kind; elements sent at run time carry no set id; one message per set touched', () => {
  assert.deepEqual(vipKey({ address: '192.0.2.1', ifindex: 7 }), { set: 'vips', setId: 1, key: Uint8Array.of(192, 0, 2, 1) });
  assert.equal(vipKey({ address: '2001:db8::1', ifindex: 7 }).set, 'vips6');
  const ll = vipKey({ address: 'fe80::1', ifindex: 7 });
  assert.equal(ll.set, 'vips6_ll');
  assert.equal(hex(ll.key), 'fe800000000000000000000000000001' + '07000000');
  const msgs = vipElements('delete', { table: 'lvsd' }, [
    { address: '192.0.2.1', ifindex: 2 },
    { address: '2001:db8::1', ifindex: 2 },
    { address: '192.0.2.2', ifindex: 2 },
  ]);
  assert.deepEqual(
    msgs.map((m) => [m.type, m.attrs.map((a) => a.type)]),
    [
      [NFT_MSG.DELSETELEM, [1, 2, 3]],
      [NFT_MSG.DELSETELEM, [1, 2, 3]],
    ],
  );
  assert.match(msgs[0]!.what, /delete 2 element\(s\) from set lvsd vips$/);
});
