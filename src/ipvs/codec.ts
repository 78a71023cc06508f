// Pure codec: netlink / generic netlink framing and the IPVS family's requests and replies.
//
// One IPVS request as it travels to the kernel (host byte order except where marked BE):
//
//   0               1               2               3
//   +---------------+---------------+---------------+---------------+
//   |                     nlmsg_len (whole message)                 |  struct nlmsghdr
//   +---------------+---------------+---------------+---------------+  (16 bytes)
//   |   nlmsg_type = family id      |  nlmsg_flags (REQUEST|ACK|DUMP)|
//   +---------------+---------------+---------------+---------------+
//   |                          nlmsg_seq                            |
//   +---------------+---------------+---------------+---------------+
//   |                          nlmsg_pid (our port)                 |
//   +---------------+---------------+---------------+---------------+
//   |  cmd (IPVS_CMD_*) | version=1 |           reserved            |  struct genlmsghdr (4)
//   +---------------+---------------+---------------+---------------+
//   | nla_len                       | nla_type|NLA_F_NESTED (0x8000) |  IPVS_CMD_ATTR_SERVICE
//   +---------------+---------------+---------------+---------------+
//   |   nested IPVS_SVC_ATTR_*: AF u16, PROTOCOL u16, ADDR 16 bytes, |
//   |   PORT u16 BE, FWMARK u32, SCHED_NAME "wrr\0", FLAGS {flags,   |
//   |   mask} u32+u32, TIMEOUT u32, NETMASK (IPv4: mask bytes BE;    |
//   |   IPv6: prefix length u32), PE_NAME; each padded to 4 bytes    |
//   +---------------+---------------+---------------+---------------+
//   | IPVS_CMD_ATTR_DEST (nested): ADDR_FAMILY u16, ADDR, PORT BE,   |
//   |   FWD_METHOD u32, WEIGHT u32, TUN_TYPE u8, TUN_PORT u16 BE,    |
//   |   TUN_FLAGS u16, U_THRESH u32, L_THRESH u32                    |
//   +---------------------------------------------------------------+
//
// The `netlink` package's AttrStream does not set NLA_F_NESTED; this codec does (the kernel's
// strict validation of nested attributes wants it since Linux 5.2).
import * as C from './constants.js';
import { addressToInet, formatIPv4, formatIPv6, inetToAddress } from './addr.js';
import { IpvsDecodeError } from './errors.js';
import {
  configFlags,
  describeService,
  hostPort,
  type DestEntry,
  type Destination,
  type Family,
  type Forwarding,
  type IpvsInfo,
  type Protocol,
  type Service,
  type ServiceEntry,
  type ServiceKey,
  type Stats,
  type SyncDaemon,
  type Timeouts,
  type TunnelType,
} from './types.js';

// ---------------------------------------------------------------------------------------------
// Netlink framing

export interface NlMessage {
  type: number;
  flags: number;
  seq: number;
  pid: number;
  payload: Buffer;
}

const align4 = (n: number): number => (n + 3) & ~3;

export function encodeNlMessage(type: number, flags: number, seq: number, pid: number, payload: Uint8Array): Buffer {
  const len = C.NLMSG_HDRLEN + payload.length;
  const b = Buffer.alloc(align4(len));
  b.writeUInt32LE(len, 0);
  b.writeUInt16LE(type, 4);
  b.writeUInt16LE(flags, 6);
  b.writeUInt32LE(seq >>> 0, 8);
  b.writeUInt32LE(pid >>> 0, 12);
  b.set(payload, C.NLMSG_HDRLEN);
  return b;
}

/** Splits one datagram into its netlink messages. */
export function parseNlMessages(buf: Buffer): NlMessage[] {
  const out: NlMessage[] = [];
  let off = 0;
  while (off + C.NLMSG_HDRLEN <= buf.length) {
    const len = buf.readUInt32LE(off);
    if (len < C.NLMSG_HDRLEN || off + len > buf.length) {
      throw new IpvsDecodeError('LVSD_IPVS_DECODE', `netlink message at offset ${off} claims length ${len}; ${buf.length - off} bytes left`);
    }
    out.push({
      type: buf.readUInt16LE(off + 4),
      flags: buf.readUInt16LE(off + 6),
      seq: buf.readUInt32LE(off + 8),
      pid: buf.readUInt32LE(off + 12),
      payload: buf.subarray(off + C.NLMSG_HDRLEN, off + len),
    });
    off += align4(len);
  }
  return out;
}

