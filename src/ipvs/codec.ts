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
// The `netlink` package's AttrStream does not set NLA_F_NESTED; this codec does, as libnl's
// nla_nest_start does for ipvsadm. Framing and the writer live in netlink.ts.
import * as C from './constants.js';
import { addressToInet, formatIPv4, formatIPv6, inetToAddress, writeInet } from './addr.js';
import { IpvsDecodeError } from './errors.js';
import { NlWriter, parseAttrs, type GenlMessage } from './netlink.js';

export {
  NlWriter,
  decodeFamilyId,
  encodeNlMessage,
  frameGetFamily,
  nla,
  parseAttrs,
  parseGenl,
  parseNlError,
  parseNlMessages,
  type GenlMessage,
  type NlMessage,
} from './netlink.js';
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
  /** Writes the attributes after the generic netlink header. */
  body: (w: NlWriter) => void;
  /** For errors and logs: "NEW_DEST TCP 10.0.0.1:80 -> 10.0.1.1:80" (built on demand). */
  readonly what: string;
}

function writeServiceKey(w: NlWriter, k: ServiceKey): void {
  w.u16(C.IPVS_SVC_ATTR_AF, AF[k.family]);
  if (k.kind === 'fwmark') {
    w.u32(C.IPVS_SVC_ATTR_FWMARK, k.fwmark);
  } else {
    w.u16(C.IPVS_SVC_ATTR_PROTOCOL, PROTO[k.protocol]);
    writeInet(w, C.IPVS_SVC_ATTR_ADDR, k.family, k.address);
    w.be16(C.IPVS_SVC_ATTR_PORT, k.port);
  }
}

/** The IPVS_CMD_ATTR_SERVICE nest: the key alone, or the full entry (NEW/SET_SERVICE), in ipvsadm's order. */
export function writeService(w: NlWriter, s: Service | ServiceKey, full: boolean): void {
  const key = 'key' in s ? s.key : s;
  const nest = w.beginNest(C.IPVS_CMD_ATTR_SERVICE);
  writeServiceKey(w, key);
  if (full) {
    if (!('key' in s)) throw new TypeError('a full service entry needs a Service, not a key');
    w.str(C.IPVS_SVC_ATTR_SCHED_NAME, s.scheduler);
    if (s.pe) w.str(C.IPVS_SVC_ATTR_PE_NAME, s.pe);
    // struct ip_vs_flags { flags, mask }: every bit is given
    w.bytes(C.IPVS_SVC_ATTR_FLAGS, flagsValue(configFlags(s.flags)));
    w.u32(C.IPVS_SVC_ATTR_TIMEOUT, s.timeout);
    // IPv4: the mask as __be32; IPv6: the prefix length as a host-order u32 (the kernel reads both raw).
    if (key.family === 'ipv4') w.be32(C.IPVS_SVC_ATTR_NETMASK, s.netmask);
    else w.u32(C.IPVS_SVC_ATTR_NETMASK, s.netmask);
  }
  w.endNest(nest);
}

const flagsCache = new Map<number, Buffer>();
function flagsValue(flags: number): Buffer {
  let b = flagsCache.get(flags);
  if (!b) {
    b = Buffer.alloc(8);
    b.writeUInt32LE(flags >>> 0, 0);
    b.writeUInt32LE(0xffffffff, 4);
    flagsCache.set(flags, b);
  }
  return b;
}

type DestKey = Pick<Destination, 'family' | 'address' | 'port'>;

/** The IPVS_CMD_ATTR_DEST nest: the key alone (DEL_DEST) or the full entry, in ipvsadm's order. */
export function writeDest(w: NlWriter, d: Destination | DestKey, full: boolean): void {
  const nest = w.beginNest(C.IPVS_CMD_ATTR_DEST);
  w.u16(C.IPVS_DEST_ATTR_ADDR_FAMILY, AF[d.family]);
  writeInet(w, C.IPVS_DEST_ATTR_ADDR, d.family, d.address);
  w.be16(C.IPVS_DEST_ATTR_PORT, d.port);
  if (full) {
    if (!('forwarding' in d)) throw new TypeError('a full destination entry needs a Destination, not a key');
    w.u32(C.IPVS_DEST_ATTR_FWD_METHOD, FWD[d.forwarding])
      .u32(C.IPVS_DEST_ATTR_WEIGHT, d.weight)
      .u8(C.IPVS_DEST_ATTR_TUN_TYPE, TUN[d.tunnelType])
      .be16(C.IPVS_DEST_ATTR_TUN_PORT, d.tunnelPort)
      .u16(C.IPVS_DEST_ATTR_TUN_FLAGS, d.tunnelFlags)
      .u32(C.IPVS_DEST_ATTR_U_THRESH, d.upperThreshold)
      .u32(C.IPVS_DEST_ATTR_L_THRESH, d.lowerThreshold);
  }
  w.endNest(nest);
}

