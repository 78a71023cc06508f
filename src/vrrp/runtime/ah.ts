// Runtime (pure): the outgoing side of VRRPv2 auth_type AH for one instance: wraps each advert's VRRP
// messages into whole IPv4 packets (IP header, IPsec AH, VRRP) for the protocol 51 socket, with
// keepalived's IP identification (1, 2, ... never 0) and one AH sequence number per advert (the same for
// every unicast peer, each with its own ICV). The sequence counter is shared with the receive path
// (receive.ts / ../ipsec-ah.ts acceptSeq), as keepalived's ipsecah_counter is.
import { ahCounter, ahKey, becomeMasterSeq, buildAhPacket, nextSendSeq, type AhCounter } from '../ipsec-ah.js';
import type { InstanceConfig } from '../types.js';
import type { AdvertTarget } from './transmit.js';

export class AhSender {
  private ipId = 0;
  private readonly key: Uint8Array;

  constructor(
    private readonly cfg: InstanceConfig,
    /** The instance's sequence counter (carried over on reload). */
    readonly counter: AhCounter = ahCounter(),
  ) {
    if (cfg.auth.type !== 'ah') throw new TypeError(`instance ${cfg.name} does not use AH authentication`);
    this.key = ahKey(cfg.auth.password);
  }

  /**
   * The packets of one advert. `master`: a counter that reached its end restarts from 0 once the instance
   * is master (keepalived resets it on becoming master; after 2^32 - 2 adverts, over 136 years at 1 s).
   */
  wrap(targets: readonly AdvertTarget[], master: boolean): AdvertTarget[] {
    if (master) becomeMasterSeq(this.counter);
    const seq = nextSendSeq(this.counter);
    // keepalived: the kernel fills in an IP ID of 0, so the counter skips it.
    this.ipId = (this.ipId + 1) & 0xffff || 1;
    const unicast = this.cfg.unicastPeers.length > 0;
    return targets.map((t) => {
      const p = buildAhPacket({ src: this.cfg.primaryAddress, dst: t.dst, id: this.ipId }, t.payload, { seq, key: this.key, unicast });
      return { dst: t.dst, payload: Buffer.from(p.buffer, p.byteOffset, p.byteLength) };
    });
  }
}
