// Composition: the body of `lvsd run --check-only -f FILE` (keepalived --check): programs IPVS from
// the configuration's virtual_server blocks, runs their health checks in the foreground, logs
// state changes (once per change) as JSON lines, runs notify scripts, and on SIGTERM/SIGINT
// removes what it programmed. The CLI command only parses flags and calls runCheckOnly.
import { networkInterfaces } from 'node:os';
import { pino, type Logger } from 'pino';
import { loadToRun } from '../config/load.js';
import { resolveLvs } from '../config/resolve-lvs.js';
import type { Command } from '../config/model/common.js';
import { runScript } from '../exec/run.js';
import { resolveIds } from '../exec/users.js';
import { openIpvs } from '../ipvs/client.js';
import type { IpvsKernel } from '../ipvs/ops.js';
import { Reconciler } from '../ipvs/reconcile.js';
import type { TrackFileInfo } from './factory.js';
import { CheckPool, type PoolEvent } from './scheduler.js';
import { CheckError } from './types.js';

export interface CheckOnlyIo {
  out: (s: string) => void;
  err: (s: string) => void;
}

export interface CheckOnlyOptions {
  file: string;
  configId?: string;
  logLevel?: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
  /** The IPVS kernel (tests pass a fake); default: generic netlink. */
  kernel?: IpvsKernel;
  /** Stops the run when aborted (tests); by default SIGTERM / SIGINT stop it. */
  signal?: AbortSignal;
  /** Where JSON log lines go (default stdout). */
  logDestination?: NodeJS.WritableStream;
  /** Called once the table is programmed and the checks run. */
  onReady?: (pool: CheckPool) => void;
}

/** Exit codes as the CLI defines them (src/cli/command.ts EXIT). */
const EXIT = { OK: 0, CONFIG_ERRORS: 2, RUNTIME: 3, NOINPUT: 66 } as const;

/** Time a notify script may run (keepalived runs them unbounded; lvsd bounds every script). */
const NOTIFY_TIMEOUT_MS = 60_000;

function defaultScriptUser(): { user: string; group?: string } | undefined {
  try {
    resolveIds('keepalived_script');
    return { user: 'keepalived_script' };
  } catch {
    return undefined; // keepalived: root when keepalived_script does not exist
  }
}

/** Addresses configured on this host now (for ha_suspend). */
function localAddresses(): Set<string> {
  const out = new Set<string>();
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) out.add(a.address);
  return out;
}

