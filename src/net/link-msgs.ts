// Pure codec: the rtnetlink link bodies lvsd builds for VRRP virtual MAC (macvlan) and ipvlan
// interfaces (RTM_NEWLINK / RTM_DELLINK, <linux/if_link.h>), the per-device IPv4 settings and IPv6
// address generation mode (IFLA_AF_SPEC), and the parts of an RTM_NEWLINK reply lvsd reads back
// (kind, parent link, MAC, IPv4 devconf). Attributes are written in iproute2's order so the bytes
// compare with what `ip link add ... type macvlan mode private` sends (test/unit/net/link-msgs.test.ts).
import { HOST_LE } from './sockaddr.js';
import * as K from './constants.js';
import { ifinfoBody, NlDecodeError } from './nlmsg.js';
import { formatMac, parseMac } from './frames.js';

const align4 = (n: number): number => (n + 3) & ~3;

/** One attribute (struct nlattr + value, padded). */
export function attr(type: number, value: Uint8Array): Buffer {
  const len = 4 + value.length;
  const b = Buffer.alloc(align4(len));
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  v.setUint16(0, len, HOST_LE);
  v.setUint16(2, type, HOST_LE);
  b.set(value, 4);
  return b;
}

const nest = (type: number, ...children: Buffer[]): Buffer => attr(type, Buffer.concat(children));
const u32 = (v: number): Buffer => {
  const b = Buffer.alloc(4);
  if (HOST_LE) b.writeUInt32LE(v >>> 0);
  else b.writeUInt32BE(v >>> 0);
  return b;
};
const u16 = (v: number): Buffer => {
  const b = Buffer.alloc(2);
  if (HOST_LE) b.writeUInt16LE(v);
  else b.writeUInt16BE(v);
  return b;
};
const cstr = (s: string): Buffer => Buffer.from(`${s}\0`, 'latin1');
/** IFLA_INFO_KIND goes without its NUL, as iproute2 sends it (the kernel compares with nla_strcmp). */
const kindStr = (s: string): Buffer => Buffer.from(s, 'latin1');

export class LinkSpecError extends Error {
  readonly code = 'LVSD_NET_BAD_ARGUMENT';
  constructor(message: string) {
    super(message);
    this.name = 'LinkSpecError';
  }
}

function checkName(name: string): void {
  // IFNAMSIZ 16 with the terminating NUL; the kernel refuses '/', ':' and white space (dev_valid_name).
  if (name.length === 0 || name.length > 15 || /[/:\s]/.test(name) || name === '.' || name === '..') throw new LinkSpecError(`"${name}" is not a valid interface name`);
}

/** RTM_NEWLINK body: a macvlan on `link` (ifindex) named `name` with hardware address `mac` (keepalived's VMAC: mode private). */
export function newMacvlanBody(o: { name: string; link: number; mac: string; mode?: number }): Buffer {
  checkName(o.name);
  return Buffer.concat([
    ifinfoBody(),
    attr(K.IFLA_ADDRESS, parseMac(o.mac)),
    attr(K.IFLA_LINK, u32(o.link)),
    attr(K.IFLA_IFNAME, cstr(o.name)),
    nest(K.IFLA_LINKINFO, attr(K.IFLA_INFO_KIND, kindStr('macvlan')), nest(K.IFLA_INFO_DATA, attr(K.IFLA_MACVLAN_MODE, u32(o.mode ?? K.MACVLAN_MODE_PRIVATE)))),
  ]);
}

/** ipvlan mode flags by iproute2's names (IPVLAN_F_PRIVATE 1, IPVLAN_F_VEPA 2; bridge is 0). */
export const IPVLAN_FLAGS: Readonly<Record<'bridge' | 'private' | 'vepa', number>> = { bridge: 0, private: 1, vepa: 2 };

/** RTM_NEWLINK body: an L2 ipvlan on `link` named `name` (`ip link add NAME link BASE type ipvlan mode l2 FLAG`). */
export function newIpvlanBody(o: { name: string; link: number; flag?: 'bridge' | 'private' | 'vepa' }): Buffer {
  checkName(o.name);
  return Buffer.concat([
    ifinfoBody(),
    attr(K.IFLA_LINK, u32(o.link)),
    attr(K.IFLA_IFNAME, cstr(o.name)),
    nest(K.IFLA_LINKINFO, attr(K.IFLA_INFO_KIND, kindStr('ipvlan')), nest(K.IFLA_INFO_DATA, attr(K.IFLA_IPVLAN_MODE, u16(K.IPVLAN_MODE_L2)), attr(K.IFLA_IPVLAN_FLAGS, u16(IPVLAN_FLAGS[o.flag ?? 'bridge'])))),
  ]);
}

/** RTM_NEWLINK body: set IFF_UP (or clear it) on link `index`. */
export function linkUpBody(index: number, up = true): Buffer {
  const b = ifinfoBody(index);
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  v.setUint32(8, up ? K.IFF_UP : 0, HOST_LE);
  v.setUint32(12, K.IFF_UP, HOST_LE);
  return b;
}

/** RTM_DELLINK body for link `index`. */
export function delLinkBody(index: number): Buffer {
  return ifinfoBody(index);
}

