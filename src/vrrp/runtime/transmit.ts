// Runtime: build and send one instance's advertisement through its socket (RFC 5798 §6.4.3 "send an
// ADVERTISEMENT"): to the multicast group, or once per unicast peer with that peer in the pseudo-header.
// Synchronous: nothing on this path waits for a script or a netlink reply.
import { AUTH_AH, AUTH_NONE, AUTH_PASS, encodeAdvert } from '../codec.js';
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
  // AH: the VRRP message says Auth Type 2 with zero Authentication Data; ah.ts wraps it in IP + AH.
  const ah = cfg.version === 2 && cfg.family === 'ipv4' && cfg.auth.type === 'ah';
  return dsts.map((dst) => {
    const msg = encodeAdvert(
      {
        version: cfg.version,
        vrid: cfg.vrid,
        priority,
        adverIntCs: cfg.advertIntervalCs,
        addresses: cfg.virtualAddresses,
        authType: pass ? AUTH_PASS : ah ? AUTH_AH : AUTH_NONE,
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

/** A socket whose send() can rehearse: run its whole path but the system call (src/net/vrrp-socket.ts). */
interface RehearsableSocket extends VrrpSocket {
  readonly canRehearse: true;
  send(dst: string, payload: Buffer, src?: string, dry?: boolean): void;
}

function canRehearse(sock: VrrpSocket): sock is RehearsableSocket {
  return (sock as Partial<RehearsableSocket>).canRehearse === true;
}

/**
 * Send one advert (its messages); returns the errors of the sends that failed (the others still went out).
 * With `dry` (a rehearsal), a socket that can runs every step but the system call and others do nothing:
 * the code is compiled and the destinations prepared before the advert that must leave at once.
 */
export function sendAdverts(sock: VrrpSocket, src: string, targets: readonly AdvertTarget[], dry = false): Error[] {
  const errors: Error[] = [];
  if (dry && !canRehearse(sock)) return errors;
  for (const t of targets) {
    try {
      if (dry) (sock as RehearsableSocket).send(t.dst, t.payload, src, true);
      else sock.send(t.dst, t.payload, src);
    } catch (e) {
      errors.push(e as Error);
    }
  }
  return errors;
}

/** sendAdverts() as a rehearsal (dry): nothing is sent; returns the errors the real send would meet first. */
export function rehearseAdverts(sock: VrrpSocket, src: string, targets: readonly AdvertTarget[]): Error[] {
  return sendAdverts(sock, src, targets, true);
}

/** Send one advert; returns the errors of the sends that failed (the others still went out). */
export function sendAdvert(sock: VrrpSocket, cfg: InstanceConfig, priority: number, oldUnicastChecksum = false): Error[] {
  return sendAdverts(sock, cfg.primaryAddress, buildAdverts(cfg, priority, oldUnicastChecksum));
}