export async function runCheckOnly(o: CheckOnlyOptions, io: CheckOnlyIo): Promise<number> {
  // Problems are printed and errors refuse the run (keepalived's fix-up findings are among them).
  const loaded = loadToRun(o.file, o.configId, io.err);
  if (!loaded.ok) return loaded.why === 'unreadable' ? EXIT.NOINPUT : EXIT.CONFIG_ERRORS;
  const cfg = loaded.cfg;
  const lvs = resolveLvs(cfg.model);
  if (lvs.virtual_servers.length === 0) {
    io.err(`lvsd run --check-only: ${o.file} has no usable virtual_server; nothing to check`);
    return EXIT.CONFIG_ERRORS;
  }
  const g = cfg.model.global_defs;
  const trackFiles = new Map<string, TrackFileInfo>();
  for (const t of cfg.model.vrrp_track_files) if (t.file) trackFiles.set(t.name, { file: t.file, weight: t.weight ?? 1, reverse: t.reverse === true });
  const su: { user: string; group?: string } | undefined = g?.script_user ? { user: g.script_user.user, ...(g.script_user.group ? { group: g.script_user.group } : {}) } : defaultScriptUser();

  const logger: Logger = pino({ level: o.logLevel ?? 'info', base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime }, (o.logDestination ?? pino.destination(1)) as pino.DestinationStream);
  let kernel: IpvsKernel;
  try {
    kernel = o.kernel ?? (await openIpvs());
  } catch (e) {
    io.err(`lvsd run: cannot open IPVS: ${(e as Error).message}`);
    return EXIT.RUNTIME;
  }
  const notify = (cmd: Command, what: string): Promise<void> =>
    runScript({ command: cmd.command, timeoutMs: NOTIFY_TIMEOUT_MS, ...(cmd.user ? { user: cmd.user } : su ? { user: su.user } : {}), ...(cmd.group ? { group: cmd.group } : !cmd.user && su?.group ? { group: su.group } : {}) }).then((r) => {
      if (r.error || r.timedOut || r.exitCode !== 0) logger.warn({ event: 'check.notify.failed', command: cmd.command, what, exit: r.exitCode, timedOut: r.timedOut, error: r.error?.message }, `notify ${what} ${cmd.command} failed`);
    });
  const pending = new Set<Promise<void>>();
  const onEvent = (e: PoolEvent): void => {
    switch (e.kind) {
      case 'action':
        if (e.action.kind === 'log') logger.info({ event: 'lvs.change' }, e.action.message);
        else {
          const p = notify(e.action.command, e.action.event);
          pending.add(p);
          void p.finally(() => pending.delete(p));
          logger.info({ event: 'check.notify', what: e.action.event, vs: e.action.vs, rs: e.action.rs, command: e.action.command.command }, `notify ${e.action.event}: ${e.action.command.command}`);
        }
        return;
      case 'checker':
        logger.info({ event: 'check.state', check: e.target, state: e.event, reason: e.result.reason, servers: e.servers }, `${e.target} ${e.event === 'up' ? 'succeeded' : e.event === 'down' ? `failed${e.retry ? ` after ${e.retry} retries` : ''}` : 'failed (starting down)'}: ${e.result.detail}`);
        return;
      case 'failure':
        logger.info({ event: 'check.failure', check: e.target, reason: e.result.reason }, `${e.target} failed: ${e.result.detail}`);
        return;
      case 'table-error':
        logger.error({ event: 'lvs.table-error', error: e.error.message }, `IPVS update failed: ${e.error.message}`);
        return;
    }
  };
  const reconciler = new Reconciler({
    kernel,
    flush: g?.lvs_flush === true,
    onEvent: (e) => {
      if (e.type === 'error') logger.error({ event: 'lvs.error', error: e.error.message }, `IPVS: ${e.error.message}`);
      else if (e.type === 'drift') logger.warn({ event: 'lvs.drift', repaired: e.repaired }, `IPVS table changed by someone else; repaired ${e.repaired.length} entries`);
    },
  });
  const haSuspend = lvs.virtual_servers.map((vs, v) => ({ v, vs })).filter((x) => x.vs.ha_suspend);
  const vipOf = (v: number): string[] => (lvs.virtual_servers[v]?.services ?? []).flatMap((s) => (s.kind === 'address' ? [s.first] : []));
  const present = localAddresses();
  let pool: CheckPool;
  try {
    pool = new CheckPool({
      virtualServers: lvs.virtual_servers,
      sink: reconciler,
      context: { ...(lvs.ssl ? { ssl: lvs.ssl } : {}), ...(su ? { scriptUser: su } : {}), trackFiles },
      onEvent,
      policy: { rsInitNotifies: g?.rs_init_notifies === true },
      suspended: haSuspend.filter((x) => !vipOf(x.v).some((a) => present.has(a))).map((x) => x.v),
    });
  } catch (e) {
    kernel.close();
    if (e instanceof CheckError) {
      io.err(`lvsd run: ${e.message}`);
      return EXIT.CONFIG_ERRORS;
    }
    throw e;
  }
  let vipPoll: NodeJS.Timeout | undefined;
  const stopped = new Promise<string>((resolve) => {
    if (o.signal) {
      if (o.signal.aborted) resolve('abort');
      o.signal.addEventListener('abort', () => resolve('abort'), { once: true });
      return;
    }
    for (const s of ['SIGTERM', 'SIGINT'] as const) process.once(s, () => resolve(s));
    process.on('SIGHUP', () => logger.warn({ event: 'lvsd.reload' }, 'SIGHUP: reload is not supported by this build; ignored'));
  });
  try {
    await pool.start();
  } catch (e) {
    logger.error({ event: 'lvsd.start-failed', error: (e as Error).message }, `could not program IPVS: ${(e as Error).message}`);
    await pool.stop();
    await reconciler.stop().catch(() => undefined);
    kernel.close();
    logger.flush();
    return EXIT.RUNTIME;
  }
  reconciler.start();
  if (haSuspend.length) {
    // ha_suspend: checks run only while this host holds the virtual server's address.
    vipPoll = setInterval(() => {
      const now = localAddresses();
      for (const x of haSuspend) pool.suspend(x.v, !vipOf(x.v).some((a) => now.has(a)));
    }, 1000);
  }
  logger.info({ event: 'lvsd.ready', virtualServers: lvs.virtual_servers.map((v) => v.id), probes: pool.unitCount }, `lvsd running (checks only): ${lvs.virtual_servers.length} virtual server(s), ${pool.unitCount} probe(s)`);
  o.onReady?.(pool);
  const sig = await stopped;
  logger.info({ event: 'lvsd.signal', signal: sig }, `${sig}: stopping`);
  if (vipPoll) clearInterval(vipPoll);
  await pool.stop();
  // keepalived runs the shutdown notifiers with a one-second limit; lvsd waits for them as long.
  await Promise.race([Promise.allSettled([...pending]), new Promise((r) => setTimeout(r, 1000))]);
  let code: number = EXIT.OK;
  try {
    const r = await reconciler.stop();
    logger.info({ event: 'lvs.stopped', removed: r.removed, left: r.left }, `removed ${r.removed} virtual service(s)${r.left.length ? `; still in the kernel: ${r.left.join(', ')}` : ''}`);
    if (r.left.length) code = EXIT.RUNTIME;
  } catch (e) {
    logger.error({ event: 'lvs.stop-failed', error: (e as Error).message }, `could not remove the virtual services: ${(e as Error).message}`);
    code = EXIT.RUNTIME;
  }
  kernel.close();
  logger.flush();
  return code;
}
