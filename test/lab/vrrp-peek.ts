// Pure codec (yardstick only): the fixed first bytes of a VRRP packet, enough for lab tests to
// tell who advertised what. RFC 3768 §5.1 / RFC 5798 §5.1 (the full codec lives in src/vrrp).
export interface VrrpPeek {
  version: number;
  type: number;
  vrid: number;
  priority: number;
}

export function peekVrrp(payload: Buffer): VrrpPeek | undefined {
  if (payload.length < 8) return undefined;
  return { version: payload[0]! >> 4, type: payload[0]! & 0x0f, vrid: payload[1]!, priority: payload[2]! };
}
