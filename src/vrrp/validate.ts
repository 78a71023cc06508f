// Pure receive validation, RFC 5798 §7.1 / RFC 3768 §7.1: the checks a decoded advert must pass for one
// instance, in keepalived's order (vrrp_in_chk), each drop named with the counter it bumps.
import { canonicalAddr } from './addr.js';
import { AUTH_AH, AUTH_NONE, AUTH_PASS, VRRP_TTL, VRRP_AUTH_LEN, type VrrpAdvert } from './codec.js';
import type { AhVerdict } from './ipsec-ah.js';
import type { CounterName } from './counters.js';
import type { InstanceConfig } from './types.js';

/** What the transport knows about a received packet besides its bytes. */
export interface ReceiveMeta {
  /** IPv4 TTL, or IPv6 Hop Limit (from IPV6_HOPLIMIT ancillary data): required, never guessed. */
  ttl: number;
  /** IP source and destination. */
  src: string;
  dst: string;
  /**
   * IPv4 protocol 51: the IPsec AH check (ipsec-ah.ts verifyAh) of this packet against the instance's key
   * and sequence counter, made by the caller; absent when the packet carried no AH.
   */
  ah?: AhVerdict;
}

/** The advert as the state machine sees it once it is valid for an instance. */
export interface ValidAdvert {
  priority: number;
  /** Sender's primary address (IP source), canonical text: the tie-breaker of RFC 5798 §6.4.3. */
  src: string;
  /** Advertisement interval carried in the advert, centiseconds (v3 Max Adver Int; v2 seconds x 100). */
  adverIntCs: number;
}

export type DropReason =
  | 'ttl'
  | 'version_mismatch'
  | 'vrid_mismatch'
  | 'authtype_mismatch'
  | 'auth_failure'
  | 'interval_mismatch'
  | 'interval_zero'
  | 'addr_count'
  | 'addr_list'
  | 'not_unicast_peer';

/**
 * `ahSeq`: the packet passed the IPsec AH check, so the instance's AH sequence counter takes its number
 * (keepalived raises it there, even when a later check drops the packet).
 */
export type ValidateResult =
  | { ok: true; advert: ValidAdvert; counters: CounterName[]; ahSeq?: number }
  | { ok: false; reason: DropReason; counters: CounterName[]; message: string; ahSeq?: number };

type ValidateConfig = Pick<
  InstanceConfig,
  'vrid' | 'version' | 'family' | 'advertIntervalCs' | 'virtualAddresses' | 'unicastPeers' | 'auth' | 'checkUnicastSrc'
>;

function passwordBytes(password: string): Uint8Array {
  const out = new Uint8Array(VRRP_AUTH_LEN);
  out.set(new TextEncoder().encode(password).subarray(0, VRRP_AUTH_LEN));
  return out;
}

function drop(reason: DropReason, message: string, ...counters: CounterName[]): ValidateResult {
  return { ok: false, reason, message, counters };
}

