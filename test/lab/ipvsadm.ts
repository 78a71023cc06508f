// Test lab yardstick: reads the kernel's IPVS table through Debian's ipvsadm (1.31) in a lab
// host, and parses its two listing forms (`-S -n` rules and `-L -n` table) into one model.
import type { Host } from './netns.js';
import { LabError } from './errors.js';

export type IpvsProto = 'tcp' | 'udp' | 'sctp' | 'fwm';
export type IpvsMethod = 'masq' | 'route' | 'tunnel' | 'local' | 'bypass';

export interface IpvsReal {
  addr: string;
  port: number;
  method: IpvsMethod;
  weight: number;
  /** Only from `-L -n`. */
  activeConns?: number;
  inactiveConns?: number;
}

export interface IpvsService {
  proto: IpvsProto;
  /** Virtual address (empty for fwmark services). */
  addr: string;
  /** Port, or the firewall mark for fwm services. */
  port: number;
  scheduler: string;
  /** Remaining options as printed (e.g. ["-p", "300"] or ["persistent", "300"]). */
  options: string[];
  reals: IpvsReal[];
}

/** "10.0.0.1:80" or "[2001:db8::1]:80" -> [addr, port]. */
export function splitHostPort(s: string): [string, number] {
  const m = /^\[([0-9a-fA-F:.]+)\]:(\d+)$/.exec(s) ?? /^([0-9.]+):(\d+)$/.exec(s);
  if (!m) throw new LabError('LAB_BAD_OUTPUT', `ipvsadm: bad address ${JSON.stringify(s)}`);
  return [m[1]!, Number(m[2])];
}

const PROTO_FLAG: Record<string, IpvsProto> = { '-t': 'tcp', '-u': 'udp', '--sctp-service': 'sctp', '-f': 'fwm' };
const METHOD_FLAG: Record<string, IpvsMethod> = { '-m': 'masq', '-g': 'route', '-i': 'tunnel' };
const METHOD_WORD: Record<string, IpvsMethod> = { Masq: 'masq', Route: 'route', Tunnel: 'tunnel', Local: 'local', Bypass: 'bypass' };

function serviceKey(proto: IpvsProto, addr: string, port: number): string {
  return `${proto} ${addr} ${port}`;
}

/** Parses `ipvsadm -S -n` (the rules form ipvsadm -R reads back). */
export function parseIpvsRules(text: string): IpvsService[] {
  const services = new Map<string, IpvsService>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    const w = line.split(/\s+/);
    const cmd = w[0];
    const pflag = w[1] ?? '';
    const proto = PROTO_FLAG[pflag];
    if ((cmd !== '-A' && cmd !== '-a') || !proto) throw new LabError('LAB_BAD_OUTPUT', `ipvsadm -S: cannot read ${JSON.stringify(line)}`);
    const [addr, port] = proto === 'fwm' ? ['', Number(w[2])] : splitHostPort(w[2] ?? '');
    const key = serviceKey(proto, addr, port);
    if (cmd === '-A') {
      const sIdx = w.indexOf('-s');
      const scheduler = sIdx >= 0 ? w[sIdx + 1] ?? '' : '';
      const options = w.slice(3).filter((_, i) => i + 3 !== sIdx && i + 3 !== sIdx + 1);
      services.set(key, { proto, addr, port, scheduler, options, reals: [] });
      continue;
    }
    const svc = services.get(key);
    if (!svc) throw new LabError('LAB_BAD_OUTPUT', `ipvsadm -S: real server before its service: ${line}`);
    const rIdx = w.indexOf('-r');
    const [raddr, rport] = splitHostPort(w[rIdx + 1] ?? '');
    const mflag = w.find((x) => x in METHOD_FLAG);
    const wIdx = w.indexOf('-w');
    svc.reals.push({ addr: raddr, port: rport, method: mflag ? METHOD_FLAG[mflag]! : 'route', weight: wIdx >= 0 ? Number(w[wIdx + 1]) : 1 });
  }
  return [...services.values()];
}

/** Parses `ipvsadm -L -n` (the table, with connection counters). */
export function parseIpvsList(text: string): IpvsService[] {
  const out: IpvsService[] = [];
  for (const raw of text.split('\n')) {
    if (!raw.trim() || raw.startsWith('IP Virtual Server') || raw.startsWith('Prot ') || /^\s+-> RemoteAddress/.test(raw)) continue;
    const w = raw.trim().split(/\s+/);
    if (w[0] === '->') {
      const svc = out.at(-1);
      if (!svc) throw new LabError('LAB_BAD_OUTPUT', `ipvsadm -L: real server before its service: ${raw}`);
      const [addr, port] = splitHostPort(w[1] ?? '');
      const method = METHOD_WORD[w[2] ?? ''];
      if (!method) throw new LabError('LAB_BAD_OUTPUT', `ipvsadm -L: bad forward method in ${raw}`);
      svc.reals.push({ addr, port, method, weight: Number(w[3]), activeConns: Number(w[4]), inactiveConns: Number(w[5]) });
      continue;
    }
    const proto = ({ TCP: 'tcp', UDP: 'udp', SCTP: 'sctp', FWM: 'fwm' } as Record<string, IpvsProto>)[w[0] ?? ''];
    if (!proto) throw new LabError('LAB_BAD_OUTPUT', `ipvsadm -L: cannot read ${JSON.stringify(raw)}`);
    const [addr, port] = proto === 'fwm' ? ['', Number(w[1])] : splitHostPort(w[1] ?? '');
    out.push({ proto, addr, port, scheduler: w[2] ?? '', options: w.slice(3), reals: [] });
  }
  return out;
}

/** The IPVS table of `host`'s namespace, from `ipvsadm -S -n`. */
export async function readIpvsRules(host: Host): Promise<IpvsService[]> {
  return parseIpvsRules((await host.exec(['ipvsadm', '-S', '-n'])).stdout);
}

/** The IPVS table of `host`'s namespace with counters, from `ipvsadm -L -n`. */
export async function readIpvsList(host: Host): Promise<IpvsService[]> {
  return parseIpvsList((await host.exec(['ipvsadm', '-L', '-n'])).stdout);
}

/** Runs ipvsadm rule lines (as `ipvsadm -R` reads them) in `host`. */
export async function ipvsRestore(host: Host, rules: string | readonly string[]): Promise<void> {
  const body = (typeof rules === 'string' ? [rules] : rules).join('\n') + '\n';
  await host.exec(['ipvsadm', '-R'], { input: body });
}
