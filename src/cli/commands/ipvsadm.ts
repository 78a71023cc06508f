// CLI layer: `lvsd ipvsadm`, the listings of Debian's ipvsadm 1.31, byte for byte, read over
// lvsd's own IPVS client. Read-only: it lists, it never changes the table.
import { readFile } from 'node:fs/promises';
import { UsageError, type FlagSpec } from '../args.js';
import { EXIT, type Command, type Io } from '../command.js';
import { canonicalAddress, parseAddress } from '../../ipvs/addr.js';
import { openIpvs } from '../../ipvs/client.js';
import { IpvsError, IpvsUnavailableError } from '../../ipvs/errors.js';
import {
  formatConnections,
  formatDaemons,
  formatList,
  formatOneService,
  formatSave,
  formatTimeouts,
  type ListFormat,
} from '../../ipvs/ipvsadm-format.js';
import type { IpvsKernel } from '../../ipvs/ops.js';
import type { Family, Protocol, ServiceKey } from '../../ipvs/types.js';

const CONN_PROC_FILE = '/proc/net/ip_vs_conn';

const flags: FlagSpec[] = [
  { name: 'list', short: 'L', value: false, help: 'list the table (also -l)' },
  { name: 'save', short: 'S', value: false, help: 'print the table as ipvsadm rules (-S -n)' },
  { name: 'numeric', short: 'n', value: false, help: 'numeric output (always on: names are not resolved yet)' },
  { name: 'tcp-service', short: 't', value: true, metavar: 'ADDR:PORT', help: 'list one TCP service' },
  { name: 'udp-service', short: 'u', value: true, metavar: 'ADDR:PORT', help: 'list one UDP service' },
  { name: 'sctp-service', value: true, metavar: 'ADDR:PORT', help: 'list one SCTP service' },
  { name: 'fwmark-service', short: 'f', value: true, metavar: 'MARK', help: 'list one firewall-mark service' },
  { name: 'ipv6', short: '6', value: false, help: 'the fwmark service is IPv6' },
  { name: 'connection', short: 'c', value: false, help: 'list connections (/proc/net/ip_vs_conn)' },
  { name: 'stats', value: false, help: 'counters' },
  { name: 'rate', value: false, help: 'rates' },
  { name: 'exact', short: 'X', value: false, help: 'exact numbers, no K/M/G/T' },
  { name: 'thresholds', value: false, help: 'upper/lower connection thresholds' },
  { name: 'persistent-conn', value: false, help: 'persistent connections' },
  { name: 'tun-info', value: false, help: 'tunnel type, port and checksum flags' },
  { name: 'nosort', value: false, help: 'kernel order instead of sorted' },
  { name: 'sort', value: false, help: 'does nothing (the default), as in ipvsadm' },
  { name: 'timeout', value: false, help: 'tcp, tcpfin and udp timeouts' },
  { name: 'daemon', value: false, help: 'connection sync daemons' },
];

const SHORT_VALUE = new Set(['t', 'u', 'f']);
const SHORT_SWITCH: Record<string, string> = {
  L: 'list',
  l: 'list',
  S: 'save',
  n: 'numeric',
  c: 'connection',
  X: 'exact',
  '6': 'ipv6',
};
const LONG_SWITCH = new Set(['list', 'save', 'numeric', 'connection', 'stats', 'rate', 'exact', 'thresholds', 'persistent-conn', 'tun-info', 'nosort', 'sort', 'timeout', 'daemon', 'ipv6']);
const LONG_VALUE = new Set(['tcp-service', 'udp-service', 'sctp-service', 'fwmark-service']);
const SHORT_VALUE_NAME: Record<string, string> = { t: 'tcp-service', u: 'udp-service', f: 'fwmark-service' };

export interface IpvsadmArgs {
  set: Set<string>;
  service?: { option: string; value: string };
}

/** ipvsadm's (popt's) syntax: bundled short options (-Ln, -lnc, -t10.0.0.1:80) and long ones. */
export function parseIpvsadmArgs(argv: readonly string[]): IpvsadmArgs {
  const set = new Set<string>();
  let service: IpvsadmArgs['service'];
  const takeService = (option: string, value: string | undefined): void => {
    if (value === undefined || value === '') throw new UsageError(`option --${option} needs a value`);
    if (service) throw new UsageError("multiple 'service-address' options specified");
    service = { option, value };
  };
  const add = (name: string): void => {
    if (set.has(name) && name !== 'sort') throw new UsageError(`multiple '${name}' options specified`);
    set.add(name);
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
      if (LONG_SWITCH.has(name)) {
        if (eq >= 0) throw new UsageError(`option --${name} takes no value`);
        add(name);
      } else if (LONG_VALUE.has(name)) takeService(name, eq >= 0 ? a.slice(eq + 1) : argv[++i]);
      else throw new UsageError(`unknown or unsupported option --${name} (lvsd ipvsadm only lists)`);
      continue;
    }
    if (!a.startsWith('-') || a.length < 2) throw new UsageError(`unexpected argument ${a}`);
    for (let j = 1; j < a.length; j++) {
      const c = a[j] as string;
      if (SHORT_VALUE.has(c)) {
        const rest = a.slice(j + 1);
        takeService(SHORT_VALUE_NAME[c] as string, rest !== '' ? rest : argv[++i]);
        break;
      }
      const name = SHORT_SWITCH[c];
      if (!name) throw new UsageError(`unknown or unsupported option -${c} (lvsd ipvsadm only lists)`);
      add(name);
    }
  }
  if (!set.has('list') && !set.has('save')) throw new UsageError('give -L (list) or -S (save); lvsd ipvsadm does not change the table');
  if (set.has('list') && set.has('save')) throw new UsageError('multiple commands specified');
  const has = (...n: string[]): boolean => n.some((x) => set.has(x));
  if (
    (has('connection', 'timeout', 'daemon') && has('stats', 'rate', 'thresholds')) ||
    (has('timeout', 'daemon') && has('persistent-conn')) ||
    [has('connection'), !!service, has('timeout'), has('daemon')].filter(Boolean).length > 1
  ) {
    throw new UsageError('options conflicts in the list command');
  }
  if (set.has('save') && (service || has('connection', 'stats', 'rate', 'thresholds', 'persistent-conn', 'timeout', 'daemon', 'exact', 'tun-info'))) {
    throw new UsageError("-S takes only -n (and --nosort)");
  }
  if (set.has('ipv6') && service?.option !== 'fwmark-service') throw new UsageError('-6 used before -f');
  return { set, service };
}

