// Pure codec: reads libpcap capture files (as tcpdump -w writes them) and the Ethernet/IPv4
// headers of the frames, so tests can assert on real bytes (TTL, protocol, destination).
// File format: https://www.tcpdump.org/manpages/pcap-savefile.5.html ; IPv4 header: RFC 791 §3.1.

export interface PcapPacket {
  /** Capture time in seconds (fractional). */
  time: number;
  /** Length on the wire (may exceed data.length when the snap length cut it). */
  origLen: number;
  data: Buffer;
}

export interface PcapFile {
  linkType: number;
  snapLen: number;
  packets: PcapPacket[];
}

export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_LINUX_SLL = 113;

export class PcapError extends Error {
  readonly code = 'PCAP_BAD_FILE';
}

/** Parses a whole pcap file; a truncated last record (capture stopped mid-write) is dropped. */
export function parsePcap(buf: Buffer): PcapFile {
  if (buf.length < 24) throw new PcapError(`pcap: file is ${buf.length} bytes, shorter than the 24-byte header`);
  const magicLE = buf.readUInt32LE(0);
  let le: boolean;
  let nano: boolean;
  if (magicLE === 0xa1b2c3d4 || magicLE === 0xa1b23c4d) {
    le = true;
    nano = magicLE === 0xa1b23c4d;
  } else {
    const magicBE = buf.readUInt32BE(0);
    if (magicBE !== 0xa1b2c3d4 && magicBE !== 0xa1b23c4d) {
      throw new PcapError(`pcap: bad magic 0x${magicLE.toString(16)}`);
    }
    le = false;
    nano = magicBE === 0xa1b23c4d;
  }
  const u32 = (off: number): number => (le ? buf.readUInt32LE(off) : buf.readUInt32BE(off));
  const snapLen = u32(16);
  const linkType = u32(20) & 0x0fffffff;
  const packets: PcapPacket[] = [];
  let off = 24;
  while (off + 16 <= buf.length) {
    const sec = u32(off);
    const frac = u32(off + 4);
    const inclLen = u32(off + 8);
    const origLen = u32(off + 12);
    if (off + 16 + inclLen > buf.length) break;
    packets.push({
      time: sec + frac / (nano ? 1e9 : 1e6),
      origLen,
      data: buf.subarray(off + 16, off + 16 + inclLen),
    });
    off += 16 + inclLen;
  }
  return { linkType, snapLen, packets };
}

export interface EthernetFrame {
  dst: string;
  src: string;
  etherType: number;
  payload: Buffer;
}

function mac(b: Buffer): string {
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');
}

/** Ethernet II header (with one 802.1Q tag skipped). */
export function decodeEthernet(frame: Buffer): EthernetFrame {
  if (frame.length < 14) throw new PcapError(`ethernet: frame of ${frame.length} bytes`);
  let etherType = frame.readUInt16BE(12);
  let off = 14;
  if (etherType === 0x8100 && frame.length >= 18) {
    etherType = frame.readUInt16BE(16);
    off = 18;
  }
  return { dst: mac(frame.subarray(0, 6)), src: mac(frame.subarray(6, 12)), etherType, payload: frame.subarray(off) };
}

export interface IPv4Packet {
  version: number;
  ihl: number;
  tos: number;
  totalLength: number;
  ttl: number;
  protocol: number;
  src: string;
  dst: string;
  payload: Buffer;
}

/** IPv4 header, RFC 791 §3.1 (no checksum check: captures of outgoing packets may be offloaded). */
export function decodeIPv4(pkt: Buffer): IPv4Packet {
  if (pkt.length < 20) throw new PcapError(`ipv4: packet of ${pkt.length} bytes`);
  const version = pkt[0]! >> 4;
  const ihl = pkt[0]! & 0x0f;
  if (version !== 4) throw new PcapError(`ipv4: version is ${version}`);
  if (ihl < 5 || ihl * 4 > pkt.length) throw new PcapError(`ipv4: IHL ${ihl} does not fit ${pkt.length} bytes`);
  const totalLength = pkt.readUInt16BE(2);
  const end = Math.min(pkt.length, Math.max(totalLength, ihl * 4));
  return {
    version,
    ihl,
    tos: pkt[1]!,
    totalLength,
    ttl: pkt[8]!,
    protocol: pkt[9]!,
    src: [...pkt.subarray(12, 16)].join('.'),
    dst: [...pkt.subarray(16, 20)].join('.'),
    payload: pkt.subarray(ihl * 4, end),
  };
}

/** The IPv4 packets of a capture (Ethernet or Linux cooked link type); other frames skipped. */
export function ipv4Packets(file: PcapFile): (IPv4Packet & { time: number })[] {
  const out: (IPv4Packet & { time: number })[] = [];
  for (const p of file.packets) {
    let l3: Buffer;
    if (file.linkType === LINKTYPE_ETHERNET) {
      const eth = decodeEthernet(p.data);
      if (eth.etherType !== 0x0800) continue;
      l3 = eth.payload;
    } else if (file.linkType === LINKTYPE_LINUX_SLL) {
      if (p.data.length < 16 || p.data.readUInt16BE(14) !== 0x0800) continue;
      l3 = p.data.subarray(16);
    } else {
      throw new PcapError(`pcap: link type ${file.linkType} not supported`);
    }
    out.push({ ...decodeIPv4(l3), time: p.time });
  }
  return out;
}
