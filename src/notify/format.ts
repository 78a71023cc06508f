// Pure formats: keepalived's notify FIFO lines and alert mails, byte for byte as keepalived 2.2.7
// writes them (checked against a live keepalived 2.2.7: its FIFO output and an SMTP transcript
// captured on loopback; wording from vrrp_notify.c, ipwrapper.c, smtp.c and the check_*.c files).
// lvsd adds a Message-ID header (RFC 5322 §3.6.4) and dot-stuffs the body (RFC 5321 §4.5.2).

/** States a FIFO line can carry for an instance or a sync group (vrrp_notify.c notify_fifo). */
export type FifoVrrpState = 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP' | 'DELETED' | 'MASTER_RX_LOWER_PRI' | 'MASTER_PRIORITY' | 'BACKUP_PRIORITY';

/** Longest line written in one piece: POSIX PIPE_BUF, so a FIFO write is atomic (all or nothing). */
export const PIPE_BUF = 4096;

/**
 * vrrp_notify.c notify_fifo: `INSTANCE "VI_1" MASTER 100` / `GROUP "G1" BACKUP 0` (a group's
 * priority is always 0), newline-terminated.
 */
export function vrrpFifoLine(target: 'INSTANCE' | 'GROUP', name: string, state: FifoVrrpState, priority: number): string {
  return `${target} "${name}" ${state} ${target === 'GROUP' ? 0 : priority}\n`;
}

/** ipwrapper.c notify_fifo_vs: `VS [10.0.0.1]:tcp:80 UP`. */
export function vsFifoLine(vs: string, up: boolean): string {
  return `VS ${vs} ${up ? 'UP' : 'DOWN'}\n`;
}

/** ipwrapper.c notify_fifo_rs: `RS [10.0.0.2]:tcp:80 [10.0.0.1]:tcp:80 DOWN` (real server, then virtual server). */
export function rsFifoLine(rs: string, vs: string, alive: boolean): string {
  return `RS ${rs} ${vs} ${alive ? 'UP' : 'DOWN'}\n`;
}

/** utils.c inet_sockaddrtotrio: `[addr]:proto:port`; a service without protocol (fwmark) is `none`. */
export function fmtTrio(address: string, protocol: string | undefined, port: number): string {
  return `[${address}]:${protocol ? protocol.toLowerCase() : 'none'}:${port}`;
}

/** check_data.c format_vs: a group is `[NAME]:0`, a firewall mark `FWM 1`, an address its trio. */
export function fmtVs(vs: { group?: string; fwmark?: number; address?: string; protocol?: string; port?: number }): string {
  if (vs.group !== undefined) return `[${vs.group}]:0`;
  if (vs.fwmark !== undefined) return `FWM ${vs.fwmark}`;
  return fmtTrio(vs.address ?? '', vs.protocol, vs.port ?? 0);
}

// ---- mail text ----

export interface Mail {
  subject: string;
  body: string;
}

/** vrrp_notify.c vrrp_smtp_notifier: subject tail and body per state (no mail for other states). */
const INSTANCE_MAIL: Partial<Record<string, [string, string]>> = {
  MASTER: ['Entering MASTER state', '=> VRRP Instance is now owning VRRP VIPs <='],
  BACKUP: ['Entering BACKUP state', '=> VRRP Instance is no longer owning VRRP VIPs <='],
  FAULT: ['Entering FAULT state', '=> VRRP Instance is no longer owning VRRP VIPs <='],
  STOP: ['Stopping', '=> VRRP Instance stopping <='],
};

/** vrrp_notify.c vrrp_sync_smtp_notifier. */
const GROUP_MAIL: Partial<Record<string, [string, string]>> = {
  MASTER: ['Entering MASTER state', '=> All VRRP group instances are now in MASTER state <='],
  BACKUP: ['Entering BACKUP state', '=> All VRRP group instances are now in BACKUP state <='],
  FAULT: ['Entering FAULT state', '=> All VRRP group instances are now in FAULT state <='],
  STOP: ['Stopping', '=> All VRRP group instances are now stopping <='],
};

