// Lab demo (pure): reads the kernel's IPVS table as /proc/net/ip_vs prints it (hex addresses and
// ports), so a poller can watch a namespace's table through /proc/PID/net/ip_vs of any process in
// that namespace: one file read per sample, no fork (a fork costs ~40x more inside UML).

export interface ProcDest {
  /** "10.88.1.11:80" */
  addr: string;
  forward: string;
  weight: number;
}

export interface ProcService {
  proto: string;
  /** "10.88.0.100:80", or the mark for FWM services. */
  vip: string;
  scheduler: string;
  dests: ProcDest[];
}

/** "0A580064:0050" -> "10.88.0.100:80"; other forms (IPv6) are returned as printed. */
export function hexAddr(s: string): string {
  const m = /^([0-9A-Fa-f]{8}):([0-9A-Fa-f]{4})$/.exec(s);
  if (!m) return s;
  const n = parseInt(m[1]!, 16);
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}:${parseInt(m[2]!, 16)}`;
}

export function parseProcIpvs(text: string): ProcService[] {
  const out: ProcService[] = [];
  for (const line of text.split('\n')) {
    const w = line.trim().split(/\s+/);
    if (w[0] === '->') {
      if (w[1] === 'RemoteAddress:Port') continue;
      out.at(-1)?.dests.push({ addr: hexAddr(w[1] ?? ''), forward: w[2] ?? '', weight: Number(w[3]) });
    } else if (w[0] === 'TCP' || w[0] === 'UDP' || w[0] === 'SCTP' || w[0] === 'FWM') {
      out.push({ proto: w[0], vip: w[0] === 'FWM' ? String(parseInt(w[1] ?? '', 16)) : hexAddr(w[1] ?? ''), scheduler: w[2] ?? '', dests: [] });
    }
  }
  return out;
}

/** "10.88.0.100:80 -> 10.88.1.11:80 w1, 10.88.1.12:80 w1" per service, one line each. */
export function describeTable(t: readonly ProcService[]): string {
  if (t.length === 0) return '(empty)';
  return t.map((s) => `${s.proto} ${s.vip} ${s.scheduler} -> ${s.dests.map((d) => `${d.addr} (${d.forward} w${d.weight})`).join(', ') || 'no real server'}`).join('\n');
}

/** Real-server addresses (without port) of the service at `vip`, sorted. */
export function destsOf(t: readonly ProcService[], vip: string): string[] {
  return (t.find((s) => s.vip === vip)?.dests ?? []).map((d) => d.addr.replace(/:\d+$/, '')).sort();
}
