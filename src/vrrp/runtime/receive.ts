// Runtime (pure): the receive path for one packet on one socket: find the instance by VRID, decode with
// that instance's checksum rules, validate (RFC 5798 §7.1), and say which counters to bump.
import type { ReceivedPacket } from '../../net/ports.js';
import { canonicalAddr } from '../addr.js';
import { decodeAdvert } from '../codec.js';
import type { CounterName } from '../counters.js';
import { VrrpDecodeError } from '../errors.js';
import { validateAdvert, type ValidAdvert } from '../validate.js';
import type { RuntimeInstance } from '../from-config.js';

export type ReceiveOutcome =
  /** No instance on this socket has the packet's VRID (keepalived: "Unknown VRID", ignored, not obeyed). */
  | { kind: 'unknown_vrid'; vrid: number | null; message: string }
  /** Our own advert looped back (the source is our primary address). */
  | { kind: 'own'; instance: string }
  | { kind: 'drop'; instance: string; counters: CounterName[]; reason: string; message: string }
  | { kind: 'advert'; instance: string; counters: CounterName[]; advert: ValidAdvert };

/** The instance a packet is for: same VRID; multicast instances take packets sent to their group, unicast ones the rest. */
export function findInstance(p: ReceivedPacket, candidates: readonly RuntimeInstance[]): RuntimeInstance | undefined {
  if (p.payload.length < 2) return undefined;
  const vrid = p.payload[1]!;
  const same = candidates.filter((i) => i.core.vrid === vrid && (i.core.family === 'ipv4') === (p.family === 4));
  if (same.length <= 1) return same[0];
  const dst = canonicalAddr(p.dst);
  return same.find((i) => i.core.unicastPeers.length === 0 && canonicalAddr(i.core.mcastGroup) === dst) ?? same.find((i) => i.core.unicastPeers.length > 0);
}

export function classifyPacket(p: ReceivedPacket, candidates: readonly RuntimeInstance[]): ReceiveOutcome {
  const inst = findInstance(p, candidates);
  if (!inst) {
    const vrid = p.payload.length >= 2 ? p.payload[1]! : null;
    return { kind: 'unknown_vrid', vrid, message: vrid === null ? `packet of ${p.payload.length} bytes has no VRID` : `no instance for VRID ${vrid} on ${p.ifname}` };
  }
  const cfg = inst.core;
  const src = canonicalAddr(p.src);
  // A raw socket may see our own multicast adverts; another router using our address is reported by the
  // core as a conflict only when it is not literally us, which a socket cannot tell apart: drop silently.
  if (src === cfg.primaryAddress) return { kind: 'own', instance: cfg.name };
  const unicast = cfg.unicastPeers.length > 0;
  let advert;
  try {
    advert = decodeAdvert(p.payload, {
      family: cfg.family,
      src,
      // keepalived old_unicast_checksum: the sender summed a unicast v3 advert as if sent to the group.
      dst: unicast && inst.oldUnicastChecksum ? cfg.mcastGroup : p.dst,
      v3ChecksumAsV2: cfg.v3ChecksumAsV2,
    });
  } catch (e) {
    if (e instanceof VrrpDecodeError) {
      return { kind: 'drop', instance: cfg.name, counters: e.counter ? [e.counter] : [], reason: e.code, message: e.message };
    }
    throw e;
  }
  const r = validateAdvert(cfg, advert, { ttl: p.ttl, src, dst: p.dst });
  if (!r.ok) return { kind: 'drop', instance: cfg.name, counters: r.counters, reason: r.reason, message: r.message };
  return { kind: 'advert', instance: cfg.name, counters: r.counters, advert: r.advert };
}
