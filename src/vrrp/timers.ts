// Pure timer rules: RFC 5798 §6.1 / RFC 3768 §6.1 Skew_Time and Master_Down_Interval, in milliseconds.
import type { VrrpVersion } from './codec.js';

/**
 * Skew_Time in ms.
 * RFC 5798 §6.1: Skew_Time = ((256 - Priority) * Master_Adver_Interval) / 256 (centiseconds).
 * RFC 3768 §6.1: Skew_Time = (256 - Priority) / 256 seconds.
 * Computed to the microsecond exactly as keepalived does (VRRP_TIMER_SKEW: integer microseconds).
 */
export function skewTimeMs(version: VrrpVersion, priority: number, masterAdverIntervalCs: number): number {
  const p = 256 - priority;
  const us = version === 3 ? Math.floor((p * masterAdverIntervalCs * 625) / 16) : Math.floor((p * 1_000_000) / 256);
  return us / 1000;
}

/**
 * Master_Down_Interval in ms.
 * RFC 5798 §6.1: (3 * Master_Adver_Interval) + Skew_Time. RFC 3768 §6.1: (3 * Advertisement_Interval) + Skew_Time.
 */
export function masterDownIntervalMs(version: VrrpVersion, priority: number, masterAdverIntervalCs: number): number {
  return 3 * masterAdverIntervalCs * 10 + skewTimeMs(version, priority, masterAdverIntervalCs);
}

export function centisecondsToMs(cs: number): number {
  return cs * 10;
}
