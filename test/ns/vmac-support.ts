// Test support (namespaces, also inside UML): what the VMAC / ipvlan tests read from a lab host: a link's
// kind and mode, the addresses on one interface, per-interface sysctls, and an ICMP echo (python3 raw socket;
// the machine has no ping binary).
import type { Host } from '../lab/netns.js';

/** The link `ifname` on `host` with iproute2's details (kind, mode), or undefined. */
export async function link(host: Host, ifname: string): Promise<{ address: string; kind?: string; mode?: string; flags: string[] } | undefined> {
  const r = await host.exec(['ip', '-j', '-d', 'link', 'show', 'dev', ifname], { allowFail: true });
  if (r.code !== 0) return undefined;
  const l = (JSON.parse(r.stdout) as { address: string; flags: string[]; linkinfo?: { info_kind?: string; info_data?: { mode?: string } } }[])[0]!;
  return { address: l.address, flags: l.flags, ...(l.linkinfo?.info_kind ? { kind: l.linkinfo.info_kind } : {}), ...(l.linkinfo?.info_data?.mode ? { mode: l.linkinfo.info_data.mode } : {}) };
}

export async function addrsOn(host: Host, ifname: string): Promise<string[]> {
  const r = await host.exec(['ip', '-j', 'addr', 'show', 'dev', ifname], { allowFail: true });
  if (r.code !== 0) return [];
  return (JSON.parse(r.stdout) as { addr_info: { local: string }[] }[]).flatMap((l) => l.addr_info.map((a) => a.local));
}

export async function conf4(host: Host, ifname: string, keys: string[]): Promise<Record<string, string>> {
  const r = await host.exec(['sh', '-c', keys.map((k) => `cat /proc/sys/net/ipv${k === 'disable_ipv6' ? 6 : 4}/conf/${ifname}/${k}`).join('; ')]);
  const vals = r.stdout.trim().split('\n');
  return Object.fromEntries(keys.map((k, i) => [k, vals[i]!]));
}

/** ICMP echo from `host` to `addr` (python3 raw socket, 3 requests): the number of replies. */
export async function ping(host: Host, addr: string): Promise<number> {
  const py = `
import socket, struct, os, time, sys
dst = sys.argv[1]
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
s.settimeout(0.5)
def csum(b):
    if len(b) % 2: b += b'\\0'
    t = sum(struct.unpack('!%dH' % (len(b) // 2), b)); t = (t >> 16) + (t & 0xffff); t += t >> 16
    return ~t & 0xffff
ident = os.getpid() & 0xffff; got = 0
for seq in range(3):
    h = struct.pack('!BBHHH', 8, 0, 0, ident, seq) + b'lvsd-vmac'
    s.sendto(struct.pack('!BBHHH', 8, 0, csum(h), ident, seq) + b'lvsd-vmac', (dst, 0))
    end = time.time() + 0.5
    while time.time() < end:
        try: data, src = s.recvfrom(2048)
        except socket.timeout: break
        ihl = (data[0] & 15) * 4
        t, c, _, i, q = struct.unpack('!BBHHH', data[ihl:ihl + 8])
        if src[0] == dst and t == 0 and i == ident and q == seq: got += 1; break
print(got)
`;
  const r = await host.exec(['python3', '-c', py, addr]);
  return Number(r.stdout.trim());
}

