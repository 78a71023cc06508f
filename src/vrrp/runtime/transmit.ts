// Runtime: build and send one instance's advertisement through its socket (RFC 5798 §6.4.3 "send an
// ADVERTISEMENT"): to the multicast group, or once per unicast peer with that peer in the pseudo-header.
// Synchronous: nothing on this path waits for a script or a netlink reply.
import { AUTH_NONE, AUTH_PASS, encodeAdvert } from '../codec.js';
import type { InstanceConfig } from '../types.js';
import type { VrrpSocket } from '../../net/ports.js';

export interface AdvertTarget {
  dst: string;
  payload: Buffer;
}

/** The VRRP messages one advert consists of (one per destination). */
export function buildAdverts(cfg: InstanceConfig, priority: number, oldUnicastChecksum = false): AdvertTarget[] {
  const unicast = cfg.unicastPeers.length > 0;
  const dsts = unicast ? cfg.unicastPeers : [cfg.mcastGroup];
  const pass = cfg.version === 2 && cfg.auth.type === 'pass';
  return dsts.map((dst) => {
    const msg = encodeAdvert(
      {
        version: cfg.version,
        vrid: cfg.vrid,
        priority,
        adverIntCs: cfg.advertIntervalCs,
        addresses: cfg.virtualAddresses,
        authType: pass ? AUTH_PASS : AUTH_NONE,
        authData: cfg.auth.type === 'pass' ? cfg.auth.password : null,
      },
      {
        family: cfg.family,
        src: cfg.primaryAddress,
        // keepalived old_unicast_checksum: a v3 unicast advert summed as if sent to the multicast group.
        dst: unicast && oldUnicastChecksum ? cfg.mcastGroup : dst,
        v3ChecksumAsV2: cfg.v3ChecksumAsV2,
      },
    );
    return { dst, payload: Buffer.from(msg.buffer, msg.byteOffset, msg.byteLength) };
  });
}

/**
 * An instance's adverts by priority, built once: the configuration does not change while it runs, and
 * an advert for a priority seen before costs no encoding (nor a first-time JIT path) when it matters.
 */
export class AdvertCache {
  private readonly byPriority = new Map<number, AdvertTarget[]>();
  constructor(
    private readonly cfg: InstanceConfig,
    private readonly oldUnicastChecksum = false,
  ) {
    // The base priority and the release (0) are certain to be sent.
    this.get(cfg.priority);
    this.get(0);
  }
  get(priority: number): AdvertTarget[] {
    let t = this.byPriority.get(priority);
    if (!t) this.byPriority.set(priority, (t = buildAdverts(this.cfg, priority, this.oldUnicastChecksum)));
    return t;
  }
}

/** Send one advert (its messages); returns the errors of the sends that failed (the others still went out). */
export function sendAdverts(sock: VrrpSocket, src: string, targets: readonly AdvertTarget[]): Error[] {
  const errors: Error[] = [];
  for (const t of targets) {
    try {
      sock.send(t.dst, t.payload, src);
    } catch (e) {
      errors.push(e as Error);
    }
  }
  return errors;
}

/** Send one advert; returns the errors of the sends that failed (the others still went out). */
export function sendAdvert(sock: VrrpSocket, cfg: InstanceConfig, priority: number, oldUnicastChecksum = false): Error[] {
  return sendAdverts(sock, cfg.primaryAddress, buildAdverts(cfg, priority, oldUnicastChecksum));
}