/** struct nlmsgerr: int error; struct nlmsghdr msg (+ the request unless capped). error 0 = ACK. */
export function parseNlError(payload: Buffer): { errno: number; seq: number } {
  if (payload.length < 4 + C.NLMSG_HDRLEN) {
    throw new IpvsDecodeError('LVSD_IPVS_DECODE', `NLMSG_ERROR payload is ${payload.length} bytes; needs ${4 + C.NLMSG_HDRLEN}`);
  }
  return { errno: -payload.readInt32LE(0), seq: payload.readUInt32LE(4 + 8) };
}

export interface GenlMessage {
  cmd: number;
  version: number;
  attrs: Buffer;
}

export function parseGenl(payload: Buffer): GenlMessage {
  if (payload.length < C.GENL_HDRLEN) {
    throw new IpvsDecodeError('LVSD_IPVS_DECODE', `generic netlink payload is ${payload.length} bytes; needs ${C.GENL_HDRLEN}`);
  }
  return { cmd: payload[0] as number, version: payload[1] as number, attrs: payload.subarray(C.GENL_HDRLEN) };
}

export function genlPayload(cmd: number, version: number, attrs: Uint8Array): Buffer {
  const b = Buffer.alloc(C.GENL_HDRLEN + attrs.length);
  b[0] = cmd;
  b[1] = version;
  b.set(attrs, C.GENL_HDRLEN);
  return b;
}

// ---------------------------------------------------------------------------------------------
// Attributes

/** Attributes by type (flags masked off); the last one wins, as nla_parse does. */
export function parseAttrs(buf: Buffer): Map<number, Buffer> {
  const m = new Map<number, Buffer>();
  let off = 0;
  while (off + C.NLA_HDRLEN <= buf.length) {
    const len = buf.readUInt16LE(off);
    const type = buf.readUInt16LE(off + 2) & C.NLA_TYPE_MASK;
    if (len < C.NLA_HDRLEN || off + len > buf.length) {
      throw new IpvsDecodeError('LVSD_IPVS_DECODE', `attribute type ${type} at offset ${off} claims length ${len}; ${buf.length - off} bytes left`);
    }
    m.set(type, buf.subarray(off + C.NLA_HDRLEN, off + len));
    off += align4(len);
  }
  return m;
}

function attr(type: number, value: Uint8Array): Buffer {
  const len = C.NLA_HDRLEN + value.length;
  const b = Buffer.alloc(align4(len));
  b.writeUInt16LE(len, 0);
  b.writeUInt16LE(type, 2);
  b.set(value, C.NLA_HDRLEN);
  return b;
}

export const nla = {
  u8: (t: number, v: number): Buffer => attr(t, Uint8Array.of(v & 0xff)),
  u16: (t: number, v: number): Buffer => {
    const b = Buffer.alloc(2);
    b.writeUInt16LE(v, 0);
    return attr(t, b);
  },
  be16: (t: number, v: number): Buffer => {
    const b = Buffer.alloc(2);
    b.writeUInt16BE(v, 0);
    return attr(t, b);
  },
  u32: (t: number, v: number): Buffer => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v >>> 0, 0);
    return attr(t, b);
  },
  be32: (t: number, v: number): Buffer => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(v >>> 0, 0);
    return attr(t, b);
  },
  bytes: (t: number, v: Uint8Array): Buffer => attr(t, v),
  /** NUL-terminated, as NLA_PUT_STRING / nla_put_string. */
  str: (t: number, v: string): Buffer => attr(t, Buffer.from(`${v}\0`, 'latin1')),
  nest: (t: number, children: Buffer[]): Buffer => attr(t | C.NLA_F_NESTED, Buffer.concat(children)),
};

function need(m: Map<number, Buffer>, t: number, what: string, size: number): Buffer {
  const v = m.get(t);
  if (!v) throw new IpvsDecodeError('LVSD_IPVS_DECODE', `${what} (attribute ${t}) is missing`);
  if (v.length < size) throw new IpvsDecodeError('LVSD_IPVS_DECODE', `${what} is ${v.length} bytes; needs ${size}`);
  return v;
}

