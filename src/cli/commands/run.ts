// CLI layer: `lvsd run`: parses the flags, starts the daemon (src/daemon/daemon.ts) in the foreground
// with JSON logs, and maps signals as keepalived does: SIGHUP reload, SIGTERM / SIGINT stop,
// SIGUSR1 data dump, SIGUSR2 stats dump, SIGURG JSON dump (keepalived's SIGJSON is a real-time signal,
// which Node cannot catch; `lvsd signum JSON` prints the number).
import type { LogLevel } from '../../events/log.js';
import type { DaemonMode } from '../../daemon/parts.js';
import type { IpvsProgram } from '../../daemon/ownership.js';
import { flag, has, parseArgs, UsageError } from '../args.js';
import type { Command } from '../command.js';

const LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];

/** The signals lvsd acts on, by keepalived's --signum names. */
export const SIGNALS: Readonly<Record<string, NodeJS.Signals>> = { RELOAD: 'SIGHUP', STOP: 'SIGTERM', DATA: 'SIGUSR1', STATS: 'SIGUSR2', JSON: 'SIGURG' };

export const DEFAULT_METRICS = '127.0.0.1:9650';
export const DEFAULT_CONTROL_SOCKET = '/run/lvsd/lvsd.sock';

/** `ADDR:PORT` / `[V6]:PORT` / `off`. */
export function parseListen(s: string): { host: string; port: number } | null {
  if (s === 'off') return null;
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s]+)):(\d{1,5})$/.exec(s);
  const port = m ? Number(m[3]) : NaN;
  if (!m || !(port >= 0 && port <= 65535)) throw new UsageError(`--metrics-listen wants ADDR:PORT, [IPV6]:PORT or off, not '${s}'`);
  return { host: (m[1] ?? m[2]) as string, port };
}

