// CLI layer: `lvsd status`: asks the running daemon over its control socket and prints what it reports.
import { flag, has, parseArgs, UsageError } from '../args.js';
import { EXIT, type Command } from '../command.js';
import { request } from '../../control/client.js';
import { ControlError } from '../../control/errors.js';
import { formatStatus } from '../../control/format.js';
import { DEFAULT_SOCKET_PATH } from '../../control/protocol.js';
import { defaultSocketPath } from '../../control/path.js';
import type { DaemonStatus } from '../../daemon/status.js';

export const status: Command = {
  name: 'status',
  summary: "show the running daemon's VRRP instances and virtual servers",
  usage: [
    'usage: lvsd status [--json] [--socket PATH] [--timeout MS]',
    '',
    "Asks the running daemon over its control socket (root only). Exit status: 0 printed, 3 no",
    'daemon answered (the message says whether the socket is missing, refused or not permitted), 64 usage.',
  ].join('\n'),
  flags: [
    { name: 'json', value: false, help: 'print the status as JSON (the daemon\'s DaemonStatus)' },
    { name: 'socket', value: true, metavar: 'PATH', help: `control socket (default: ${DEFAULT_SOCKET_PATH}; in a named network namespace NS, lvsd.NS.sock)` },
    { name: 'timeout', value: true, metavar: 'MS', help: 'give up after this many milliseconds (default: 5000)' },
  ],
  async run(argv, io) {
    const p = parseArgs(argv, this.flags);
    if (p.positionals.length) throw new UsageError(`unexpected argument '${p.positionals[0]}'`);
    const path = flag(p, 'socket') ?? defaultSocketPath();
    const t = flag(p, 'timeout');
    const timeoutMs = t === undefined ? 5000 : Number(t);
    if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new UsageError(`--timeout must be a positive number of milliseconds, not '${t}'`);
    let res;
    try {
      res = await request(path, { cmd: 'status' }, timeoutMs);
    } catch (e) {
      if (e instanceof ControlError) {
        io.err(`lvsd status: ${e.message}`);
        return EXIT.RUNTIME;
      }
      throw e;
    }
    if (!res.ok) {
      io.err(`lvsd status: the daemon answered with an error: ${res.error}`);
      return EXIT.RUNTIME;
    }
    const s = res.result as DaemonStatus;
    if (has(p, 'json')) io.out(JSON.stringify(s, null, 2));
    else if (!isStatus(s)) {
      io.err(`lvsd status: the daemon's answer on ${path} is not a status report`);
      return EXIT.RUNTIME;
    } else io.out(formatStatus(s));
    return EXIT.OK;
  },
};

function isStatus(v: unknown): v is DaemonStatus {
  const s = v as Partial<DaemonStatus> | null;
  return typeof s === 'object' && s !== null && Array.isArray(s.instances) && Array.isArray(s.virtualServers) && typeof s.now === 'number';
}