const u16 = (m: Map<number, Buffer>, t: number, what: string): number => need(m, t, what, 2).readUInt16LE(0);
const be16 = (m: Map<number, Buffer>, t: number, what: string): number => need(m, t, what, 2).readUInt16BE(0);
const u32 = (m: Map<number, Buffer>, t: number, what: string): number => need(m, t, what, 4).readUInt32LE(0);
const cstr = (b: Buffer): string => {
  const z = b.indexOf(0);
  return b.subarray(0, z < 0 ? b.length : z).toString('latin1');
};

// ---------------------------------------------------------------------------------------------
// Model <-> wire enums

const AF: Record<Family, number> = { ipv4: C.AF_INET, ipv6: C.AF_INET6 };
const PROTO: Record<Protocol, number> = { tcp: C.IPPROTO_TCP, udp: C.IPPROTO_UDP, sctp: C.IPPROTO_SCTP };
const FWD: Record<Forwarding, number> = {
  masq: C.IP_VS_CONN_F_MASQ,
  local: C.IP_VS_CONN_F_LOCALNODE,
  tunnel: C.IP_VS_CONN_F_TUNNEL,
  route: C.IP_VS_CONN_F_DROUTE,
  bypass: C.IP_VS_CONN_F_BYPASS,
};
const TUN: Record<TunnelType, number> = {
  ipip: C.IP_VS_CONN_F_TUNNEL_TYPE_IPIP,
  gue: C.IP_VS_CONN_F_TUNNEL_TYPE_GUE,
  gre: C.IP_VS_CONN_F_TUNNEL_TYPE_GRE,
};

function invert<K extends string>(r: Record<K, number>): Map<number, K> {
  return new Map(Object.entries(r).map(([k, v]) => [v as number, k as K]));
}
const AF_BY_NUM = invert(AF);
const PROTO_BY_NUM = invert(PROTO);
const FWD_BY_NUM = invert(FWD);
const TUN_BY_NUM = invert(TUN);

export function familyNumber(f: Family): number {
  return AF[f];
}
export function protocolNumber(p: Protocol): number {
  return PROTO[p];
}
export function forwardingNumber(f: Forwarding): number {
  return FWD[f];
}

function familyOf(n: number, what: string): Family {
  const f = AF_BY_NUM.get(n);
  if (!f) throw new IpvsDecodeError('LVSD_IPVS_DECODE', `${what}: unknown address family ${n}`);
  return f;
}

// ---------------------------------------------------------------------------------------------
// IPVS request bodies

export interface IpvsRequest {
  cmd: number;
  /** NLM_F_DUMP for dumps, 0 otherwise; REQUEST and ACK are added when framed. */
  flags: number;
  attrs: Buffer;
  /** For errors and logs: "NEW_DEST TCP 10.0.0.1:80 -> 10.0.1.1:80". */
  what: string;
}

function serviceKeyAttrs(k: ServiceKey): Buffer[] {
  const a = [nla.u16(C.IPVS_SVC_ATTR_AF, AF[k.family])];
  if (k.kind === 'fwmark') {
    a.push(nla.u32(C.IPVS_SVC_ATTR_FWMARK, k.fwmark));
  } else {
    a.push(
      nla.u16(C.IPVS_SVC_ATTR_PROTOCOL, PROTO[k.protocol]),
      nla.bytes(C.IPVS_SVC_ATTR_ADDR, addressToInet(k.family, k.address)),
      nla.be16(C.IPVS_SVC_ATTR_PORT, k.port),
    );
  }
  return a;
}

