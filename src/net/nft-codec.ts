// Pure codec: the few nf_tables objects lvsd sends over nfnetlink (<linux/netfilter/nf_tables.h>,
// <linux/netfilter/nfnetlink.h>): tables, base chains, named sets, rules made of payload / meta loads,
// cmp, lookup, counter and verdict expressions, set elements, and the NFNL_MSG_BATCH_BEGIN / END frame
// around them. Attribute values are big-endian (nf_tables convention) except where the kernel keeps
// host order (meta iif / oif in registers and set keys). The byte layout follows what nft 1.0.6 itself
// sends for the same objects (golden test: test/unit/net/nft-codec.test.ts).
import { HOST_LE } from './sockaddr.js';

export const NETLINK_NETFILTER = 12;
export const NFNL_SUBSYS_NFTABLES = 10;
export const NFNL_MSG_BATCH_BEGIN = 16;
export const NFNL_MSG_BATCH_END = 17;

export const NFT_MSG = { NEWTABLE: 0, GETTABLE: 1, DELTABLE: 2, NEWCHAIN: 3, NEWRULE: 6, NEWSET: 9, NEWSETELEM: 12, DELSETELEM: 14 } as const;

export const NFPROTO = { INET: 1, IPV4: 2, IPV6: 10 } as const;
/** NF_INET_* hooks. */
export const HOOK = { LOCAL_IN: 1, LOCAL_OUT: 3 } as const;
export const VERDICT = { DROP: 0, ACCEPT: 1 } as const;
/** NFT_META_* keys. */
export const META = { IIF: 4, OIF: 5, NFPROTO: 15, L4PROTO: 16 } as const;
/** NFT_PAYLOAD_* bases. */
export const PAYLOAD = { NETWORK: 1, TRANSPORT: 2 } as const;
export const NFT_CMP_EQ = 0;
/** nft's data types (nftables include/datatype.h), stored in NFTA_SET_KEY_TYPE for `nft list`. */
export const NFT_TYPE = { IPADDR: 7, IP6ADDR: 8, IFINDEX: 20 } as const;
export const TYPE_BITS = 6;

const NLM_F_REQUEST = 0x1;
const NLM_F_ACK = 0x4;
const NLM_F_CREATE = 0x400;
const NLM_F_APPEND = 0x800;
const NLA_F_NESTED = 0x8000;

/* ---------------- attributes ---------------- */

/** One attribute (struct nlattr): type, payload (or nested children), padded to 4 bytes. */
export type Attr = { type: number; data: Uint8Array } | { type: number; nest: Attr[] };

const pad4 = (n: number): number => (n + 3) & ~3;

export const attr = {
  str: (type: number, s: string): Attr => ({ type, data: Buffer.from(`${s}\0`, 'utf8') }),
  u32: (type: number, v: number): Attr => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(v >>> 0);
    return { type, data: b };
  },
  s32: (type: number, v: number): Attr => {
    const b = Buffer.alloc(4);
    b.writeInt32BE(v);
    return { type, data: b };
  },
  bytes: (type: number, data: Uint8Array): Attr => ({ type, data }),
  nest: (type: number, nest: Attr[]): Attr => ({ type, nest }),
};

function attrLen(a: Attr): number {
  return 4 + ('nest' in a ? a.nest.reduce((n, c) => n + pad4(attrLen(c)), 0) : a.data.length);
}

function writeAttr(out: Buffer, off: number, a: Attr): number {
  const len = attrLen(a);
  out.writeUInt16LE(len, off);
  out.writeUInt16LE('nest' in a ? a.type | NLA_F_NESTED : a.type, off + 2);
  let p = off + 4;
  if ('nest' in a) for (const c of a.nest) p = writeAttr(out, p, c);
  else {
    out.set(a.data, p);
    p += a.data.length;
  }
  return off + pad4(len);
}

/* ---------------- messages ---------------- */

/** One nfnetlink message before framing: NFT_MSG_* type, family (nfgenmsg), extra nlmsg flags, attributes. */
export interface NftMsg {
  type: number;
  family: number;
  flags: number;
  attrs: Attr[];
  /** Short description for errors ("add table inet lvsd"). */
  what: string;
}

