// Pure codec: lvsd's Accept_Mode table (RFC 5798 §6.4.3) as nf_tables messages. One `inet` table holds
// everything lvsd creates, so deleting the table removes exactly that:
//
//   table inet lvsd {
//     set vips     { type ipv4_addr; }
//     set vips6    { type ipv6_addr; }
//     set vips6_ll { type ipv6_addr . iface_index; }     # link-local VIPs are per interface
//     chain in  { type filter hook input  priority -1; policy accept;
//       icmpv6 type nd-neighbor-solicit accept             # neighbour discovery for the VIPs stays up
//       icmpv6 type nd-neighbor-advert accept
//       ip daddr @vips drop
//       ip6 daddr @vips6 drop
//       ip6 daddr . iif @vips6_ll drop }
//     chain out { type filter hook output priority -1; policy accept;
//       (the same with saddr / oif) }
//   }
//
// keepalived 2.2.7 builds the same with `ip keepalived` / `ip6 keepalived` tables (vrrp_nftables.c):
// base chains `in` / `out` at priority -1 ("filter - 1"), sets `vips`, ND exceptions, link-local VIPs keyed
// with the interface; `nftables_counters` puts a counter in every rule. ARP is not IP: a master still
// answers ARP (and the ND exceptions keep IPv6 neighbour discovery) for the VIPs it drops.
import { isIpv6LinkLocal, parseIpv4, parseIpv6 } from '../vrrp/addr.js';
import {
  ex,
  HOOK,
  hostU32,
  META,
  newBaseChain,
  newRule,
  newSet,
  newTable,
  delTable,
  NFPROTO,
  NFT_REG_1,
  NFT_REG_2,
  NFT_TYPE,
  PAYLOAD,
  setElems,
  TYPE_BITS,
  UDATA_BIG_ENDIAN_KEY,
  UDATA_CONCAT_ADDR6_IFINDEX,
  VERDICT,
  type Expr,
  type NftMsg,
} from './nft-codec.js';

export interface FirewallOptions {
  /** Table name (keepalived's `nftables [TABLE]`; lvsd's default "lvsd"). */
  table: string;
  /** Priority of the base chains (`nftables_priority`; default -1 as keepalived). */
  priority: number;
  /** A counter in every rule (`nftables_counters`). */
  counters: boolean;
}

export const DEFAULT_FIREWALL: FirewallOptions = { table: 'lvsd', priority: -1, counters: false };

/** One virtual address to drop: its interface index matters for link-local IPv6 addresses only. */
export interface FirewallVip {
  address: string;
  ifindex: number;
}

const SETS = { v4: 'vips', v6: 'vips6', ll: 'vips6_ll' } as const;
const SET_ID = { v4: 1, v6: 2, ll: 3 } as const;
const IPPROTO_ICMPV6 = 58;
const ND_NEIGHBOR_SOLICIT = 135;
const ND_NEIGHBOR_ADVERT = 136;
/** Offsets in the IP headers (RFC 791, RFC 8200). */
const IPV4_SADDR = 12;
const IPV4_DADDR = 16;
const IPV6_SADDR = 8;
const IPV6_DADDR = 24;

const nfproto = (p: number): Expr[] => [ex.meta(META.NFPROTO, NFT_REG_1), ex.cmpEq(NFT_REG_1, Uint8Array.of(p))];