/** The IPVS_CMD_ATTR_SERVICE nest: the key alone, or the full entry (NEW/SET_SERVICE), in ipvsadm's order. */
export function encodeService(s: Service | ServiceKey, full: boolean): Buffer {
  const key = 'key' in s ? s.key : s;
  const a = serviceKeyAttrs(key);
  if (full) {
    if (!('key' in s)) throw new TypeError('a full service entry needs a Service, not a key');
    a.push(nla.str(C.IPVS_SVC_ATTR_SCHED_NAME, s.scheduler));
    if (s.pe) a.push(nla.str(C.IPVS_SVC_ATTR_PE_NAME, s.pe));
    const flags = Buffer.alloc(8);
    flags.writeUInt32LE(configFlags(s.flags) >>> 0, 0);
    flags.writeUInt32LE(0xffffffff, 4); // struct ip_vs_flags.mask: every bit is given
    a.push(nla.bytes(C.IPVS_SVC_ATTR_FLAGS, flags));
    a.push(nla.u32(C.IPVS_SVC_ATTR_TIMEOUT, s.timeout));
    // IPv4: the mask as __be32; IPv6: the prefix length as a host-order u32 (kernel reads both raw).
    a.push(key.family === 'ipv4' ? nla.be32(C.IPVS_SVC_ATTR_NETMASK, s.netmask) : nla.u32(C.IPVS_SVC_ATTR_NETMASK, s.netmask));
  }
  return nla.nest(C.IPVS_CMD_ATTR_SERVICE, a);
}

type DestKey = Pick<Destination, 'family' | 'address' | 'port'>;

/** The IPVS_CMD_ATTR_DEST nest: the key alone (DEL_DEST) or the full entry, in ipvsadm's order. */
export function encodeDest(d: Destination | DestKey, full: boolean): Buffer {
  const a = [
    nla.u16(C.IPVS_DEST_ATTR_ADDR_FAMILY, AF[d.family]),
    nla.bytes(C.IPVS_DEST_ATTR_ADDR, addressToInet(d.family, d.address)),
    nla.be16(C.IPVS_DEST_ATTR_PORT, d.port),
  ];
  if (full) {
    if (!('forwarding' in d)) throw new TypeError('a full destination entry needs a Destination, not a key');
    a.push(
      nla.u32(C.IPVS_DEST_ATTR_FWD_METHOD, FWD[d.forwarding]),
      nla.u32(C.IPVS_DEST_ATTR_WEIGHT, d.weight),
      nla.u8(C.IPVS_DEST_ATTR_TUN_TYPE, TUN[d.tunnelType]),
      nla.be16(C.IPVS_DEST_ATTR_TUN_PORT, d.tunnelPort),
      nla.u16(C.IPVS_DEST_ATTR_TUN_FLAGS, d.tunnelFlags),
      nla.u32(C.IPVS_DEST_ATTR_U_THRESH, d.upperThreshold),
      nla.u32(C.IPVS_DEST_ATTR_L_THRESH, d.lowerThreshold),
    );
  }
  return nla.nest(C.IPVS_CMD_ATTR_DEST, a);
}

const svcWhat = (cmd: number, k: ServiceKey): string => `${C.IPVS_CMD_NAMES[cmd]} ${describeService(k)}`;
const destWhat = (cmd: number, k: ServiceKey, d: DestKey): string =>
  `${svcWhat(cmd, k)} -> ${hostPort(d.family, d.address, d.port)}`;

