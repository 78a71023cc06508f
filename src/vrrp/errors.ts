// Pure definitions: typed VRRP codec errors with stable codes, each mapped to the counter it bumps.
import type { CounterName } from './counters.js';

/** Stable codes of VrrpDecodeError; the map below says which per-instance counter each one bumps. */
export const DECODE_ERROR_COUNTER = {
  packet_too_short: 'packet_len_err',
  length_mismatch: 'packet_len_err',
  bad_version: 'vers_err',
  bad_type: 'invalid_type_rcvd',
  bad_auth_type: 'invalid_authtype',
  bad_checksum: 'chk_err',
  ip_header_short: 'packet_len_err',
  ip_length_mismatch: 'packet_len_err',
  bad_ihl: 'packet_len_err',
  not_ip_version: null,
  not_vrrp: null,
  ip_fragment: null,
  ip_bad_checksum: null,
} as const satisfies Record<string, CounterName | null>;

export type DecodeErrorCode = keyof typeof DECODE_ERROR_COUNTER;

/** A received packet is not a well-formed VRRP advertisement. `message` says exactly what is wrong. */
export class VrrpDecodeError extends Error {
  readonly code: DecodeErrorCode;
  /** keepalived counter to bump for this drop, or null where keepalived counts nothing. */
  readonly counter: CounterName | null;
  constructor(code: DecodeErrorCode, message: string) {
    super(message);
    this.name = 'VrrpDecodeError';
    this.code = code;
    this.counter = DECODE_ERROR_COUNTER[code];
  }
}

export type EncodeErrorCode = 'bad_field' | 'bad_interval' | 'too_many_addresses' | 'family_mismatch' | 'checksum_context';

/** An advertisement cannot be encoded as asked (a field out of range, a v2 interval not in whole seconds...). */
export class VrrpEncodeError extends Error {
  readonly code: EncodeErrorCode;
  constructor(code: EncodeErrorCode, message: string) {
    super(message);
    this.name = 'VrrpEncodeError';
    this.code = code;
  }
}
