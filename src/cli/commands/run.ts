// CLI layer: `lvsd run`: load the configuration, start the VRRP node in the foreground with JSON logs,
// stop gracefully on SIGTERM / SIGINT (masters send priority 0 and release their VIPs).
import { pino } from 'pino';
import { loadToRun } from '../../config/load.js';
import { resolveVrrp } from '../../config/resolve-vrrp.js';
import { logVrrpEvents, type LogLevel } from '../../events/log.js';
import { vrrpBus } from '../../events/vrrp.js';
import { runtimeConfig } from '../../vrrp/from-config.js';
import { VrrpRuntimeError } from '../../vrrp/runtime/errors.js';
import { interfaceAddresses, linuxPorts } from '../../vrrp/runtime/linux.js';
import { VrrpNode } from '../../vrrp/runtime/node.js';
import { flag, has, parseArgs, UsageError } from '../args.js';
import { EXIT, type Command } from '../command.js';

const LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];

export const run: Command = {
  name: 'run',
  summary: 'run in the foreground: VRRP (--vrrp-only) or IPVS with health checks (--check-only)',
  usage: [
    'usage: lvsd run --vrrp-only -f FILE [--config-id ID] [--log-level LEVEL]',
    '       lvsd run --check-only -f FILE [--config-id ID] [--log-level LEVEL]',
    '',
    '--vrrp-only (keepalived -P) runs the VRRP instances of FILE (keepalived.conf or YAML) in the',
    'foreground and logs JSON lines on standard output. SIGTERM or SIGINT stops it gracefully: masters',
    'send priority 0 and remove the VIPs they added, notify_stop runs, exit status 0.',
    '',
    '--check-only (keepalived -C) programs IPVS from the virtual_server blocks and runs their health',
    'checks: failing real servers get weight 0 or leave the table, the sorry server takes over when the',
    'pool is empty. SIGTERM or SIGINT removes what it programmed.',
    '',
    'Both parts in one process (the full daemon) are not in this build yet: without a mode, a',
    'configuration with virtual_server blocks is refused (its VIPs would attract traffic that nothing',
    'forwards); one without them runs as with --vrrp-only. SIGHUP (reload) is not supported yet and is ignored.',
    '',
    'Needs root (CAP_NET_RAW for the VRRP sockets, CAP_NET_ADMIN for the VIPs).',
    'Exit status: 0 stopped by a signal, 2 configuration errors, 3 could not start or failed, 64 usage, 66 file unreadable.',
  ].join('\n'),
  flags: [
    { name: 'file', short: 'f', value: true, metavar: 'FILE', help: 'configuration file (keepalived.conf or .yaml/.yml)' },
    { name: 'config-id', short: 'i', value: true, metavar: 'ID', help: "select '@ID' lines (default: the short host name)" },
    { name: 'vrrp-only', value: false, help: 'run VRRP only (no IPVS, no checkers), like keepalived -P' },
    { name: 'check-only', value: false, help: 'program IPVS and run health checks only (no VRRP), like keepalived -C' },
    { name: 'log-level', short: 'l', value: true, metavar: 'LEVEL', help: `log level: ${LEVELS.join(', ')} (default info)` },
  ],
  async run(argv, io) {
    const p = parseArgs(argv, this.flags);
    if (p.positionals.length > 0) throw new UsageError(`unexpected argument '${p.positionals[0]}'`);
    const file = flag(p, 'file');
    if (!file) throw new UsageError('no configuration file given (-f FILE)');
    const level = (flag(p, 'log-level') ?? 'info') as LogLevel;
    if (!LEVELS.includes(level)) throw new UsageError(`--log-level must be one of ${LEVELS.join(', ')}`);
    if (has(p, 'check-only')) {
      if (has(p, 'vrrp-only')) throw new UsageError('--vrrp-only and --check-only exclude each other');
      const { runCheckOnly } = await import('../../check/run-check-only.js');
      const id = flag(p, 'config-id');
      return runCheckOnly({ file, logLevel: level, ...(id !== undefined ? { configId: id } : {}) }, io);
    }

    const loaded = loadToRun(file, flag(p, 'config-id'), io.err);
    if (!loaded.ok) return loaded.why === 'unreadable' ? EXIT.NOINPUT : EXIT.CONFIG_ERRORS;
    const cfg = loaded.cfg;
    const lvsParts = cfg.model.virtual_servers.length + cfg.model.virtual_server_groups.length;
    if (!has(p, 'vrrp-only') && lvsParts > 0) {
      io.err('lvsd run: this build runs VRRP (--vrrp-only) or IPVS with health checks (--check-only), not both in one process, and this configuration has virtual_server blocks; refusing to take VIPs that nothing would forward. Choose --vrrp-only or --check-only.');
      return EXIT.USAGE;
    }
    const resolved = resolveVrrp(cfg.model);
    if (resolved.instances.length === 0) {
      io.err(`lvsd run: ${file} has no vrrp_instance; nothing to run`);
      return EXIT.CONFIG_ERRORS;
    }

    let ports;
    try {
      ports = await linuxPorts();
    } catch (e) {
      io.err(`lvsd run: cannot open the kernel interfaces: ${(e as Error).message}`);
      return EXIT.RUNTIME;
    }
    try {
      const names = [...new Set(resolved.instances.map((i) => i.interface).filter((n): n is string => n !== undefined))];
      const vipSet = new Set(resolved.instances.flatMap((i) => i.vips.map((v) => v.address)));
      const addrs = await interfaceAddresses(ports, names, vipSet);
      const { config, issues } = runtimeConfig(resolved, (n) => addrs.get(n));
      for (const i of issues) io.err(`${file}: ${i.severity}: ${i.message}`);
      if (issues.some((i) => i.severity === 'error')) {
        io.err(`lvsd run: ${file} cannot run here; not starting`);
        return EXIT.CONFIG_ERRORS;
      }

      const logger = pino({ level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime });
      if (!has(p, 'vrrp-only')) logger.warn({ event: 'lvsd.mode' }, 'this build runs VRRP only: no IPVS, no health checks');
      const bus = vrrpBus();
      bus.onSubscriberError = (e) => io.err(`lvsd run: a log subscriber failed: ${String(e)}`);
      logVrrpEvents(bus, logger);
      let fatal: Error | undefined;
      const node = new VrrpNode(config, ports, {
        bus,
        onFatal: (e) => {
          fatal = e;
          process.kill(process.pid, 'SIGTERM');
        },
      });
      let stopping: Promise<void> | undefined;
      const stopped = new Promise<string>((resolve) => {
        const onSignal = (sig: string): void => {
          if (sig === 'SIGHUP') {
            logger.warn({ event: 'lvsd.reload' }, 'SIGHUP: reload is not supported by this build; ignored');
            return;
          }
          if (stopping) return;
          // The priority-0 adverts leave inside this call, before anything is logged.
          if (node.running) stopping = node.stop();
          logger.info({ event: 'lvsd.signal', signal: sig }, `${sig}: stopping`);
          resolve(sig);
        };
        for (const s of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(s, () => onSignal(s));
      });
      try {
        await node.start();
      } catch (e) {
        if (e instanceof VrrpRuntimeError) {
          io.err(`lvsd run: ${e.message}`);
          await node.stop();
          return EXIT.RUNTIME;
        }
        throw e;
      }
      logger.info({ event: 'lvsd.ready', instances: config.instances.map((i) => i.core.name) }, 'lvsd running (VRRP only)');
      await stopped;
      // A second signal while stopping ends the process at once.
      process.once('SIGINT', () => process.exit(EXIT.RUNTIME));
      process.once('SIGTERM', () => process.exit(EXIT.RUNTIME));
      await (stopping ?? node.stop());
      logger.info({ event: 'lvsd.exit' }, 'stopped');
      logger.flush();
      return fatal ? EXIT.RUNTIME : EXIT.OK;
    } finally {
      ports.close();
    }
  },
};
