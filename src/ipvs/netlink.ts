// Pure codec: netlink and generic netlink framing, attribute reading and a buffer writer.
// Header layouts: <linux/netlink.h> (struct nlmsghdr, struct nlattr, struct nlmsgerr) and
// <linux/genetlink.h> (struct genlmsghdr); all fields in host byte order (little-endian here).
import * as C from './constants.js';
import { IpvsDecodeError } from './errors.js';

export interface NlMessage {
  type: number;
  flags: number;
  seq: number;
  pid: number;
  payload: Buffer;
}

export interface GenlMessage {
  cmd: number;
  version: number;
  attrs: Buffer;
}

export const align4 = (n: number): number => (n + 3) & ~3;

/** Splits one datagram into its netlink messages. */
export function parseNlMessages(buf: Buffer): NlMessage[] {
  const out: NlMessage[] = [];
  let off = 0;
  while (off + C.NLMSG_HDRLEN <= buf.length) {
    const len = buf.readUInt32LE(off);
    if (len < C.NLMSG_HDRLEN || off + len > buf.length) {
      throw new IpvsDecodeError(
        'LVSD_IPVS_DECODE',
        `netlink message at offset ${off} claims length ${len}; ${buf.length - off} bytes left`,
      );
    }
    out.push({
      type: buf.readUInt16LE(off + 4),
      flags: buf.readUInt16LE(off + 6),
      seq: buf.readUInt32LE(off + 8),
      pid: buf.readUInt32LE(off + 12),
      payload: buf.subarray(off + C.NLMSG_HDRLEN, off + len),
    });
    off += align4(len);
  }
  return out;
}

/** struct nlmsgerr: int error; struct nlmsghdr msg (+ the request unless capped). error 0 = ACK. */
export function parseNlError(payload: Buffer): { errno: number; seq: number } {
  if (payload.length < 4 + C.NLMSG_HDRLEN) {
    throw new IpvsDecodeError('LVSD_IPVS_DECODE', `NLMSG_ERROR payload is ${payload.length} bytes; needs ${4 + C.NLMSG_HDRLEN}`);
  }
  return { errno: -payload.readInt32LE(0), seq: payload.readUInt32LE(4 + 8) };
}

export function parseGenl(payload: Buffer): GenlMessage {
  if (payload.length < C.GENL_HDRLEN) {
    throw new IpvsDecodeError('LVSD_IPVS_DECODE', `generic netlink payload is ${payload.length} bytes; needs ${C.GENL_HDRLEN}`);
  }
  return { cmd: payload[0] as number, version: payload[1] as number, attrs: payload.subarray(C.GENL_HDRLEN) };
}

/** Attributes by type (NLA_F_NESTED / NLA_F_NET_BYTEORDER masked off); the last one wins, as in nla_parse. */
export function parseAttrs(buf: Buffer): Map<number, Buffer> {
  const m = new Map<number, Buffer>();
  let off = 0;
  while (off + C.NLA_HDRLEN <= buf.length) {
    const len = buf.readUInt16LE(off);
    const type = buf.readUInt16LE(off + 2) & C.NLA_TYPE_MASK;
    if (len < C.NLA_HDRLEN || off + len > buf.length) {
      throw new IpvsDecodeError(
        'LVSD_IPVS_DECODE',
        `attribute type ${type} at offset ${off} claims length ${len}; ${buf.length - off} bytes left`,
      );
    }
    m.set(type, buf.subarray(off + C.NLA_HDRLEN, off + len));
    off += align4(len);
  }
  return m;
}

/**
 * Writes netlink messages and attributes into one growing buffer, padding each attribute to 4
 * bytes. One writer can hold many messages: a whole chunk of requests goes out as one datagram.
 */
export class NlWriter {
  private buf: Buffer;
  private off = 0;

  constructor(initial = 512) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  get length(): number {
    return this.off;
  }