export const req = {
  newService: (s: Service): IpvsRequest => ({
    cmd: C.IPVS_CMD_NEW_SERVICE,
    flags: 0,
    attrs: encodeService(s, true),
    what: svcWhat(C.IPVS_CMD_NEW_SERVICE, s.key),
  }),
  setService: (s: Service): IpvsRequest => ({
    cmd: C.IPVS_CMD_SET_SERVICE,
    flags: 0,
    attrs: encodeService(s, true),
    what: svcWhat(C.IPVS_CMD_SET_SERVICE, s.key),
  }),
  delService: (k: ServiceKey): IpvsRequest => ({
    cmd: C.IPVS_CMD_DEL_SERVICE,
    flags: 0,
    attrs: encodeService(k, false),
    what: svcWhat(C.IPVS_CMD_DEL_SERVICE, k),
  }),
  getService: (k: ServiceKey): IpvsRequest => ({
    cmd: C.IPVS_CMD_GET_SERVICE,
    flags: 0,
    attrs: encodeService(k, false),
    what: svcWhat(C.IPVS_CMD_GET_SERVICE, k),
  }),
  dumpServices: (): IpvsRequest => ({ cmd: C.IPVS_CMD_GET_SERVICE, flags: C.NLM_F_DUMP, attrs: Buffer.alloc(0), what: 'GET_SERVICE dump' }),
  newDest: (k: ServiceKey, d: Destination): IpvsRequest => ({
    cmd: C.IPVS_CMD_NEW_DEST,
    flags: 0,
    attrs: Buffer.concat([encodeService(k, false), encodeDest(d, true)]),
    what: destWhat(C.IPVS_CMD_NEW_DEST, k, d),
  }),
  setDest: (k: ServiceKey, d: Destination): IpvsRequest => ({
    cmd: C.IPVS_CMD_SET_DEST,
    flags: 0,
    attrs: Buffer.concat([encodeService(k, false), encodeDest(d, true)]),
    what: destWhat(C.IPVS_CMD_SET_DEST, k, d),
  }),
  delDest: (k: ServiceKey, d: DestKey): IpvsRequest => ({
    cmd: C.IPVS_CMD_DEL_DEST,
    flags: 0,
    attrs: Buffer.concat([encodeService(k, false), encodeDest(d, false)]),
    what: destWhat(C.IPVS_CMD_DEL_DEST, k, d),
  }),
  dumpDests: (k: ServiceKey): IpvsRequest => ({
    cmd: C.IPVS_CMD_GET_DEST,
    flags: C.NLM_F_DUMP,
    attrs: encodeService(k, false),
    what: `GET_DEST dump ${describeService(k)}`,
  }),
  getInfo: (): IpvsRequest => ({ cmd: C.IPVS_CMD_GET_INFO, flags: 0, attrs: Buffer.alloc(0), what: 'GET_INFO' }),
  getConfig: (): IpvsRequest => ({ cmd: C.IPVS_CMD_GET_CONFIG, flags: 0, attrs: Buffer.alloc(0), what: 'GET_CONFIG' }),
  /** 0 leaves a timeout unchanged (the kernel skips zero values). */
  setConfig: (t: Timeouts): IpvsRequest => ({
    cmd: C.IPVS_CMD_SET_CONFIG,
    flags: 0,
    attrs: Buffer.concat([
      nla.u32(C.IPVS_CMD_ATTR_TIMEOUT_TCP, t.tcp),
      nla.u32(C.IPVS_CMD_ATTR_TIMEOUT_TCP_FIN, t.tcpFin),
      nla.u32(C.IPVS_CMD_ATTR_TIMEOUT_UDP, t.udp),
    ]),
    what: 'SET_CONFIG',
  }),
  newDaemon: (d: SyncDaemon): IpvsRequest => {
    const a = [
      nla.u32(C.IPVS_DAEMON_ATTR_STATE, d.state === 'master' ? C.IP_VS_STATE_MASTER : C.IP_VS_STATE_BACKUP),
      nla.str(C.IPVS_DAEMON_ATTR_MCAST_IFN, d.mcastIfn),
      nla.u32(C.IPVS_DAEMON_ATTR_SYNC_ID, d.syncId),
    ];
    if (d.syncMaxLen) a.push(nla.u16(C.IPVS_DAEMON_ATTR_SYNC_MAXLEN, d.syncMaxLen));
    if (d.mcastPort) a.push(nla.u16(C.IPVS_DAEMON_ATTR_MCAST_PORT, d.mcastPort));
    if (d.mcastTtl) a.push(nla.u8(C.IPVS_DAEMON_ATTR_MCAST_TTL, d.mcastTtl));
    if (d.mcastGroup) {
      const fam: Family = d.mcastGroup.includes(':') ? 'ipv6' : 'ipv4';
      const bytes = addressToInet(fam, d.mcastGroup);
      a.push(
        fam === 'ipv6'
          ? nla.bytes(C.IPVS_DAEMON_ATTR_MCAST_GROUP6, bytes)
          : nla.bytes(C.IPVS_DAEMON_ATTR_MCAST_GROUP, bytes.subarray(0, 4)),
      );
    }
    return { cmd: C.IPVS_CMD_NEW_DAEMON, flags: 0, attrs: nla.nest(C.IPVS_CMD_ATTR_DAEMON, a), what: `NEW_DAEMON ${d.state}` };
  },
  delDaemon: (state: 'master' | 'backup'): IpvsRequest => ({
    cmd: C.IPVS_CMD_DEL_DAEMON,
    flags: 0,
    attrs: nla.nest(C.IPVS_CMD_ATTR_DAEMON, [
      nla.u32(C.IPVS_DAEMON_ATTR_STATE, state === 'master' ? C.IP_VS_STATE_MASTER : C.IP_VS_STATE_BACKUP),
    ]),
    what: `DEL_DAEMON ${state}`,
  }),
  dumpDaemons: (): IpvsRequest => ({ cmd: C.IPVS_CMD_GET_DAEMON, flags: C.NLM_F_DUMP, attrs: Buffer.alloc(0), what: 'GET_DAEMON dump' }),
  flush: (): IpvsRequest => ({ cmd: C.IPVS_CMD_FLUSH, flags: 0, attrs: Buffer.alloc(0), what: 'FLUSH' }),
  zero: (k?: ServiceKey): IpvsRequest => ({
    cmd: C.IPVS_CMD_ZERO,
    flags: 0,
    attrs: k ? encodeService(k, false) : Buffer.alloc(0),
    what: k ? svcWhat(C.IPVS_CMD_ZERO, k) : 'ZERO',
  }),
};