/** smtp.c smtp_alert SMTP_MSG_VRRP / SMTP_MSG_VGROUP: `[router_id] VRRP Instance VI_1 - Entering MASTER state`. */
export function vrrpMail(routerId: string, target: 'INSTANCE' | 'GROUP', name: string, state: string): Mail | undefined {
  const t = (target === 'INSTANCE' ? INSTANCE_MAIL : GROUP_MAIL)[state];
  if (!t) return undefined;
  return { subject: `[${routerId}] VRRP ${target === 'INSTANCE' ? 'Instance' : 'Group'} ${name} - ${t[0]}`, body: t[1] };
}

/** smtp.c SMTP_MSG_RS: `[router_id] Realserver [10.0.0.2]:tcp:80 of virtual server [10.0.0.1]:tcp:80 - DOWN`. */
export function rsMailSubject(routerId: string, rs: string, vs: string, alive: boolean): string {
  return `[${routerId}] Realserver ${rs} of virtual server ${vs} - ${alive ? 'UP' : 'DOWN'}`;
}

/**
 * The body a checker of `type` sends when it goes up or down (keepalived 2.2.7: check_http.c,
 * check_tcp.c, check_udp.c, check_ping.c, check_dns.c, check_misc.c, check_smtp.c, check_bfd.c).
 * `detail` fills SMTP_CHECK's failure reason; `misc` is MISC_CHECK's exit kind; `bfd` the BFD name.
 */
export function checkerMailBody(type: string, up: boolean, o: { detail?: string; timedOut?: boolean; bfd?: string } = {}): string {
  switch (type) {
    case 'HTTP_GET':
    case 'SSL_GET':
      return up ? '=> CHECK succeed on service <=' : '=> CHECK failed on service : HTTP request failed <=';
    case 'SMTP_CHECK':
      if (up) return '=> CHECK succeed on service <=';
      return o.detail ? `=> CHECK failed on service : ${oneLine(o.detail)} <=` : '=> CHECK failed on service <=';
    case 'TCP_CHECK':
      return `=> TCP CHECK ${up ? 'succeed' : 'failed'} on service <=`;
    case 'UDP_CHECK':
      return `=> UDP CHECK ${up ? 'succeed' : 'failed'} on service <=`;
    case 'PING_CHECK':
      return `=> ICMP CHECK ${up ? 'succeed' : 'failed'} on service <=`;
    case 'DNS_CHECK':
      return `=> DNS_CHECK: ${up ? 'succeed' : 'failed'} on service <=`;
    case 'MISC_CHECK':
      return `=> MISC CHECK ${up ? 'succeeded' : o.timedOut ? 'timed out' : 'failed'} on service <=`;
    case 'BFD_CHECK':
      return `=> BFD CHECK ${o.bfd ?? ''} ${up ? 'succeeded' : 'failed'} on service <=`;
    default:
      // FILE_CHECK and anything newer: keepalived's generic wording.
      return up ? '=> CHECK succeed on service <=' : '=> CHECK failed on service <=';
  }
}

/** ipwrapper.c clear_service_rs: a real server taken out by a reload or at shutdown. */
export function rsRemovedBody(stopping: boolean): string {
  return stopping ? '=> Shutting down <=' : '=> Removing <=';
}

export interface QuorumFigures {
  quorum: number;
  hysteresis: number;
  /** quorum + hysteresis when gaining, quorum - hysteresis when losing. */
  threshold: number;
  /** Summed weight of the live real servers. */
  weightSum: number;
  /** The first decision after start ("Starting with quorum ..."). */
  init: boolean;
}

/** ipwrapper.c do_vs_notifies: `[router_id] Virtualserver [10.0.0.1]:tcp:80 - UP`, `=> Gained quorum 1+0=1 <= 2 <=`. */
export function quorumMail(routerId: string, vs: string, up: boolean, f: QuorumFigures | 'stopping'): Mail {
  let body: string;
  if (f === 'stopping') body = '=> Shutting down <=';
  else {
    const what = up ? (f.init ? 'Starting with quorum up' : 'Gained quorum') : f.init ? 'Starting with quorum down' : 'Lost quorum';
    body = `=> ${what} ${f.quorum}+${f.hysteresis}=${f.threshold} <= ${f.weightSum} <=`;
  }
  return { subject: `[${routerId}] Virtualserver ${vs} - ${up ? 'UP' : 'DOWN'}`, body };
}