/** RTM_NEWLINK body: IPv6 address generation mode of link `index` (IN6_ADDR_GEN_MODE_NONE: no automatic link-local). */
export function addrGenModeBody(index: number, mode: number): Buffer {
  return Buffer.concat([ifinfoBody(index), nest(K.IFLA_AF_SPEC, nest(K.AF_INET6, attr(K.IFLA_INET6_ADDR_GEN_MODE, Uint8Array.of(mode))))]);
}

export type Ipv4ConfName = keyof typeof K.IPV4_DEVCONF;
export type Ipv4Conf = Partial<Record<Ipv4ConfName, number>>;

/** RTM_NEWLINK body: set IPv4 per-device settings (net.ipv4.conf.IF.*) of link `index` through IFLA_INET_CONF. */
export function ipv4ConfBody(index: number, conf: Ipv4Conf): Buffer {
  const entries = Object.entries(conf).filter(([, v]) => v !== undefined) as [Ipv4ConfName, number][];
  return Buffer.concat([ifinfoBody(index), nest(K.IFLA_AF_SPEC, nest(K.AF_INET, nest(K.IFLA_INET_CONF, ...entries.map(([k, v]) => attr(K.IPV4_DEVCONF[k], u32(v))))))]);
}

/** RTM_GETLINK body asking for one link by name. */
export function getLinkByNameBody(name: string): Buffer {
  checkName(name);
  return Buffer.concat([ifinfoBody(), attr(K.IFLA_EXT_MASK, u32(K.RTEXT_FILTER_SKIP_STATS)), attr(K.IFLA_IFNAME, cstr(name))]);
}

/** What lvsd reads of a link. */
export interface LinkDetails {
  index: number;
  name: string;
  flags: number;
  mac?: string;
  /** IFLA_LINK: the parent's ifindex (a macvlan's or ipvlan's base interface). */
  link?: number;
  /** IFLA_INFO_KIND: "macvlan", "ipvlan", "veth", ...; absent for a plain device. */
  kind?: string;
  /** IFLA_INFO_DATA / IFLA_MACVLAN_MODE of a macvlan. */
  macvlanMode?: number;
  /** IFLA_INET_CONF values lvsd names. */
  ipv4Conf?: Ipv4Conf;
}

/** Attributes of a buffer: type (without NLA_F_NESTED / NLA_F_NET_BYTEORDER) -> value. */
export function parseAttrs(b: Buffer): Map<number, Buffer> {
  const out = new Map<number, Buffer>();
  let off = 0;
  while (off + 4 <= b.length) {
    const len = HOST_LE ? b.readUInt16LE(off) : b.readUInt16BE(off);
    const type = (HOST_LE ? b.readUInt16LE(off + 2) : b.readUInt16BE(off + 2)) & 0x3fff;
    if (len < 4 || off + len > b.length) throw new NlDecodeError(`attribute ${type} at offset ${off} claims ${len} bytes; ${b.length - off} left`);
    out.set(type, b.subarray(off + 4, off + len));
    off += align4(len);
  }
  return out;
}

const readU32 = (b: Buffer): number => (HOST_LE ? b.readUInt32LE(0) : b.readUInt32BE(0));

/** An RTM_NEWLINK message's payload (ifinfomsg + attributes) as LinkDetails. */
export function parseLinkDetails(payload: Buffer): LinkDetails {
  if (payload.length < 16) throw new NlDecodeError(`ifinfomsg is ${payload.length} bytes; needs 16`);
  const v = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const a = parseAttrs(payload.subarray(16));
  const name = a.get(K.IFLA_IFNAME);
  const out: LinkDetails = { index: v.getInt32(4, HOST_LE), flags: v.getUint32(8, HOST_LE), name: name ? name.toString('latin1').replace(/\0.*$/s, '') : '' };
  const mac = a.get(K.IFLA_ADDRESS);
  if (mac && mac.length === 6) out.mac = formatMac(mac);
  const link = a.get(K.IFLA_LINK);
  if (link && link.length >= 4) out.link = readU32(link);
  const info = a.get(K.IFLA_LINKINFO);
  if (info) {
    const ia = parseAttrs(info);
    const kind = ia.get(K.IFLA_INFO_KIND);
    if (kind) out.kind = kind.toString('latin1').replace(/\0.*$/s, '');
    const data = ia.get(K.IFLA_INFO_DATA);
    if (data && out.kind === 'macvlan') {
      const mode = parseAttrs(data).get(K.IFLA_MACVLAN_MODE);
      if (mode && mode.length >= 4) out.macvlanMode = readU32(mode);
    }
  }
  const spec = a.get(K.IFLA_AF_SPEC);
  const inet = spec ? parseAttrs(spec).get(K.AF_INET) : undefined;
  const conf = inet ? parseAttrs(inet).get(K.IFLA_INET_CONF) : undefined;
  if (conf) {
    // The dump form is a plain u32 array: entry i is IPV4_DEVCONF i + 1.
    const c: Ipv4Conf = {};
    for (const [k, id] of Object.entries(K.IPV4_DEVCONF) as [Ipv4ConfName, number][]) {
      const off = (id - 1) * 4;
      if (off + 4 <= conf.length) c[k] = HOST_LE ? conf.readUInt32LE(off) : conf.readUInt32BE(off);
    }
    out.ipv4Conf = c;
  }
  return out;
}