/** Frames an IPVS request: nlmsghdr + genlmsghdr + attributes. `ack` asks the kernel to confirm success. */
export function frameRequest(familyId: number, r: IpvsRequest, seq: number, pid: number, ack: boolean): Buffer {
  const flags = C.NLM_F_REQUEST | r.flags | (ack ? C.NLM_F_ACK : 0);
  return encodeNlMessage(familyId, flags, seq, pid, genlPayload(r.cmd, C.IPVS_GENL_VERSION, r.attrs));
}

/** CTRL_CMD_GETFAMILY for a family name (resolves "IPVS" to its dynamic id). */
export function frameGetFamily(name: string, seq: number, pid: number): Buffer {
  return encodeNlMessage(
    C.GENL_ID_CTRL,
    C.NLM_F_REQUEST | C.NLM_F_ACK,
    seq,
    pid,
    genlPayload(C.CTRL_CMD_GETFAMILY, 1, nla.str(C.CTRL_ATTR_FAMILY_NAME, name)),
  );
}

export function decodeFamilyId(genl: GenlMessage): number {
  return u16(parseAttrs(genl.attrs), C.CTRL_ATTR_FAMILY_ID, 'CTRL_ATTR_FAMILY_ID');
}

// ---------------------------------------------------------------------------------------------
// IPVS replies

const STAT_FIELDS: [number, keyof Stats][] = [
  [C.IPVS_STATS_ATTR_CONNS, 'conns'],
  [C.IPVS_STATS_ATTR_INPKTS, 'inpkts'],
  [C.IPVS_STATS_ATTR_OUTPKTS, 'outpkts'],
  [C.IPVS_STATS_ATTR_INBYTES, 'inbytes'],
  [C.IPVS_STATS_ATTR_OUTBYTES, 'outbytes'],
  [C.IPVS_STATS_ATTR_CPS, 'cps'],
  [C.IPVS_STATS_ATTR_INPPS, 'inpps'],
  [C.IPVS_STATS_ATTR_OUTPPS, 'outpps'],
  [C.IPVS_STATS_ATTR_INBPS, 'inbps'],
  [C.IPVS_STATS_ATTR_OUTBPS, 'outbps'],
];

/** A nested stats attribute: u64 values in STATS64; in STATS only the byte counters are u64. */
export function decodeStats(b: Buffer, what: string): Stats {
  const m = parseAttrs(b);
  const s = {} as Stats;
  for (const [t, k] of STAT_FIELDS) {
    const v = m.get(t);
    if (!v) throw new IpvsDecodeError('LVSD_IPVS_DECODE', `${what}.${k} is missing`);
    if (v.length >= 8) s[k] = v.readBigUInt64LE(0);
    else if (v.length >= 4) s[k] = BigInt(v.readUInt32LE(0));
    else throw new IpvsDecodeError('LVSD_IPVS_DECODE', `${what}.${k} is ${v.length} bytes`);
  }
  return s;
}

function statsOf(m: Map<number, Buffer>, t64: number, t32: number, what: string): Stats {
  const s64 = m.get(t64);
  if (s64) return decodeStats(s64, `${what} stats64`);
  return decodeStats(need(m, t32, `${what} stats`, 0), `${what} stats`);
}