// ---- the message on the wire ----

const DAY = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTH = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const p2 = (n: number): string => String(n).padStart(2, '0');

/**
 * RFC 5322 §3.3 date-time in local time, as keepalived's strftime("%a, %d %b %Y %H:%M:%S %z"):
 * `Mon, 23 Nov 2026 06:28:40 +0000`. `offsetMin` is minutes east of UTC (default: this host's).
 */
export function rfc5322Date(d: Date, offsetMin: number = -d.getTimezoneOffset()): string {
  const t = new Date(d.getTime() + offsetMin * 60_000);
  const sign = offsetMin < 0 ? '-' : '+';
  const a = Math.abs(offsetMin);
  return (
    `${DAY[t.getUTCDay()]}, ${p2(t.getUTCDate())} ${MONTH[t.getUTCMonth()]} ${t.getUTCFullYear()} ` +
    `${p2(t.getUTCHours())}:${p2(t.getUTCMinutes())}:${p2(t.getUTCSeconds())} ${sign}${p2(Math.floor(a / 60))}${p2(a % 60)}`
  );
}

/** One header-safe line: CR, LF and other controls become spaces (no header injection from names). */
export function oneLine(s: string): string {
  return s.replace(/[\x00-\x1f\x7f]+/g, ' ');
}

/**
 * The address inside `Name <addr>` (keepalived 2.2.8's smtp.c takes the part in angle brackets when
 * the address ends with '>'), else the whole string: what goes in MAIL FROM / RCPT TO.
 */
export function envelopeAddress(a: string): string {
  const s = a.trim();
  if (s.endsWith('>')) {
    const i = s.lastIndexOf('<');
    if (i >= 0) return s.slice(i + 1, -1);
  }
  return s;
}

export interface MessageParts {
  date: Date;
  from: string;
  to: readonly string[];
  subject: string;
  body: string;
  messageId: string;
  /** Minutes east of UTC for the Date header (default: this host's). */
  tzOffsetMin?: number;
}

/**
 * The message text (before dot-stuffing), CRLF line ends, ending with CRLF. Headers in keepalived's
 * order (smtp.c body_cmd: Date, From, Subject, X-Mailer, To) with Message-ID added; the body is
 * followed by one empty line, as keepalived sends it.
 */
export function buildMessage(m: MessageParts): string {
  const headers = [
    `Date: ${rfc5322Date(m.date, m.tzOffsetMin)}`,
    `From: ${oneLine(m.from)}`,
    `Subject: ${oneLine(m.subject)}`,
    'X-Mailer: lvsd',
    `Message-ID: ${oneLine(m.messageId)}`,
    `To: ${m.to.map(oneLine).join(', ')}`,
  ];
  const body = m.body.replace(/\r?\n/g, '\r\n');
  return `${headers.join('\r\n')}\r\n\r\n${body}\r\n\r\n`;
}

/** RFC 5322 §3.6.4 msg-id: `<time.random@domain>`. */
export function messageId(nowMs: number, random: string, domain: string): string {
  return `<${nowMs.toString(36)}.${random}@${domain.replace(/[^A-Za-z0-9.-]/g, '') || 'localhost'}>`;
}

/**
 * RFC 5321 §4.5.2 transparency: a line starting with '.' gets one more '.'. Bare CR and LF become
 * CRLF (§2.3.8). The result ends with CRLF so the terminator `.\r\n` follows directly.
 */
export function dotStuff(text: string): string {
  let t = text.replace(/\r\n|\r|\n/g, '\r\n');
  if (!t.endsWith('\r\n')) t += '\r\n';
  return t.replace(/(^|\r\n)\./g, '$1..');
}
