// Runtime (pure): the receive path for one packet on one socket: find the instance by VRID, decode with
// that instance's checksum rules, check its IPsec AH (auth_type AH), validate (RFC 5798 §7.1), and say
// which counters to bump and which AH sequence number the instance's counter takes.
import type { ReceivedPacket } from '../../net/ports.js';
import { canonicalAddr } from '../addr.js';
import { computeChecksum, decodeAdvert } from '../codec.js';
import { ahKey, verifyAh, type AhVerdict } from '../ipsec-ah.js';
import type { CounterName } from '../counters.js';
import { VrrpDecodeError } from '../errors.js';
import { validateAdvert, type ValidAdvert } from '../validate.js';
import type { RuntimeInstance } from '../from-config.js';

export type ReceiveOutcome =
  /** No instance on this socket has the packet's VRID (keepalived: "Unknown VRID", ignored, not obeyed). */
  | { kind: 'unknown_vrid'; vrid: number | null; message: string }
  /** Our own advert looped back (the source is our primary address). */
  | { kind: 'own'; instance: string }
  | { kind: 'drop'; instance: string; counters: CounterName[]; reason: string; message: string; ahSeq?: number }
  | { kind: 'advert'; instance: string; counters: CounterName[]; advert: ValidAdvert; ahSeq?: number };

/** An instance's AH sequence counter (its highest number received or sent), by instance name. */
export type AhSeqLookup = (instance: string) => number;

/** The instance a packet is for: same VRID; multicast instances take packets sent to their group, unicast ones the rest. */
export function findInstance(p: ReceivedPacket, candidates: readonly RuntimeInstance[]): RuntimeInstance | undefined {
  if (p.payload.length < 2) return undefined;
  const vrid = p.payload[1]!;
  const same = candidates.filter((i) => i.core.vrid === vrid && (i.core.family === 'ipv4') === (p.family === 4));
  if (same.length <= 1) return same[0];
  const dst = canonicalAddr(p.dst);
  return same.find((i) => i.core.unicastPeers.length === 0 && canonicalAddr(i.core.mcastGroup) === dst) ?? same.find((i) => i.core.unicastPeers.length > 0);
}

/**
 * `ahSeq` in the outcome: the packet passed the instance's IPsec AH check (ICV, SPI, number above the
 * counter); the caller sets the instance's counter to it (ipsec-ah.ts acceptSeq), as keepalived does.
 */
export function classifyPacket(p: ReceivedPacket, candidates: readonly RuntimeInstance[], lastAhSeq: AhSeqLookup = () => 0): ReceiveOutcome {
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
      // keepalived checks the ICV before the VRRP checksum: with AH the checksum is checked after it.
      checksum: p.ah ? 'skip' : 'verify',
    });
  } catch (e) {
    if (e instanceof VrrpDecodeError) {
      return { kind: 'drop', instance: cfg.name, counters: e.counter ? [e.counter] : [], reason: e.code, message: e.message };
    }
    throw e;
  }
  let ah: AhVerdict | undefined;
  if (p.ah) {
    ah =
      cfg.auth.type === 'ah'
        ? verifyAh({ ipHeader: p.ah.ipHeader, ah: p.ah.header, vrrp: p.payload, src, key: ahKey(cfg.auth.password), unicast, lastSeq: lastAhSeq(cfg.name) })
        : { ok: false, reason: 'icv', seq: 0, message: 'not checked: the instance does not use AH' }; // validate drops it as authtype_mismatch
  }
  const r = validateAdvert(cfg, advert, ah ? { ttl: p.ttl, src, dst: p.dst, ah } : { ttl: p.ttl, src, dst: p.dst });
  const seq = r.ahSeq === undefined ? {} : { ahSeq: r.ahSeq };
  if (!r.ok) return { kind: 'drop', instance: cfg.name, counters: r.counters, reason: r.reason, message: r.message, ...seq };
  if (p.ah) {
    const sum = computeChecksum(p.payload, advert.version, { family: 'ipv4' });
    if (sum !== advert.checksum) {
      const message = `VRRPv2 checksum is 0x${advert.checksum.toString(16).padStart(4, '0')}; should be 0x${sum.toString(16).padStart(4, '0')}`;
      return { kind: 'drop', instance: cfg.name, counters: ['chk_err'], reason: 'bad_checksum', message, ...seq };
    }
  }
  return { kind: 'advert', instance: cfg.name, counters: r.counters, advert: r.advert, ...seq };
}