/** One service from a GET_SERVICE reply or dump: the attributes inside IPVS_CMD_ATTR_SERVICE. */
export function decodeService(nest: Buffer): ServiceEntry {
  const m = parseAttrs(nest);
  const family = familyOf(u16(m, C.IPVS_SVC_ATTR_AF, 'service AF'), 'service');
  let key: ServiceKey;
  const fw = m.get(C.IPVS_SVC_ATTR_FWMARK);
  const fwmark = fw && fw.length >= 4 ? fw.readUInt32LE(0) : 0;
  if (fwmark !== 0) {
    key = { kind: 'fwmark', family, fwmark };
  } else {
    const pn = u16(m, C.IPVS_SVC_ATTR_PROTOCOL, 'service PROTOCOL');
    const protocol = PROTO_BY_NUM.get(pn);
    if (!protocol) throw new IpvsDecodeError('LVSD_IPVS_DECODE', `service: unknown protocol ${pn}`);
    key = {
      kind: 'addr',
      family,
      protocol,
      address: inetToAddress(family, need(m, C.IPVS_SVC_ATTR_ADDR, 'service ADDR', 4)),
      port: be16(m, C.IPVS_SVC_ATTR_PORT, 'service PORT'),
    };
  }
  const fl = need(m, C.IPVS_SVC_ATTR_FLAGS, 'service FLAGS', 8);
  const nm = need(m, C.IPVS_SVC_ATTR_NETMASK, 'service NETMASK', 4);
  const pe = m.get(C.IPVS_SVC_ATTR_PE_NAME);
  return {
    key,
    scheduler: cstr(need(m, C.IPVS_SVC_ATTR_SCHED_NAME, 'service SCHED_NAME', 1)),
    flags: configFlags((fl.readUInt32LE(0) & fl.readUInt32LE(4)) >>> 0),
    timeout: u32(m, C.IPVS_SVC_ATTR_TIMEOUT, 'service TIMEOUT'),
    netmask: family === 'ipv4' ? nm.readUInt32BE(0) : nm.readUInt32LE(0),
    pe: pe ? cstr(pe) : '',
    stats: statsOf(m, C.IPVS_SVC_ATTR_STATS64, C.IPVS_SVC_ATTR_STATS, 'service'),
  };
}

/** One destination from a GET_DEST dump. Its family defaults to the service's (kernels before 4.16 omit it). */
export function decodeDest(nest: Buffer, serviceFamily: Family): DestEntry {
  const m = parseAttrs(nest);
  const af = m.get(C.IPVS_DEST_ATTR_ADDR_FAMILY);
  const family = af && af.length >= 2 ? familyOf(af.readUInt16LE(0), 'destination') : serviceFamily;
  const fwdNum = u32(m, C.IPVS_DEST_ATTR_FWD_METHOD, 'destination FWD_METHOD') & C.IP_VS_CONN_F_FWD_MASK;
  const forwarding = FWD_BY_NUM.get(fwdNum);
  if (!forwarding) throw new IpvsDecodeError('LVSD_IPVS_DECODE', `destination: unknown forwarding method ${fwdNum}`);
  const tt = m.get(C.IPVS_DEST_ATTR_TUN_TYPE);
  const tunNum = tt && tt.length >= 1 ? (tt[0] as number) : 0;
  const tunnelType = TUN_BY_NUM.get(tunNum);
  if (!tunnelType) throw new IpvsDecodeError('LVSD_IPVS_DECODE', `destination: unknown tunnel type ${tunNum}`);
  const tp = m.get(C.IPVS_DEST_ATTR_TUN_PORT);
  const tf = m.get(C.IPVS_DEST_ATTR_TUN_FLAGS);
  return {
    family,
    address: inetToAddress(family, need(m, C.IPVS_DEST_ATTR_ADDR, 'destination ADDR', 4)),
    port: be16(m, C.IPVS_DEST_ATTR_PORT, 'destination PORT'),
    forwarding,
    weight: u32(m, C.IPVS_DEST_ATTR_WEIGHT, 'destination WEIGHT'),
    upperThreshold: u32(m, C.IPVS_DEST_ATTR_U_THRESH, 'destination U_THRESH'),
    lowerThreshold: u32(m, C.IPVS_DEST_ATTR_L_THRESH, 'destination L_THRESH'),
    tunnelType,
    tunnelPort: tp && tp.length >= 2 ? tp.readUInt16BE(0) : 0,
    tunnelFlags: tf && tf.length >= 2 ? tf.readUInt16LE(0) : 0,
    activeConns: u32(m, C.IPVS_DEST_ATTR_ACTIVE_CONNS, 'destination ACTIVE_CONNS'),
    inactConns: u32(m, C.IPVS_DEST_ATTR_INACT_CONNS, 'destination INACT_CONNS'),
    persistConns: u32(m, C.IPVS_DEST_ATTR_PERSIST_CONNS, 'destination PERSIST_CONNS'),
    stats: statsOf(m, C.IPVS_DEST_ATTR_STATS64, C.IPVS_DEST_ATTR_STATS, 'destination'),
  };
}