/** Check a decoded advert against one instance. Pure: returns the verdict and the counters to bump. */
export function validateAdvert(cfg: ValidateConfig, a: VrrpAdvert, meta: ReceiveMeta): ValidateResult {
  const multicast = cfg.unicastPeers.length === 0;
  // RFC 5798 §7.1: MUST verify that the IPv4 TTL / IPv6 Hop Limit is 255. keepalived skips it for
  // unicast peers (they may be routed); lvsd does the same.
  if (multicast && meta.ttl !== VRRP_TTL) {
    const what = cfg.family === 'ipv4' ? 'IPv4 TTL' : 'IPv6 Hop Limit';
    return drop('ttl', `${what} is ${meta.ttl}; should be ${VRRP_TTL}`, 'ip_ttl_err');
  }
  // RFC 5798 §7.1: MUST verify the VRRP version field.
  if (a.version !== cfg.version) {
    return drop('version_mismatch', `VRRP version is ${a.version}; this instance runs version ${cfg.version}`, 'vers_err');
  }
  // RFC 5798 §7.1: MUST verify that the VRID is configured on the receiving interface.
  if (a.vrid !== cfg.vrid) {
    return drop('vrid_mismatch', `VRID is ${a.vrid}; this instance is VRID ${cfg.vrid}`, 'vrid_err');
  }
  let ahSeq: number | undefined;
  const withSeq = (r: ValidateResult): ValidateResult => (ahSeq === undefined ? r : { ...r, ahSeq });
  if (cfg.version === 2) {
    // RFC 3768 §7.1: MUST perform the authentication specified by Auth Type.
    const ah = cfg.auth.type === 'ah' && cfg.family === 'ipv4';
    const want = cfg.auth.type === 'pass' ? AUTH_PASS : ah ? AUTH_AH : AUTH_NONE;
    // keepalived: an AH header where none is expected, or none where AH is, is an auth type mismatch.
    if (a.authType !== want || ah !== (meta.ah !== undefined)) {
      const what = meta.ah !== undefined && !ah ? ' (the packet carries an IPsec AH)' : ah && meta.ah === undefined ? ' (the packet carries no IPsec AH)' : '';
      return drop('authtype_mismatch', `auth type is ${a.authType}; this instance expects ${want}${what}`, 'authtype_mismatch');
    }
    if (cfg.auth.type === 'pass' && cfg.family === 'ipv4') {
      const expected = passwordBytes(cfg.auth.password);
      const got = a.authData ?? new Uint8Array(VRRP_AUTH_LEN);
      if (!expected.every((b, i) => b === got[i])) {
        return drop('auth_failure', 'authentication password does not match', 'auth_failure');
      }
    }
    // RFC 2402 §3.4.3-3.4.4 (keepalived vrrp_in_chk_ipsecah): ICV, SPI, anti-replay; any failure is auth_failure.
    if (ah && meta.ah !== undefined) {
      if (!meta.ah.ok) return drop('auth_failure', meta.ah.message, 'auth_failure');
      ahSeq = meta.ah.seq;
    }
    // RFC 3768 §7.1: MUST verify that the Adver Interval matches the local one (keepalived: drop).
    if (a.adverIntCs !== cfg.advertIntervalCs) {
      return withSeq(drop(
        'interval_mismatch',
        `advert interval is ${a.adverIntCs / 100} s; this instance uses ${cfg.advertIntervalCs / 100} s`,
        'advert_interval_err',
      ));
    }
  } else if (a.adverIntCs === 0) {
    // A v3 backup learns Master_Adver_Interval from the advert (RFC 5798 §6.4.2); 0 would make
    // Master_Down_Interval nothing but Skew_Time, so lvsd refuses it.
    return drop('interval_zero', 'Max Adver Int is 0 cs; must be at least 1', 'advert_interval_err');
  }
  // RFC 5798 §7.1: MAY verify the address list; keepalived compares the count first.
  if (a.addresses.length !== cfg.virtualAddresses.length) {
    return withSeq(drop(
      'addr_count',
      `advert carries ${a.addresses.length} address(es); this instance has ${cfg.virtualAddresses.length}`,
      'addr_list_err',
    ));
  }
  // keepalived counts advert_rcvd once version, type, length and checksum are right.
  const counters: CounterName[] = ['advert_rcvd'];
  const carried = new Set(a.addresses.map(canonicalAddr));
  for (const vip of cfg.virtualAddresses) {
    if (!carried.has(canonicalAddr(vip))) {
      return withSeq({ ok: false, reason: 'addr_list', message: `virtual address ${vip} is not in the advert`, counters: [...counters, 'addr_list_err'] });
    }
  }
  const src = canonicalAddr(meta.src);
  if (!multicast && cfg.checkUnicastSrc && !cfg.unicastPeers.some((p) => canonicalAddr(p) === src)) {
    return withSeq({
      ok: false,
      reason: 'not_unicast_peer',
      message: `unicast source ${src} is not a unicast_peer`,
      counters: [...counters, 'unicast_peer_err'],
    });
  }
  if (a.priority === 0) counters.push('pri_zero_rcvd');
  return withSeq({ ok: true, advert: { priority: a.priority, src, adverIntCs: a.adverIntCs }, counters });
}