function rules(o: FirewallOptions, chain: 'in' | 'out'): NftMsg[] {
  const input = chain === 'in';
  const tail = (v: number): Expr[] => [...(o.counters ? [ex.counter()] : []), ex.verdict(v)];
  const rule = (exprs: Expr[], text: string): NftMsg => newRule(NFPROTO.INET, o.table, chain, exprs, `add rule ${o.table} ${chain} ${text}`);
  const nd = (type: number): Expr[] => [
    ...nfproto(NFPROTO.IPV6),
    ex.meta(META.L4PROTO, NFT_REG_1),
    ex.cmpEq(NFT_REG_1, Uint8Array.of(IPPROTO_ICMPV6)),
    ex.payload(PAYLOAD.TRANSPORT, 0, 1, NFT_REG_1),
    ex.cmpEq(NFT_REG_1, Uint8Array.of(type)),
    ...tail(VERDICT.ACCEPT),
  ];
  const dir = input ? 'daddr' : 'saddr';
  return [
    // RFC 4861: a neighbour keeps resolving and probing the VIP, and the master answers, while IP to it is dropped.
    rule(nd(ND_NEIGHBOR_SOLICIT), 'icmpv6 type nd-neighbor-solicit accept'),
    rule(nd(ND_NEIGHBOR_ADVERT), 'icmpv6 type nd-neighbor-advert accept'),
    rule([...nfproto(NFPROTO.IPV4), ex.payload(PAYLOAD.NETWORK, input ? IPV4_DADDR : IPV4_SADDR, 4, NFT_REG_1), ex.lookup(NFT_REG_1, SETS.v4, SET_ID.v4), ...tail(VERDICT.DROP)], `ip ${dir} @${SETS.v4} drop`),
    rule([...nfproto(NFPROTO.IPV6), ex.payload(PAYLOAD.NETWORK, input ? IPV6_DADDR : IPV6_SADDR, 16, NFT_REG_1), ex.lookup(NFT_REG_1, SETS.v6, SET_ID.v6), ...tail(VERDICT.DROP)], `ip6 ${dir} @${SETS.v6} drop`),
    rule(
      [
        ...nfproto(NFPROTO.IPV6),
        ex.payload(PAYLOAD.NETWORK, input ? IPV6_DADDR : IPV6_SADDR, 16, NFT_REG_1),
        ex.meta(input ? META.IIF : META.OIF, NFT_REG_2),
        ex.lookup(NFT_REG_1, SETS.ll, SET_ID.ll),
        ...tail(VERDICT.DROP),
      ],
      `ip6 ${dir} . ${input ? 'iif' : 'oif'} @${SETS.ll} drop`,
    ),
  ];
}

/** The batch that creates the whole table (after `deleteTable` removed a stale one). */
export function createTable(o: FirewallOptions): NftMsg[] {
  const f = NFPROTO.INET;
  return [
    newTable(f, o.table),
    newBaseChain(f, { table: o.table, name: 'in', hook: HOOK.LOCAL_IN, priority: o.priority, policy: VERDICT.ACCEPT }),
    newBaseChain(f, { table: o.table, name: 'out', hook: HOOK.LOCAL_OUT, priority: o.priority, policy: VERDICT.ACCEPT }),
    newSet(f, { table: o.table, name: SETS.v4, keyType: NFT_TYPE.IPADDR, keyLen: 4, id: SET_ID.v4, userdata: UDATA_BIG_ENDIAN_KEY }),
    newSet(f, { table: o.table, name: SETS.v6, keyType: NFT_TYPE.IP6ADDR, keyLen: 16, id: SET_ID.v6, userdata: UDATA_BIG_ENDIAN_KEY }),
    newSet(f, { table: o.table, name: SETS.ll, keyType: (NFT_TYPE.IP6ADDR << TYPE_BITS) | NFT_TYPE.IFINDEX, keyLen: 20, id: SET_ID.ll, userdata: UDATA_CONCAT_ADDR6_IFINDEX }),
    ...rules(o, 'in'),
    ...rules(o, 'out'),
  ];
}

export function deleteTable(o: Pick<FirewallOptions, 'table'>): NftMsg {
  return delTable(NFPROTO.INET, o.table);
}

/** Which set an address goes in, and its key. */
export function vipKey(v: FirewallVip): { set: string; setId: number; key: Uint8Array } {
  if (!v.address.includes(':')) return { set: SETS.v4, setId: SET_ID.v4, key: parseIpv4(v.address) };
  const a6 = parseIpv6(v.address);
  if (!isIpv6LinkLocal(v.address)) return { set: SETS.v6, setId: SET_ID.v6, key: a6 };
  const k = new Uint8Array(20);
  k.set(a6, 0);
  k.set(hostU32(v.ifindex), 16);
  return { set: SETS.ll, setId: SET_ID.ll, key: k };
}

/** One message per set touched: add or delete the VIPs' keys. */
export function vipElements(op: 'add' | 'delete', o: Pick<FirewallOptions, 'table'>, vips: readonly FirewallVip[], withSetIds = false): NftMsg[] {
  const bySet = new Map<string, { setId: number; keys: Uint8Array[] }>();
  for (const v of vips) {
    const k = vipKey(v);
    const e = bySet.get(k.set) ?? { setId: k.setId, keys: [] };
    e.keys.push(k.key);
    bySet.set(k.set, e);
  }
  return [...bySet].map(([set, e]) => setElems(op, NFPROTO.INET, o.table, set, e.keys, withSetIds ? e.setId : undefined));
}