/** struct nlmsghdr + struct nfgenmsg + attributes. */
function frame(type: number, flags: number, seq: number, family: number, resId: number, attrs: Attr[]): Buffer {
  const len = 20 + attrs.reduce((n, a) => n + pad4(attrLen(a)), 0);
  const out = Buffer.alloc(len);
  out.writeUInt32LE(len, 0);
  out.writeUInt16LE(type, 4);
  out.writeUInt16LE(flags, 6);
  out.writeUInt32LE(seq >>> 0, 8);
  out.writeUInt32LE(0, 12);
  out[16] = family;
  out[17] = 0; // NFNETLINK_V0
  out.writeUInt16BE(resId, 18);
  let off = 20;
  for (const a of attrs) off = writeAttr(out, off, a);
  return out;
}

export interface BatchOptions {
  /** Sequence number of NFNL_MSG_BATCH_BEGIN; the messages follow it, then BATCH_END. */
  seq: number;
  /** Ask for an ACK of every message (lvsd does; nft relies on errors alone). */
  ack: boolean;
}

/** One datagram: BATCH_BEGIN, the messages (seq + 1 ...), BATCH_END. */
export function encodeBatch(msgs: readonly NftMsg[], o: BatchOptions): Buffer {
  const parts: Buffer[] = [frame(NFNL_MSG_BATCH_BEGIN, NLM_F_REQUEST, o.seq, 0, NFNL_SUBSYS_NFTABLES, [])];
  msgs.forEach((m, i) => {
    parts.push(frame((NFNL_SUBSYS_NFTABLES << 8) | m.type, NLM_F_REQUEST | m.flags | (o.ack ? NLM_F_ACK : 0), o.seq + 1 + i, m.family, 0, m.attrs));
  });
  parts.push(frame(NFNL_MSG_BATCH_END, NLM_F_REQUEST, o.seq + 1 + msgs.length, 0, NFNL_SUBSYS_NFTABLES, []));
  return Buffer.concat(parts);
}

/* ---------------- objects ---------------- */

export function newTable(family: number, table: string): NftMsg {
  // NFTA_TABLE_NAME, NFTA_TABLE_FLAGS
  return { type: NFT_MSG.NEWTABLE, family, flags: 0, attrs: [attr.str(1, table), attr.u32(2, 0)], what: `add table ${table}` };
}

export function delTable(family: number, table: string): NftMsg {
  return { type: NFT_MSG.DELTABLE, family, flags: 0, attrs: [attr.str(1, table)], what: `delete table ${table}` };
}

export interface BaseChain {
  table: string;
  name: string;
  hook: number;
  priority: number;
  /** NF_ACCEPT / NF_DROP. */
  policy: number;
}

export function newBaseChain(family: number, c: BaseChain): NftMsg {
  // NFTA_CHAIN_TABLE, NAME, TYPE, POLICY, HOOK { HOOK_HOOKNUM, HOOK_PRIORITY }: nft's order.
  return {
    type: NFT_MSG.NEWCHAIN,
    family,
    flags: NLM_F_CREATE,
    attrs: [attr.str(1, c.table), attr.str(3, c.name), attr.str(7, 'filter'), attr.u32(5, c.policy), attr.nest(4, [attr.u32(1, c.hook), attr.s32(2, c.priority)])],
    what: `add chain ${c.table} ${c.name}`,
  };
}

export interface SetSpec {
  table: string;
  name: string;
  /** NFTA_SET_KEY_TYPE (nft's datatype, concatenations as TYPE_BITS fields) and its length in bytes. */
  keyType: number;
  keyLen: number;
  /** NFTA_SET_ID: names the set inside the batch that creates it. */
  id: number;
  /** NFTA_SET_USERDATA as nft writes it (key byte order for `nft list`). */
  userdata: Uint8Array;
}

/** nft's user data for a set whose key is one big-endian value (NFTNL_UDATA_SET_KEYBYTEORDER = BIG). */
export const UDATA_BIG_ENDIAN_KEY = Uint8Array.from([0x00, 0x04, 0x02, 0x00, 0x00, 0x00]);
/** nft's user data for `ipv6_addr . iface_index` (byte order 0 for a concatenation, then the typeof record nft 1.0.6 writes). */
export const UDATA_CONCAT_ADDR6_IFINDEX = Uint8Array.from([0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x03, 0x08, 0x00, 0x04, 0x0d, 0x00, 0x00, 0x00, 0x01, 0x00]);

export function newSet(family: number, s: SetSpec): NftMsg {
  // NFTA_SET_TABLE, NAME, FLAGS, KEY_TYPE, KEY_LEN, ID, USERDATA
  return {
    type: NFT_MSG.NEWSET,
    family,
    flags: NLM_F_CREATE,
    attrs: [attr.str(1, s.table), attr.str(2, s.name), attr.u32(3, 0), attr.u32(4, s.keyType), attr.u32(5, s.keyLen), attr.u32(10, s.id), attr.bytes(13, s.userdata)],
    what: `add set ${s.table} ${s.name}`,
  };
}

