// Pure codec: netlink message framing (struct nlmsghdr, <linux/netlink.h>), NLMSG_ERROR with
// its extended-ACK text, and the two rtnetlink bodies lvsd reads itself (ifinfomsg flags for
// link state). Address and link attribute bodies are encoded and decoded with the `netlink`
// package's rtnetlink structs (see addresses.ts, links.ts). Header fields are host order.
import { HOST_LE } from './sockaddr.js';
import { NLMSG_HDRLEN, NLM_F_ACK_TLVS, NLM_F_CAPPED, NLMSGERR_ATTR_MSG } from './constants.js';

export interface NlMsg {
  type: number;
  flags: number;
  seq: number;
  pid: number;
  payload: Buffer;
}

export class NlDecodeError extends Error {
  readonly code = 'LVSD_NET_NL_DECODE';
  constructor(message: string) {
    super(message);
    this.name = 'NlDecodeError';
  }
}

const align4 = (n: number): number => (n + 3) & ~3;

function dv(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** One netlink message: header + body (padded to 4 bytes). */
export function frameMessage(type: number, flags: number, seq: number, pid: number, body: Uint8Array): Buffer {
  const len = NLMSG_HDRLEN + body.length;
  const out = Buffer.alloc(align4(len));
  const v = dv(out);
  v.setUint32(0, len, HOST_LE);
  v.setUint16(4, type, HOST_LE);
  v.setUint16(6, flags, HOST_LE);
  v.setUint32(8, seq >>> 0, HOST_LE);
  v.setUint32(12, pid >>> 0, HOST_LE);
  out.set(body, NLMSG_HDRLEN);
  return out;
}

/** Splits a datagram into its messages; throws NlDecodeError on a length that does not fit. */
export function parseMessages(buf: Buffer): NlMsg[] {
  const out: NlMsg[] = [];
  const v = dv(buf);
  let off = 0;
  while (off + NLMSG_HDRLEN <= buf.length) {
    const len = v.getUint32(off, HOST_LE);
    if (len < NLMSG_HDRLEN || off + len > buf.length) {
      throw new NlDecodeError(`netlink message at offset ${off} claims ${len} bytes; ${buf.length - off} left`);
    }
    out.push({
      type: v.getUint16(off + 4, HOST_LE),
      flags: v.getUint16(off + 6, HOST_LE),
      seq: v.getUint32(off + 8, HOST_LE),
      pid: v.getUint32(off + 12, HOST_LE),
      payload: buf.subarray(off + NLMSG_HDRLEN, off + len),
    });
    off += align4(len);
  }
  return out;
}

export interface NlError {
  /** Positive errno; 0 is an ACK. */
  errno: number;
  /** Sequence number of the request this answers. */
  seq: number;
  /** Extended-ACK message (NLMSGERR_ATTR_MSG), when the kernel gave one. */
  message?: string;
}

/** struct nlmsgerr: int error; struct nlmsghdr msg; [request payload unless capped]; [TLVs]. */
export function parseError(m: NlMsg): NlError {
  const p = m.payload;
  if (p.length < 4 + NLMSG_HDRLEN) throw new NlDecodeError(`NLMSG_ERROR payload is ${p.length} bytes; needs ${4 + NLMSG_HDRLEN}`);
  const v = dv(p);
  const errno = 0 - v.getInt32(0, HOST_LE);
  const reqLen = v.getUint32(4, HOST_LE);
  const seq = v.getUint32(4 + 8, HOST_LE);
  const out: NlError = { errno, seq };
  if (m.flags & NLM_F_ACK_TLVS) {
    // Capped (NETLINK_CAP_ACK) or an ACK: only the request header was echoed.
    let off = 4 + (m.flags & NLM_F_CAPPED || errno === 0 ? NLMSG_HDRLEN : align4(reqLen));
    while (off + 4 <= p.length) {
      const alen = v.getUint16(off, HOST_LE);
      const atype = v.getUint16(off + 2, HOST_LE) & 0x3fff;
      if (alen < 4 || off + alen > p.length) break;
      if (atype === NLMSGERR_ATTR_MSG) out.message = p.toString('latin1', off + 4, off + alen).replace(/\0+$/, '');
      off += align4(alen);
    }
  }
  return out;
}

/** struct ifinfomsg (16 bytes): family, type, index, flags, change. */
export function parseIfinfo(payload: Buffer): { family: number; type: number; index: number; flags: number } {
  if (payload.length < 16) throw new NlDecodeError(`ifinfomsg is ${payload.length} bytes; needs 16`);
  const v = dv(payload);
  return { family: payload[0]!, type: v.getUint16(2, HOST_LE), index: v.getInt32(4, HOST_LE), flags: v.getUint32(8, HOST_LE) };
}

/** struct ifinfomsg for a request (family AF_UNSPEC unless given). */
export function ifinfoBody(index = 0, family = 0): Buffer {
  const b = Buffer.alloc(16);
  b[0] = family;
  dv(b).setInt32(4, index, HOST_LE);
  return b;
}

/** One u32 attribute (struct nlattr + value), as IFLA_EXT_MASK needs. */
export function u32Attr(type: number, value: number): Buffer {
  const b = Buffer.alloc(8);
  const v = dv(b);
  v.setUint16(0, 8, HOST_LE);
  v.setUint16(2, type, HOST_LE);
  v.setUint32(4, value >>> 0, HOST_LE);
  return b;
}