/** "-t 10.0.0.1:80", "-u [2001:db8::1]:53", "-f 7 [-6]" -> a service key. */
export function serviceKeyOf(option: string, value: string, ipv6: boolean): ServiceKey {
  if (option === 'fwmark-service') {
    if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 0xffffffff) {
      throw new UsageError(`invalid fwmark value \`${value}' specified`);
    }
    return { kind: 'fwmark', family: ipv6 ? 'ipv6' : 'ipv4', fwmark: Number(value) };
  }
  const protocol: Protocol = option === 'tcp-service' ? 'tcp' : option === 'udp-service' ? 'udp' : 'sctp';
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(value) ?? /^([^:]+):(\d+)$/.exec(value);
  const addrText = m ? (m[1] as string) : value;
  const port = m ? Number(m[2]) : 0;
  const parsed = parseAddress(addrText);
  if (!parsed || port > 65535) throw new UsageError('illegal virtual server address[:port] specified');
  const family: Family = parsed.family;
  return { kind: 'addr', family, protocol, address: canonicalAddress(family, addrText), port };
}

function write(io: Io, text: string): void {
  if (text !== '') io.out(text);
}

export async function runIpvsadm(
  argv: string[],
  io: Io,
  open: () => Promise<IpvsKernel> = () => openIpvs(),
  readConnections: () => Promise<string> = () => readFile(CONN_PROC_FILE, 'utf8'),
): Promise<number> {
  const a = parseIpvsadmArgs(argv);
  const f: ListFormat = {
    stats: a.set.has('stats'),
    rate: a.set.has('rate'),
    exact: a.set.has('exact'),
    thresholds: a.set.has('thresholds'),
    persistentConn: a.set.has('persistent-conn'),
    tunInfo: a.set.has('tun-info'),
    nosort: a.set.has('nosort'),
  };
  const key = a.service ? serviceKeyOf(a.service.option, a.service.value, a.set.has('ipv6')) : undefined;
  let k: IpvsKernel;
  try {
    k = await open();
  } catch (e) {
    if (e instanceof IpvsUnavailableError) {
      io.err(`lvsd ipvsadm: ${e.message}`);
      return EXIT.RUNTIME;
    }
    throw e;
  }
  try {
    if (a.set.has('save')) {
      write(io, formatSave(await k.dumpTable(), f));
    } else if (a.set.has('connection')) {
      let text: string;
      try {
        text = await readConnections();
      } catch {
        io.err(`cannot open file ${CONN_PROC_FILE}`);
        return 1;
      }
      write(io, formatConnections(text, f));
    } else if (a.set.has('timeout')) {
      write(io, formatTimeouts(await k.getTimeouts()));
    } else if (a.set.has('daemon')) {
      write(io, formatDaemons(await k.daemons()));
    } else if (key) {
      const service = await k.getService(key);
      if (!service) {
        io.err('No such service');
        return 1;
      }
      write(io, formatOneService({ service, dests: await k.dumpDests(key) }, f));
    } else {
      const [info, table] = [await k.info(), await k.dumpTable()];
      write(io, formatList(info, table, f));
    }
    return EXIT.OK;
  } catch (e) {
    if (e instanceof IpvsError) {
      io.err(`lvsd ipvsadm: ${e.message}`);
      return EXIT.RUNTIME;
    }
    throw e;
  } finally {
    k.close();
  }
}

export const ipvsadmCommand: Command = {
  name: 'ipvsadm',
  summary: "list the kernel's IPVS table exactly as ipvsadm 1.31 does",
  usage: [
    'usage: lvsd ipvsadm -L|-l [-n] [--stats|--rate|--thresholds|--persistent-conn|--tun-info] [--exact] [--nosort]',
    '       lvsd ipvsadm -L|-l [-n] -t|-u|--sctp-service ADDR:PORT | -f MARK [-6] [same options]',
    '       lvsd ipvsadm -L|-l [-n] -c [--persistent-conn] | --timeout | --daemon',
    '       lvsd ipvsadm -S [-n] [--nosort]',
    '',
    'Output is byte for byte that of Debian ipvsadm 1.31. Read-only: -A/-E/-D/-a/-e/-d/-C are not',
    'offered. Name resolution is not implemented yet: addresses and ports are always printed',
    'numerically, as with -n. Exit status: 0 listed, 1 no such service, 3 no IPVS in this kernel,',
    '64 bad options.',
  ].join('\n'),
  flags,
  run: (argv, io) => runIpvsadm(argv, io),
};