/** Add (NEWSETELEM) or delete (DELSETELEM) elements, each given as its key bytes. */
export function setElems(op: 'add' | 'delete', family: number, table: string, set: string, keys: readonly Uint8Array[], setId?: number): NftMsg {
  // NFTA_SET_ELEM_LIST_TABLE, _SET, [_SET_ID], _ELEMENTS { [n] { NFTA_SET_ELEM_KEY { NFTA_DATA_VALUE } } }
  const attrs = [attr.str(1, table), attr.str(2, set)];
  if (setId !== undefined) attrs.push(attr.u32(4, setId));
  // libnftnl numbers the list entries 1, 2, ... (the kernel reads any type there).
  attrs.push(attr.nest(3, keys.map((k, i) => attr.nest(i + 1, [attr.nest(1, [attr.bytes(1, k)])]))));
  return {
    type: op === 'add' ? NFT_MSG.NEWSETELEM : NFT_MSG.DELSETELEM,
    family,
    flags: op === 'add' ? NLM_F_CREATE : 0,
    attrs,
    what: `${op} ${keys.length} element(s) ${op === 'add' ? 'to' : 'from'} set ${table} ${set}`,
  };
}

/* ---------------- expressions ---------------- */

/** One rule expression: NFTA_LIST_ELEM { NFTA_EXPR_NAME, NFTA_EXPR_DATA { ... } }. */
export type Expr = Attr;

const expr = (name: string, data: Attr[]): Expr => attr.nest(1, [attr.str(1, name), attr.nest(2, data)]);

export const NFT_REG_VERDICT = 0;
export const NFT_REG_1 = 1;
export const NFT_REG_2 = 2;

export const ex = {
  /** NFTA_META_DREG, NFTA_META_KEY (nft's order: key first). */
  meta: (key: number, dreg: number): Expr => expr('meta', [attr.u32(2, key), attr.u32(1, dreg)]),
  /** NFTA_CMP_SREG, NFTA_CMP_OP, NFTA_CMP_DATA { NFTA_DATA_VALUE }. */
  cmpEq: (sreg: number, value: Uint8Array): Expr => expr('cmp', [attr.u32(1, sreg), attr.u32(2, NFT_CMP_EQ), attr.nest(3, [attr.bytes(1, value)])]),
  /** NFTA_PAYLOAD_DREG, BASE, OFFSET, LEN. */
  payload: (base: number, offset: number, len: number, dreg: number): Expr => expr('payload', [attr.u32(1, dreg), attr.u32(2, base), attr.u32(3, offset), attr.u32(4, len)]),
  /** NFTA_LOOKUP_SREG, NFTA_LOOKUP_SET, [NFTA_LOOKUP_SET_ID]. */
  lookup: (sreg: number, set: string, setId?: number): Expr => expr('lookup', [attr.u32(2, sreg), attr.str(1, set), ...(setId !== undefined ? [attr.u32(4, setId)] : [])]),
  counter: (): Expr => expr('counter', []),
  /** NFTA_IMMEDIATE_DREG = verdict, NFTA_IMMEDIATE_DATA { NFTA_DATA_VERDICT { NFTA_VERDICT_CODE } }. */
  verdict: (code: number): Expr => expr('immediate', [attr.u32(1, NFT_REG_VERDICT), attr.nest(2, [attr.nest(2, [attr.u32(1, code)])])]),
};

export function newRule(family: number, table: string, chain: string, exprs: readonly Expr[], what: string): NftMsg {
  // NFTA_RULE_TABLE, NFTA_RULE_CHAIN, NFTA_RULE_EXPRESSIONS; appended at the end of the chain.
  return { type: NFT_MSG.NEWRULE, family, flags: NLM_F_CREATE | NLM_F_APPEND, attrs: [attr.str(1, table), attr.str(2, chain), attr.nest(4, [...exprs])], what };
}

/* ---------------- keys ---------------- */

/** A 4-byte host-order integer, as the kernel keeps an interface index in a register. */
export function hostU32(v: number): Uint8Array {
  const b = Buffer.alloc(4);
  if (HOST_LE) b.writeUInt32LE(v >>> 0);
  else b.writeUInt32BE(v >>> 0);
  return b;
}