export function encodeService(s: Service | ServiceKey, full: boolean): Buffer {
  const w = new NlWriter(128);
  writeService(w, s, full);
  return w.finish();
}

export function encodeDest(d: Destination | DestKey, full: boolean): Buffer {
  const w = new NlWriter(128);
  writeDest(w, d, full);
  return w.finish();
}

const svcWhat = (cmd: number, k: ServiceKey): string => `${C.IPVS_CMD_NAMES[cmd]} ${describeService(k)}`;
const destWhat = (cmd: number, k: ServiceKey, d: DestKey): string =>
  `${svcWhat(cmd, k)} -> ${hostPort(d.family, d.address, d.port)}`;

class Request implements IpvsRequest {
  constructor(
    readonly cmd: number,
    readonly flags: number,
    readonly body: (w: NlWriter) => void,
    private readonly describe: () => string,
  ) {}
  get what(): string {
    return this.describe();
  }
}
function request(cmd: number, flags: number, body: (w: NlWriter) => void, what: () => string): IpvsRequest {
  return new Request(cmd, flags, body, what);
}
const noBody = (): void => undefined;

export const req = {
  newService: (s: Service): IpvsRequest =>
    request(C.IPVS_CMD_NEW_SERVICE, 0, (w) => writeService(w, s, true), () => svcWhat(C.IPVS_CMD_NEW_SERVICE, s.key)),
  setService: (s: Service): IpvsRequest =>
    request(C.IPVS_CMD_SET_SERVICE, 0, (w) => writeService(w, s, true), () => svcWhat(C.IPVS_CMD_SET_SERVICE, s.key)),
  delService: (k: ServiceKey): IpvsRequest =>
    request(C.IPVS_CMD_DEL_SERVICE, 0, (w) => writeService(w, k, false), () => svcWhat(C.IPVS_CMD_DEL_SERVICE, k)),
  getService: (k: ServiceKey): IpvsRequest =>
    request(C.IPVS_CMD_GET_SERVICE, 0, (w) => writeService(w, k, false), () => svcWhat(C.IPVS_CMD_GET_SERVICE, k)),
  dumpServices: (): IpvsRequest => request(C.IPVS_CMD_GET_SERVICE, C.NLM_F_DUMP, noBody, () => 'GET_SERVICE dump'),
  newDest: (k: ServiceKey, d: Destination): IpvsRequest =>
    request(
      C.IPVS_CMD_NEW_DEST,
      0,
      (w) => {
        writeService(w, k, false);
        writeDest(w, d, true);
      },
      () => destWhat(C.IPVS_CMD_NEW_DEST, k, d),
    ),
  setDest: (k: ServiceKey, d: Destination): IpvsRequest =>
    request(
      C.IPVS_CMD_SET_DEST,
      0,
      (w) => {
        writeService(w, k, false);
        writeDest(w, d, true);
      },
      () => destWhat(C.IPVS_CMD_SET_DEST, k, d),
    ),
  delDest: (k: ServiceKey, d: DestKey): IpvsRequest =>
    request(
      C.IPVS_CMD_DEL_DEST,
      0,
      (w) => {
        writeService(w, k, false);
        writeDest(w, d, false);
      },
      () => destWhat(C.IPVS_CMD_DEL_DEST, k, d),
    ),
  dumpDests: (k: ServiceKey): IpvsRequest =>
    request(C.IPVS_CMD_GET_DEST, C.NLM_F_DUMP, (w) => writeService(w, k, false), () => `GET_DEST dump ${describeService(k)}`),
  getInfo: (): IpvsRequest => request(C.IPVS_CMD_GET_INFO, 0, noBody, () => 'GET_INFO'),
  getConfig: (): IpvsRequest => request(C.IPVS_CMD_GET_CONFIG, 0, noBody, () => 'GET_CONFIG'),
  /** 0 leaves a timeout unchanged (the kernel skips zero values). */
  setConfig: (t: Timeouts): IpvsRequest =>
    request(
      C.IPVS_CMD_SET_CONFIG,
      0,
      (w) => {
        w.u32(C.IPVS_CMD_ATTR_TIMEOUT_TCP, t.tcp).u32(C.IPVS_CMD_ATTR_TIMEOUT_TCP_FIN, t.tcpFin).u32(C.IPVS_CMD_ATTR_TIMEOUT_UDP, t.udp);
      },
      () => 'SET_CONFIG',
    ),
  newDaemon: (d: SyncDaemon): IpvsRequest =>
    request(
      C.IPVS_CMD_NEW_DAEMON,
      0,
      (w) => {
        const n = w.beginNest(C.IPVS_CMD_ATTR_DAEMON);
        w.u32(C.IPVS_DAEMON_ATTR_STATE, d.state === 'master' ? C.IP_VS_STATE_MASTER : C.IP_VS_STATE_BACKUP)
          .str(C.IPVS_DAEMON_ATTR_MCAST_IFN, d.mcastIfn)
          .u32(C.IPVS_DAEMON_ATTR_SYNC_ID, d.syncId);
        if (d.syncMaxLen) w.u16(C.IPVS_DAEMON_ATTR_SYNC_MAXLEN, d.syncMaxLen);
        if (d.mcastPort) w.u16(C.IPVS_DAEMON_ATTR_MCAST_PORT, d.mcastPort);
        if (d.mcastTtl) w.u8(C.IPVS_DAEMON_ATTR_MCAST_TTL, d.mcastTtl);
        if (d.mcastGroup) {
          const fam: Family = d.mcastGroup.includes(':') ? 'ipv6' : 'ipv4';
          const bytes = addressToInet(fam, d.mcastGroup);
          if (fam === 'ipv6') w.bytes(C.IPVS_DAEMON_ATTR_MCAST_GROUP6, bytes);
          else w.bytes(C.IPVS_DAEMON_ATTR_MCAST_GROUP, bytes.subarray(0, 4));
        }
        w.endNest(n);
      },
      () => `NEW_DAEMON ${d.state}`,
    ),
  delDaemon: (state: 'master' | 'backup'): IpvsRequest =>
    request(
      C.IPVS_CMD_DEL_DAEMON,
      0,
      (w) => {
        const n = w.beginNest(C.IPVS_CMD_ATTR_DAEMON);
        w.u32(C.IPVS_DAEMON_ATTR_STATE, state === 'master' ? C.IP_VS_STATE_MASTER : C.IP_VS_STATE_BACKUP);
        w.endNest(n);
      },
      () => `DEL_DAEMON ${state}`,
    ),
  dumpDaemons: (): IpvsRequest => request(C.IPVS_CMD_GET_DAEMON, C.NLM_F_DUMP, noBody, () => 'GET_DAEMON dump'),
  flush: (): IpvsRequest => request(C.IPVS_CMD_FLUSH, 0, noBody, () => 'FLUSH'),
  zero: (k?: ServiceKey): IpvsRequest =>
    request(C.IPVS_CMD_ZERO, 0, (w) => (k ? writeService(w, k, false) : undefined), () => (k ? svcWhat(C.IPVS_CMD_ZERO, k) : 'ZERO')),
};