/** The service carried by one message of a GET_SERVICE dump or reply. */
export function decodeServiceMessage(genl: GenlMessage): ServiceEntry {
  return decodeService(need(parseAttrs(genl.attrs), C.IPVS_CMD_ATTR_SERVICE, 'IPVS_CMD_ATTR_SERVICE', 0));
}

export function decodeDestMessage(genl: GenlMessage, serviceFamily: Family): DestEntry {
  return decodeDest(need(parseAttrs(genl.attrs), C.IPVS_CMD_ATTR_DEST, 'IPVS_CMD_ATTR_DEST', 0), serviceFamily);
}

export function decodeInfo(genl: GenlMessage): IpvsInfo {
  const m = parseAttrs(genl.attrs);
  return {
    version: u32(m, C.IPVS_INFO_ATTR_VERSION, 'IPVS_INFO_ATTR_VERSION'),
    connTabSize: u32(m, C.IPVS_INFO_ATTR_CONN_TAB_SIZE, 'IPVS_INFO_ATTR_CONN_TAB_SIZE'),
  };
}

export function decodeTimeouts(genl: GenlMessage): Timeouts {
  const m = parseAttrs(genl.attrs);
  const get = (t: number): number => {
    const v = m.get(t);
    return v && v.length >= 4 ? v.readUInt32LE(0) : 0;
  };
  return {
    tcp: get(C.IPVS_CMD_ATTR_TIMEOUT_TCP),
    tcpFin: get(C.IPVS_CMD_ATTR_TIMEOUT_TCP_FIN),
    udp: get(C.IPVS_CMD_ATTR_TIMEOUT_UDP),
  };
}

export function decodeDaemon(genl: GenlMessage): SyncDaemon {
  const m = parseAttrs(need(parseAttrs(genl.attrs), C.IPVS_CMD_ATTR_DAEMON, 'IPVS_CMD_ATTR_DAEMON', 0));
  const state = u32(m, C.IPVS_DAEMON_ATTR_STATE, 'daemon STATE');
  const d: SyncDaemon = {
    state: state & C.IP_VS_STATE_MASTER ? 'master' : 'backup',
    mcastIfn: cstr(need(m, C.IPVS_DAEMON_ATTR_MCAST_IFN, 'daemon MCAST_IFN', 0)),
    syncId: u32(m, C.IPVS_DAEMON_ATTR_SYNC_ID, 'daemon SYNC_ID'),
  };
  const ml = m.get(C.IPVS_DAEMON_ATTR_SYNC_MAXLEN);
  if (ml && ml.length >= 2) d.syncMaxLen = ml.readUInt16LE(0);
  const g4 = m.get(C.IPVS_DAEMON_ATTR_MCAST_GROUP);
  const g6 = m.get(C.IPVS_DAEMON_ATTR_MCAST_GROUP6);
  if (g4 && g4.length >= 4) d.mcastGroup = formatIPv4(g4);
  else if (g6 && g6.length >= 16) d.mcastGroup = formatIPv6(g6);
  const mp = m.get(C.IPVS_DAEMON_ATTR_MCAST_PORT);
  if (mp && mp.length >= 2) d.mcastPort = mp.readUInt16LE(0);
  const mt = m.get(C.IPVS_DAEMON_ATTR_MCAST_TTL);
  if (mt && mt.length >= 1) d.mcastTtl = mt[0] as number;
  return d;
}
