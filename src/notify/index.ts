// Entry (wiring): keepalived's notify FIFOs and SMTP alerts for the daemon. Subscribes to the VRRP
// and LVS buses (never the other way round), turns their events into FIFO lines and mails
// (router.ts), writes the lines (fifo.ts) and sends the mails one at a time (smtp.ts). Nothing here
// can stop the daemon: a FIFO or relay that fails is logged and counted.
import { hostname, userInfo } from 'node:os';
import type { ConfigModel } from '../config/model/index.js';
import { resolveLvs, type ResolvedLvs } from '../config/resolve-lvs.js';
import { resolveVrrp, type ResolvedVrrp } from '../config/resolve-vrrp.js';
import type { LvsBus } from '../events/lvs.js';
import type { VrrpBus } from '../events/vrrp.js';
import { resolveIds } from '../exec/users.js';
import { NotifyFifo, type FifoStats, type FifoTiming, type LogFn } from './fifo.js';
import { NotifyRouter, type RouterStats } from './router.js';
import { notifySettings, resolveFifos, resolveSmtp, type HostFacts, type NotifySettings } from './settings.js';
import { Mailer, type MailerStats } from './smtp.js';

export type { LogFn } from './fifo.js';

export interface NotificationsOptions {
  model: ConfigModel;
  vrrp?: VrrpBus;
  lvs?: LvsBus;
  log?: LogFn;
  /** The resolved configuration when the caller has it already (else resolved here). */
  resolved?: { vrrp?: ResolvedVrrp; lvs?: ResolvedLvs };
  /** Host name, user and default script user (default: this host's). */
  host?: Partial<HostFacts>;
  /** Mails waiting behind the one being sent (default 32). */
  mailBacklog?: number;
  /** close(): time the mail queue gets to empty (default 3000 ms). */
  closeGraceMs?: number;
  fifoTiming?: FifoTiming;
  /** Minutes east of UTC for the Date header (default: this host's). */
  tzOffsetMin?: number;
}

export interface NotificationStats {
  fifos: FifoStats[];
  smtp: (MailerStats & { enabled: true }) | { enabled: false };
  events: RouterStats;
}

export interface Notifications {
  readonly settings: NotifySettings;
  stats(): NotificationStats;
  /** Unsubscribes, sends what is pending (bounded by closeGraceMs), closes the FIFOs and stops their scripts. */
  close(): Promise<void>;
}

/** keepalived's default script user: keepalived_script when it exists, else none (lvsd's own user). */
function defaultScriptUser(model: ConfigModel): HostFacts['defaultScriptUser'] {
  const su = model.global_defs?.script_user;
  if (su) return { user: su.user, ...(su.group !== undefined ? { group: su.group } : {}) };
  try {
    resolveIds('keepalived_script');
    return { user: 'keepalived_script' };
  } catch {
    return undefined;
  }
}

function hostFacts(model: ConfigModel, h: Partial<HostFacts> = {}): HostFacts {
  let username = h.username;
  if (username === undefined) {
    try {
      username = userInfo().username;
    } catch {
      username = 'root';
    }
  }
  const dsu = 'defaultScriptUser' in h ? h.defaultScriptUser : defaultScriptUser(model);
  return { hostname: h.hostname ?? hostname(), username, ...(dsu ? { defaultScriptUser: dsu } : {}) };
}

export async function startNotifications(o: NotificationsOptions): Promise<Notifications> {
  const log: LogFn = o.log ?? (() => {});
  const host = hostFacts(o.model, o.host);
  // What opens now: the FIFOs and the mail relay (and what keepalived would say about them).
  const notes: string[] = [];
  const fifoSpecs = resolveFifos(o.model, host, notes);
  const smtp = resolveSmtp(o.model, host);
  for (const n of notes) log('info', 'notify.config', n);
  // The per-instance and per-server tables the router reads are built at the first event (or the
  // first stats() / settings read), not at start: a daemon with 10,000 virtual servers and no
  // event yet does not pay for them before it programs its table.
  let settings: NotifySettings | undefined;
  const getSettings = (): NotifySettings => (settings ??= notifySettings(o.model, host, o.resolved?.vrrp ?? resolveVrrp(o.model), o.resolved?.lvs ?? resolveLvs(o.model)));

  const fifos = fifoSpecs.map((spec) => NotifyFifo.open(spec, log, o.fifoTiming));
  const mailer = smtp
    ? new Mailer({ smtp, log, ...(o.mailBacklog !== undefined ? { backlog: o.mailBacklog } : {}), ...(o.tzOffsetMin !== undefined ? { tzOffsetMin: o.tzOffsetMin } : {}) })
    : undefined;

  let deferred: NodeJS.Immediate | undefined;
  let pendingFlush: (() => void) | undefined;
  let routerObj: NotifyRouter | undefined;
  const router = (): NotifyRouter =>
    (routerObj ??= new NotifyRouter(getSettings(), {
      fifo: (kind, line) => {
        for (const f of fifos) if (f.spec[kind]) f.write(line);
      },
      mail: (m) => {
        mailer?.enqueue(m);
      },
      defer: (fn) => {
        pendingFlush = fn;
        deferred = setImmediate(() => {
          deferred = undefined;
          pendingFlush = undefined;
          fn();
        });
      },
    }));

  const offs: (() => void)[] = [];
  if (o.vrrp) {
    offs.push(
      o.vrrp.on('vrrp.transition', (p) => router().transition(p)),
      o.vrrp.on('vrrp.group', (p) => router().group(p)),
      o.vrrp.on('vrrp.priority', (p) => router().priority(p)),
      o.vrrp.on('vrrp.conflict', (p) => router().conflict(p)),
      o.vrrp.on('vrrp.stopped', (p) => router().stopped(p)),
    );
  }
  if (o.lvs) {
    offs.push(
      o.lvs.on('check.state', (p) => router().checkState(p)),
      o.lvs.on('lvs.rs', (p) => router().rs(p)),
      o.lvs.on('lvs.quorum', (p) => router().quorum(p)),
    );
  }
  if (fifos.length || mailer) {
    log('info', 'notify.started', `notifications: ${fifos.length} FIFO(s)${mailer && smtp ? `, mail to ${smtp.to.join(', ')} via ${smtp.host}:${smtp.port}` : ''}`, {
      fifos: fifoSpecs.map((f) => f.path),
    });
  }

  let closing: Promise<void> | undefined;
  return {
    get settings() {
      return getSettings();
    },
    stats: () => ({
      fifos: fifos.map((f) => f.stats()),
      smtp: mailer ? { enabled: true, ...mailer.stats() } : { enabled: false },
      events: { ...(routerObj?.stats ?? { vrrpLines: 0, lvsLines: 0, mails: 0, unknown: 0 }) },
    }),
    close: () =>
      (closing ??= (async () => {
        for (const off of offs) off();
        if (deferred) clearImmediate(deferred);
        const f = pendingFlush;
        deferred = undefined;
        pendingFlush = undefined;
        f?.();
        await Promise.all([mailer?.close(o.closeGraceMs ?? 3000), ...fifos.map((x) => x.close())]);
      })()),
  };
}