/** Appends one framed IPVS request (nlmsghdr + genlmsghdr + attributes) to `w`. */
export function writeRequest(w: NlWriter, familyId: number, r: IpvsRequest, seq: number, pid: number, ack: boolean): void {
  const m = w.beginMessage(familyId, C.NLM_F_REQUEST | r.flags | (ack ? C.NLM_F_ACK : 0), seq, pid);
  w.genl(r.cmd, C.IPVS_GENL_VERSION);
  r.body(w);
  w.endMessage(m);
}

/** Frames one IPVS request. `ack` asks the kernel to confirm success. */
export function frameRequest(familyId: number, r: IpvsRequest, seq: number, pid: number, ack: boolean): Buffer {
  const w = new NlWriter(256);
  writeRequest(w, familyId, r, seq, pid, ack);
  return w.finish();
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

/** The key of a service nest (AF and FWMARK, or AF, PROTOCOL, ADDR and PORT). */
export function decodeServiceKey(m: Map<number, Buffer>): ServiceKey {
  const family = familyOf(u16(m, C.IPVS_SVC_ATTR_AF, 'service AF'), 'service');
  const fw = m.get(C.IPVS_SVC_ATTR_FWMARK);
  const fwmark = fw && fw.length >= 4 ? fw.readUInt32LE(0) : 0;
  if (fwmark !== 0) return { kind: 'fwmark', family, fwmark };
  const pn = u16(m, C.IPVS_SVC_ATTR_PROTOCOL, 'service PROTOCOL');
  const protocol = PROTO_BY_NUM.get(pn);
  if (!protocol) throw new IpvsDecodeError('LVSD_IPVS_DECODE', `service: unknown protocol ${pn}`);
  return {
    kind: 'addr',
    family,
    protocol,
    address: inetToAddress(family, need(m, C.IPVS_SVC_ATTR_ADDR, 'service ADDR', 4)),
    port: be16(m, C.IPVS_SVC_ATTR_PORT, 'service PORT'),
  };
}

/** One service from a GET_SERVICE reply or dump: the attributes inside IPVS_CMD_ATTR_SERVICE. */
export function decodeService(nest: Buffer): ServiceEntry {
  const m = parseAttrs(nest);
  const key = decodeServiceKey(m);
  const family = key.family;
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
