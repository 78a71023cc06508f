// Pure codec helper: MD5 (RFC 1321) and HMAC-MD5 (RFC 2104), for the IPsec AH ICV of VRRPv2
// (RFC 2402 with HMAC-MD5-96, RFC 2403). No node:crypto: the VRRP core stays free of node:* imports.

/** RFC 1321 §3.4: per-round shift amounts. */
const S = [7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21];

/** RFC 1321 §3.4: T[i] = floor(2^32 x |sin(i + 1)|). */
const T = Array.from({ length: 64 }, (_, i) => Math.floor(Math.abs(Math.sin(i + 1)) * 2 ** 32) >>> 0);

export const MD5_DIGEST_LEN = 16;
const BLOCK = 64;

/** MD5 digest of the concatenation of `parts` (RFC 1321). */
export function md5(...parts: Uint8Array[]): Uint8Array {
  const len = parts.reduce((n, p) => n + p.length, 0);
  // §3.1-3.2: pad with 0x80, zeros to 56 mod 64, then the bit length (64 bits, little-endian).
  const total = Math.ceil((len + 9) / BLOCK) * BLOCK;
  const msg = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    msg.set(p, off);
    off += p.length;
  }
  msg[len] = 0x80;
  const bits = len * 8;
  const dv = new DataView(msg.buffer);
  dv.setUint32(total - 8, bits >>> 0, true);
  dv.setUint32(total - 4, Math.floor(bits / 2 ** 32), true);
  let a0 = 0x67452301;
  let b0 = 0xefcdab89;
  let c0 = 0x98badcfe;
  let d0 = 0x10325476;
  const m = new Uint32Array(16);
  for (let blk = 0; blk < total; blk += BLOCK) {
    for (let i = 0; i < 16; i++) m[i] = dv.getUint32(blk + i * 4, true);
    let a = a0;
    let b = b0;
    let c = c0;
    let d = d0;
    for (let i = 0; i < 64; i++) {
      let f: number;
      let g: number;
      if (i < 16) {
        f = (b & c) | (~b & d);
        g = i;
      } else if (i < 32) {
        f = (d & b) | (~d & c);
        g = (5 * i + 1) % 16;
      } else if (i < 48) {
        f = b ^ c ^ d;
        g = (3 * i + 5) % 16;
      } else {
        f = c ^ (b | ~d);
        g = (7 * i) % 16;
      }
      const x = (a + f + T[i]! + m[g]!) | 0;
      a = d;
      d = c;
      c = b;
      b = (b + ((x << S[i]!) | (x >>> (32 - S[i]!)))) | 0;
    }
    a0 = (a0 + a) | 0;
    b0 = (b0 + b) | 0;
    c0 = (c0 + c) | 0;
    d0 = (d0 + d) | 0;
  }
  const out = new Uint8Array(MD5_DIGEST_LEN);
  const ov = new DataView(out.buffer);
  ov.setUint32(0, a0 >>> 0, true);
  ov.setUint32(4, b0 >>> 0, true);
  ov.setUint32(8, c0 >>> 0, true);
  ov.setUint32(12, d0 >>> 0, true);
  return out;
}

/** RFC 2104 HMAC with MD5 over the concatenation of `parts`. */
export function hmacMd5(key: Uint8Array, ...parts: Uint8Array[]): Uint8Array {
  const k = new Uint8Array(BLOCK);
  k.set(key.length > BLOCK ? md5(key) : key);
  const ipad = k.map((b) => b ^ 0x36);
  const opad = k.map((b) => b ^ 0x5c);
  return md5(opad, md5(ipad, ...parts));
}