export const run: Command = {
  name: 'run',
  summary: 'run the daemon in the foreground: VRRP, health checks and IPVS',
  usage: [
    'usage: lvsd run -f FILE [--vrrp-only | --check-only] [--config-id ID] [--log-level LEVEL]',
    '                [--ipvs-program follow_vrrp|always] [--metrics-listen ADDR:PORT|off] [--control-socket PATH|off]',
    '',
    'Runs the VRRP instances and the virtual servers of FILE (keepalived.conf or YAML) in the foreground,',
    'logging JSON lines on standard output. A director that becomes MASTER for a VIP programs the VIP\'s',
    'virtual servers just before adding it, and withdraws them just after removing it (follow_vrrp, the',
    'default); `always` keeps every virtual server programmed on every director, as keepalived does (use it',
    'with lvs_sync_daemon, or when a takeover must not wait for one IPVS update). global_defs',
    'lvsd_ipvs_program sets the same; the flag wins.',
    '',
    '--vrrp-only (keepalived -P) runs VRRP only; --check-only (keepalived -C) programs IPVS and runs the',
    'health checks only (every virtual server programmed).',
    '',
    'Signals: SIGHUP reloads FILE (unchanged instances keep their state, only changed IPVS entries are',
    'edited, a broken file is rejected and the running configuration kept); SIGTERM / SIGINT stop',
    'gracefully (priority-0 adverts, VIPs and owned IPVS entries removed); SIGUSR1 writes /tmp/lvsd.data,',
    'SIGUSR2 /tmp/lvsd.stats, SIGURG /tmp/lvsd.json (keepalived\'s data, stats and JSON dumps).',
    '',
    `Metrics: Prometheus text on http://${DEFAULT_METRICS}/metrics and /healthz by default.`,
    `Control socket: ${DEFAULT_CONTROL_SOCKET} (mode 0600; in a named network namespace NS, lvsd.NS.sock`,
    'beside it), read by `lvsd status` run in the same namespace.',
    '',
    'Needs root (CAP_NET_RAW for the VRRP sockets, CAP_NET_ADMIN for VIPs and IPVS). Without IPVS in the',
    'kernel, VRRP and the checks still run and the condition is logged and shown by `lvsd status`.',
    'Exit status: 0 stopped by a signal, 2 configuration errors, 3 could not start or failed, 64 usage, 66 file unreadable.',
  ].join('\n'),
  flags: [
    { name: 'file', short: 'f', value: true, metavar: 'FILE', help: 'configuration file (keepalived.conf or .yaml/.yml)' },
    { name: 'config-id', short: 'i', value: true, metavar: 'ID', help: "select '@ID' lines (default: the short host name)" },
    { name: 'vrrp-only', value: false, help: 'run VRRP only (no IPVS, no checkers), like keepalived -P' },
    { name: 'check-only', value: false, help: 'program IPVS and run health checks only (no VRRP), like keepalived -C' },
    { name: 'log-level', short: 'l', value: true, metavar: 'LEVEL', help: `log level: ${LEVELS.join(', ')} (default info)` },
    { name: 'ipvs-program', value: true, metavar: 'MODE', help: 'follow_vrrp (default) or always' },
    { name: 'metrics-listen', value: true, metavar: 'ADDR:PORT', help: `Prometheus listener, or off (default ${DEFAULT_METRICS})` },
    { name: 'control-socket', value: true, metavar: 'PATH', help: `control socket for lvsd status, or off (default ${DEFAULT_CONTROL_SOCKET})` },
  ],
  async run(argv, io) {
    const p = parseArgs(argv, this.flags);
    if (p.positionals.length > 0) throw new UsageError(`unexpected argument '${p.positionals[0]}'`);
    const file = flag(p, 'file');
    if (!file) throw new UsageError('no configuration file given (-f FILE)');
    const level = (flag(p, 'log-level') ?? 'info') as LogLevel;
    if (!LEVELS.includes(level)) throw new UsageError(`--log-level must be one of ${LEVELS.join(', ')}`);
    if (has(p, 'check-only') && has(p, 'vrrp-only')) throw new UsageError('--vrrp-only and --check-only exclude each other');
    const mode: DaemonMode = has(p, 'check-only') ? 'check-only' : has(p, 'vrrp-only') ? 'vrrp-only' : 'full';
    const prog = flag(p, 'ipvs-program');
    if (prog !== undefined && prog !== 'follow_vrrp' && prog !== 'always') throw new UsageError(`--ipvs-program must be follow_vrrp or always, not '${prog}'`);
    const metrics = parseListen(flag(p, 'metrics-listen') ?? DEFAULT_METRICS);
    const { defaultSocketPath } = await import('../../control/path.js');
    const controlFlag = flag(p, 'control-socket') ?? defaultSocketPath();
    const control = controlFlag === 'off' ? null : controlFlag;
    const id = flag(p, 'config-id');

    const { Daemon } = await import('../../daemon/daemon.js');
    const { startServices } = await import('../../daemon/services.js');
    const { version } = await import('../main.js');
    const d = new Daemon(
      {
        file,
        mode,
        logLevel: level,
        version: version(),
        ...(id !== undefined ? { configId: id } : {}),
        ...(prog !== undefined ? { ipvsProgram: prog as IpvsProgram } : {}),
        services: (dd) => startServices(dd, { metrics, control }),
      },
      io,
    );
    const handlers: [NodeJS.Signals, () => void][] = [
      ['SIGTERM', () => d.requestStop('SIGTERM')],
      ['SIGINT', () => d.requestStop('SIGINT')],
      ['SIGHUP', () => void d.reload()],
      ['SIGUSR1', () => void d.dump('data')],
      ['SIGUSR2', () => void d.dump('stats')],
      ['SIGURG', () => void d.dump('json')],
    ];
    for (const [s, h] of handlers) process.on(s, h);
    try {
      return await d.run();
    } finally {
      for (const [s, h] of handlers) process.off(s, h);
    }
  },
};
