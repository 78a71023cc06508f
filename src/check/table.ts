// Pure mapping: the resolved virtual servers and the destinations the policy wants now, as the
// IPVS table model the reconciler applies (src/ipvs/types.ts). A virtual_server_group range
// stands for one service per address, as keepalived programs it (ipvswrapper.c
// ipvs_group_range_cmd: IPv4 steps the address, IPv6 its last 16 bits).
import type { ResolvedForwarding, ResolvedService, ResolvedVirtualServer } from '../config/resolve-lvs.js';
import { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from '../ipvs/addr.js';
import { makeDest, makeService, type Destination, type Family, type Forwarding, type Protocol, type Service, type ServiceKey, type TunnelType, type VirtualServer } from '../ipvs/types.js';
import type { DesiredDest } from './aggregate.js';

export function ipvsFamily(address: string): Family {
  return address.includes(':') ? 'ipv6' : 'ipv4';
}

/** Addresses first..last of a group range. */
export function expandRange(first: string, last: string): string[] {
  if (first === last) return [first];
  const v6 = first.includes(':');
  const a = v6 ? parseIPv6(first) : parseIPv4(first);
  const b = v6 ? parseIPv6(last) : parseIPv4(last);
  if (!a || !b) return [first];
  const out: string[] = [];
  if (!v6) {
    const x = ((a[0] as number) << 24 | (a[1] as number) << 16 | (a[2] as number) << 8 | (a[3] as number)) >>> 0;
    const y = ((b[0] as number) << 24 | (b[1] as number) << 16 | (b[2] as number) << 8 | (b[3] as number)) >>> 0;
    for (let n = x; n <= y && out.length < 65536; n++) out.push(formatIPv4(Uint8Array.of(n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255)));
    return out;
  }
  const lo = ((a[14] as number) << 8) | (a[15] as number);
  const hi = ((b[14] as number) << 8) | (b[15] as number);
  for (let n = lo; n <= hi; n++) {
    const c = Uint8Array.from(a);
    c[14] = n >> 8;
    c[15] = n & 255;
    out.push(formatIPv6(c));
  }
  return out;
}

export function serviceKeys(s: ResolvedService): ServiceKey[] {
  if (s.kind === 'fwmark') return [{ kind: 'fwmark', family: s.family === 'inet6' ? 'ipv6' : 'ipv4', fwmark: s.fwmark }];
  const protocol = s.protocol.toLowerCase() as Protocol;
  return expandRange(s.first, s.last).map((address) => ({ kind: 'addr', family: ipvsFamily(address), protocol, address, port: s.port }));
}

const SCHED_FLAGS = [
  ['flag_1', 'flag-1'], ['flag_2', 'flag-2'], ['flag_3', 'flag-3'],
  ['sh_port', 'sh-port'], ['sh_fallback', 'sh-fallback'], ['mh_port', 'mh-port'], ['mh_fallback', 'mh-fallback'],
] as const;

export function serviceOf(vs: ResolvedVirtualServer, key: ServiceKey): Service {
  const schedFlags: string[] = [];
  for (const [k, name] of SCHED_FLAGS) {
    // flag-1..3 and the sh/mh names are the same bits; name each bit once.
    if (vs.flags[k] && !(k.startsWith('flag') && ((k === 'flag_1' && (vs.flags.sh_fallback || vs.flags.mh_fallback)) || (k === 'flag_2' && (vs.flags.sh_port || vs.flags.mh_port))))) schedFlags.push(name);
  }
  const o: Parameters<typeof makeService>[1] = { scheduler: vs.lvs_sched, onePacket: vs.flags.ops, schedFlags };
  if (vs.persistence) {
    o.persistence = vs.persistence.timeout;
    if (vs.persistence.granularity !== undefined) o.netmask = vs.persistence.granularity;
    if (vs.persistence.engine) o.pe = vs.persistence.engine;
  }
  return makeService(key, o);
}

const FORWARDING: Record<ResolvedForwarding['method'], Forwarding> = { NAT: 'masq', DR: 'route', TUN: 'tunnel' };
const CSUM: Record<string, number> = { nocsum: 0, csum: 1, remcsum: 2 };

export function destinationOf(d: DesiredDest, method: ResolvedForwarding): Destination {
  const o: Partial<Omit<Destination, 'family' | 'address' | 'port'>> = { forwarding: FORWARDING[method.method], weight: d.weight };
  if (d.rs?.uthreshold !== undefined) o.upperThreshold = d.rs.uthreshold;
  if (d.rs?.lthreshold !== undefined) o.lowerThreshold = d.rs.lthreshold;
  if (method.tunnel) {
    o.tunnelType = method.tunnel.type as TunnelType;
    if (method.tunnel.port !== undefined) o.tunnelPort = method.tunnel.port;
    o.tunnelFlags = CSUM[method.tunnel.csum] ?? 0;
  }
  return makeDest(ipvsFamily(d.address), d.address, d.port, o);
}

/** The IPVS services of one virtual server, each with the destinations the policy wants. */
export function virtualServersOf(vs: ResolvedVirtualServer, dests: readonly DesiredDest[]): VirtualServer[] {
  const out: VirtualServer[] = [];
  const ds = dests.map((d) => destinationOf(d, d.sorry ? (vs.sorry_server?.method ?? vs.method) : (d.rs?.method ?? vs.method)));
  for (const s of vs.services) for (const key of serviceKeys(s)) out.push({ service: serviceOf(vs, key), dests: ds });
  return out;
}