  private ensure(n: number): void {
    if (this.off + n <= this.buf.length) return;
    const nb = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.off + n));
    this.buf.copy(nb, 0, 0, this.off);
    this.buf = nb;
  }

  /** Writes an attribute header for `valueLen` bytes of value and returns where the value goes. */
  private attr(type: number, valueLen: number): number {
    const len = C.NLA_HDRLEN + valueLen;
    const total = align4(len);
    this.ensure(total);
    const at = this.off;
    const b = this.buf;
    b[at] = len & 0xff;
    b[at + 1] = len >>> 8;
    b[at + 2] = type & 0xff;
    b[at + 3] = type >>> 8;
    for (let i = at + len; i < at + total; i++) b[i] = 0;
    this.off = at + total;
    return at + C.NLA_HDRLEN;
  }

  // Each writer takes the value's position first: attr() may replace this.buf.
  u8(t: number, v: number): this {
    const p = this.attr(t, 1);
    this.buf[p] = v & 0xff;
    return this;
  }
  u16(t: number, v: number): this {
    const p = this.attr(t, 2);
    this.buf[p] = v & 0xff;
    this.buf[p + 1] = (v >>> 8) & 0xff;
    return this;
  }
  be16(t: number, v: number): this {
    const p = this.attr(t, 2);
    this.buf[p] = (v >>> 8) & 0xff;
    this.buf[p + 1] = v & 0xff;
    return this;
  }
  u32(t: number, v: number): this {
    const p = this.attr(t, 4);
    const b = this.buf;
    b[p] = v & 0xff;
    b[p + 1] = (v >>> 8) & 0xff;
    b[p + 2] = (v >>> 16) & 0xff;
    b[p + 3] = (v >>> 24) & 0xff;
    return this;
  }
  be32(t: number, v: number): this {
    const p = this.attr(t, 4);
    const b = this.buf;
    b[p] = (v >>> 24) & 0xff;
    b[p + 1] = (v >>> 16) & 0xff;
    b[p + 2] = (v >>> 8) & 0xff;
    b[p + 3] = v & 0xff;
    return this;
  }
  bytes(t: number, v: Uint8Array): this {
    const p = this.attr(t, v.length);
    this.buf.set(v, p);
    return this;
  }
  /** A 16-byte union nf_inet_addr holding the IPv4 address `v` (a 32-bit number) in its first 4 bytes. */
  inet4(t: number, v: number): this {
    const p = this.attr(t, 16);
    const b = this.buf;
    b[p] = v >>> 24;
    b[p + 1] = (v >>> 16) & 0xff;
    b[p + 2] = (v >>> 8) & 0xff;
    b[p + 3] = v & 0xff;
    for (let i = p + 4; i < p + 16; i++) b[i] = 0;
    return this;
  }
  /** NUL-terminated, as nla_put_string. */
  str(t: number, v: string): this {
    const n = Buffer.byteLength(v, 'latin1');
    const at = this.attr(t, n + 1);
    this.buf.write(v, at, n, 'latin1');
    this.buf[at + n] = 0;
    return this;
  }
  /** Opens a nested attribute (NLA_F_NESTED set); close it with endNest. */
  beginNest(t: number): number {
    this.ensure(C.NLA_HDRLEN);
    const at = this.off;
    this.buf.writeUInt16LE(t | C.NLA_F_NESTED, at + 2);
    this.off += C.NLA_HDRLEN;
    return at;
  }
  endNest(at: number): void {
    this.buf.writeUInt16LE(this.off - at, at);
  }
  /** Opens a message: struct nlmsghdr (length filled by endMessage). */
  beginMessage(type: number, flags: number, seq: number, pid: number): number {
    this.ensure(C.NLMSG_HDRLEN);
    const at = this.off;
    this.buf.writeUInt16LE(type, at + 4);
    this.buf.writeUInt16LE(flags, at + 6);
    this.buf.writeUInt32LE(seq >>> 0, at + 8);
    this.buf.writeUInt32LE(pid >>> 0, at + 12);
    this.off += C.NLMSG_HDRLEN;
    return at;
  }
  /** struct genlmsghdr: cmd, version, reserved. */
  genl(cmd: number, version: number): this {
    this.ensure(C.GENL_HDRLEN);
    this.buf[this.off] = cmd;
    this.buf[this.off + 1] = version;
    this.buf.writeUInt16LE(0, this.off + 2);
    this.off += C.GENL_HDRLEN;
    return this;
  }
  endMessage(at: number): void {
    this.buf.writeUInt32LE(this.off - at, at);
  }
  /** The bytes written so far (a view; the writer must not be reused after). */
  finish(): Buffer {
    return this.buf.subarray(0, this.off);
  }
}

/** One message with a raw payload (tests and the controller family). */
export function encodeNlMessage(type: number, flags: number, seq: number, pid: number, payload: Uint8Array): Buffer {
  const len = C.NLMSG_HDRLEN + payload.length;
  const b = Buffer.alloc(align4(len));
  b.writeUInt32LE(len, 0);
  b.writeUInt16LE(type, 4);
  b.writeUInt16LE(flags, 6);
  b.writeUInt32LE(seq >>> 0, 8);
  b.writeUInt32LE(pid >>> 0, 12);
  b.set(payload, C.NLMSG_HDRLEN);
  return b;
}

/** CTRL_CMD_GETFAMILY for a family name (resolves "IPVS" to its dynamic id). */
export function frameGetFamily(name: string, seq: number, pid: number): Buffer {
  const w = new NlWriter(64);
  const m = w.beginMessage(C.GENL_ID_CTRL, C.NLM_F_REQUEST | C.NLM_F_ACK, seq, pid);
  w.genl(C.CTRL_CMD_GETFAMILY, 1).str(C.CTRL_ATTR_FAMILY_NAME, name);
  w.endMessage(m);
  return w.finish();
}

export function decodeFamilyId(genl: GenlMessage): number {
  const v = parseAttrs(genl.attrs).get(C.CTRL_ATTR_FAMILY_ID);
  if (!v || v.length < 2) throw new IpvsDecodeError('LVSD_IPVS_DECODE', 'CTRL_ATTR_FAMILY_ID is missing');
  return v.readUInt16LE(0);
}

/** Attribute builders returning standalone buffers (tests and fixtures). */
export const nla = {
  u8: (t: number, v: number): Buffer => new NlWriter(8).u8(t, v).finish(),
  u16: (t: number, v: number): Buffer => new NlWriter(8).u16(t, v).finish(),
  be16: (t: number, v: number): Buffer => new NlWriter(8).be16(t, v).finish(),
  u32: (t: number, v: number): Buffer => new NlWriter(8).u32(t, v).finish(),
  bytes: (t: number, v: Uint8Array): Buffer => new NlWriter(v.length + 4).bytes(t, v).finish(),
  str: (t: number, v: string): Buffer => new NlWriter(v.length + 8).str(t, v).finish(),
  nest: (t: number, children: Buffer[]): Buffer => {
    const body = Buffer.concat(children);
    const out = Buffer.alloc(C.NLA_HDRLEN + body.length);
    out.writeUInt16LE(out.length, 0);
    out.writeUInt16LE(t | C.NLA_F_NESTED, 2);
    body.copy(out, C.NLA_HDRLEN);
    return out;
  },
};
