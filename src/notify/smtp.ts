// OS edge: a small SMTP client for alert mails (RFC 5321) and the queue in front of it. One session
// per mail, as keepalived's smtp.c: greeting 220, EHLO (HELO when the server refuses EHLO, §3.2),
// MAIL FROM, one RCPT TO per address, DATA 354, the dot-stuffed message (§4.5.2), 250, QUIT. The
// connect and every reply wait at most smtp_connect_timeout (keepalived applies it per step too),
// so a server that accepts and never answers ends the session. The queue sends one mail at a time
// and holds at most `backlog` more; a mail beyond that is dropped and counted, never buffered.
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { buildMessage, dotStuff, envelopeAddress, messageId, type Mail } from './format.js';
import type { LogFn } from './fifo.js';
import type { SmtpSettings } from './settings.js';

export type SmtpErrorCode = 'LVSD_SMTP_CONNECT' | 'LVSD_SMTP_TIMEOUT' | 'LVSD_SMTP_REPLY' | 'LVSD_SMTP_CLOSED' | 'LVSD_SMTP_PROTOCOL' | 'LVSD_SMTP_ABORTED';

export class SmtpError extends Error {
  constructor(
    readonly code: SmtpErrorCode,
    /** The step that failed: connect, greeting, EHLO, HELO, MAIL, RCPT, DATA, BODY. */
    readonly stage: string,
    message: string,
    readonly reply?: string,
  ) {
    super(message);
    this.name = 'SmtpError';
  }
}

export interface SmtpTarget {
  host: string;
  port: number;
  helo: string;
  timeoutMs: number;
}

export interface SendResult {
  accepted: string[];
  rejected: { address: string; reply: string }[];
  /** The server's reply to the end of DATA (`250 OK ...`). */
  reply: string;
  /** EHLO, or HELO after the server refused EHLO. */
  greeting: 'EHLO' | 'HELO';
}

/** Replies longer than this end the session (keepalived: SMTP_BUFFER_MAX). */
const MAX_REPLY_BYTES = 64 * 1024;

interface Reply {
  code: number;
  text: string;
}

/** Reads SMTP replies (RFC 5321 §4.2: `250-first` ... `250 last`) from a socket, each within a deadline. */
class ReplyReader {
  private buf = '';
  private waiting: { resolve: (r: Reply) => void; reject: (e: Error) => void; timer: NodeJS.Timeout; stage: string } | null = null;
  private failed: Error | null = null;

  constructor(
    private readonly sock: Socket,
    private readonly timeoutMs: number,
  ) {
    sock.setEncoding('latin1');
    sock.on('data', (d: string) => {
      this.buf += d;
      if (this.buf.length > MAX_REPLY_BYTES) this.fail(new SmtpError('LVSD_SMTP_PROTOCOL', this.waiting?.stage ?? '?', 'reply too long'));
      else this.pump();
    });
    sock.on('error', (e) => this.fail(new SmtpError('LVSD_SMTP_CLOSED', this.waiting?.stage ?? '?', `connection error: ${e.message}`)));
    sock.on('close', () => this.fail(new SmtpError('LVSD_SMTP_CLOSED', this.waiting?.stage ?? '?', 'the server closed the connection')));
  }

  private take(): Reply | undefined {
    let start = 0;
    for (;;) {
      const eol = this.buf.indexOf('\n', start);
      if (eol < 0) return undefined;
      const line = this.buf.slice(start, eol).replace(/\r$/, '');
      start = eol + 1;
      if (line.length >= 4 && line[3] === '-') continue; // continuation of a multi-line reply
      const all = this.buf.slice(0, start).replace(/\r?\n$/, '');
      this.buf = this.buf.slice(start);
      const code = /^\d{3}/.test(line) ? Number(line.slice(0, 3)) : -1;
      return { code, text: all.replace(/\r\n/g, '\n') };
    }
  }

  private pump(): void {
    if (!this.waiting) return;
    const r = this.take();
    if (!r) return;
    const w = this.waiting;
    this.waiting = null;
    clearTimeout(w.timer);
    if (r.code < 0) w.reject(new SmtpError('LVSD_SMTP_PROTOCOL', w.stage, `not an SMTP reply: ${r.text.slice(0, 200)}`));
    else w.resolve(r);
  }

  private fail(e: Error): void {
    this.failed ??= e;
    const w = this.waiting;
    if (!w) return;
    this.waiting = null;
    clearTimeout(w.timer);
    w.reject(e);
  }

  next(stage: string): Promise<Reply> {
    return new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting = null;
        reject(new SmtpError('LVSD_SMTP_TIMEOUT', stage, `no reply to ${stage} within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.waiting = { resolve, reject, timer, stage };
      this.pump();
      if (this.waiting && this.failed) this.fail(this.failed);
    });
  }
}

function expect(r: Reply, stage: string, ok: (code: number) => boolean): Reply {
  if (!ok(r.code)) throw new SmtpError('LVSD_SMTP_REPLY', stage, `${stage} refused: ${r.text.split('\n').pop()}`, r.text);
  return r;
}

/**
 * Sends one message. `data` is the message text (headers, empty line, body); it is dot-stuffed
 * here. Resolves when the server accepted it; rejects with an SmtpError naming the failed step.
 */
export async function sendMail(t: SmtpTarget, envelope: { from: string; to: readonly string[] }, data: string, signal?: AbortSignal): Promise<SendResult> {
  const sock = await new Promise<Socket>((resolve, reject) => {
    const s = connect({ host: t.host, port: t.port });
    const timer = setTimeout(() => {
      s.destroy();
      reject(new SmtpError('LVSD_SMTP_TIMEOUT', 'connect', `cannot connect to ${t.host}:${t.port} within ${t.timeoutMs} ms`));
    }, t.timeoutMs);
    s.once('connect', () => {
      clearTimeout(timer);
      resolve(s); // the 'error' listener stays: a later error only destroys the socket (the reader sees 'close')
    });
    s.once('error', (e) => {
      clearTimeout(timer);
      s.destroy();
      reject(new SmtpError('LVSD_SMTP_CONNECT', 'connect', `cannot connect to ${t.host}:${t.port}: ${e.message}`));
    });
  });
  const onAbort = (): void => {
    sock.destroy();
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  const rd = new ReplyReader(sock, t.timeoutMs);
  const send = (s: string): void => {
    sock.write(s, 'latin1');
  };
  try {
    if (signal?.aborted) throw new SmtpError('LVSD_SMTP_ABORTED', 'connect', 'aborted');
    expect(await rd.next('greeting'), 'greeting', (c) => c === 220);
    let greeting: 'EHLO' | 'HELO' = 'EHLO';
    send(`EHLO ${t.helo}\r\n`);
    const e = await rd.next('EHLO');
    if (e.code !== 250) {
      // RFC 5321 §3.2: a server that does not know EHLO answers 500, 501, 502, 504 or 550; fall back to HELO.
      if (![500, 501, 502, 504, 550].includes(e.code)) expect(e, 'EHLO', () => false);
      greeting = 'HELO';
      send(`HELO ${t.helo}\r\n`);
      expect(await rd.next('HELO'), 'HELO', (c) => c === 250);
    }
    send(`MAIL FROM:<${envelopeAddress(envelope.from)}>\r\n`);
    expect(await rd.next('MAIL'), 'MAIL', (c) => c === 250);
    const accepted: string[] = [];
    const rejected: SendResult['rejected'] = [];
    for (const to of envelope.to) {
      const a = envelopeAddress(to);
      send(`RCPT TO:<${a}>\r\n`);
      const r = await rd.next('RCPT');
      if (r.code === 250 || r.code === 251) accepted.push(a);
      else rejected.push({ address: a, reply: r.text });
    }
    if (accepted.length === 0) throw new SmtpError('LVSD_SMTP_REPLY', 'RCPT', `every recipient refused: ${rejected.map((x) => `${x.address} (${x.reply})`).join(', ')}`);
    send('DATA\r\n');
    expect(await rd.next('DATA'), 'DATA', (c) => c === 354);
    send(`${dotStuff(data)}.\r\n`);
    const done = expect(await rd.next('BODY'), 'BODY', (c) => c === 250);
    send('QUIT\r\n');
    try {
      await rd.next('QUIT');
    } catch {
      /* the mail is accepted; a server that drops the line at QUIT changes nothing */
    }
    return { accepted, rejected, reply: done.text, greeting };
  } catch (e) {
    if (signal?.aborted && !(e instanceof SmtpError && e.code === 'LVSD_SMTP_ABORTED')) throw new SmtpError('LVSD_SMTP_ABORTED', (e as SmtpError).stage ?? '?', 'aborted');
    throw e;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    sock.destroy();
  }
}

export interface MailerStats {
  sent: number;
  failed: number;
  /** Mails not queued because the backlog was full (or the mailer was closing). */
  dropped: number;
  queued: number;
  inFlight: boolean;
  lastError?: string;
}

export interface MailerOptions {
  smtp: SmtpSettings;
  log: LogFn;
  /** Mails waiting behind the one being sent. Default 32. */
  backlog?: number;
  now?: () => Date;
  /** Minutes east of UTC for the Date header (default: this host's). */
  tzOffsetMin?: number;
}

/** One mail at a time to the configured relay, a bounded backlog, every outcome logged and counted. */
export class Mailer {
  private readonly queue: Mail[] = [];
  private readonly st: MailerStats = { sent: 0, failed: 0, dropped: 0, queued: 0, inFlight: false };
  private running: Promise<void> | null = null;
  private readonly abort = new AbortController();
  private closed = false;
  private readonly backlog: number;
  private readonly domain: string;

  constructor(private readonly o: MailerOptions) {
    this.backlog = o.backlog ?? 32;
    const at = envelopeAddress(o.smtp.from).split('@');
    this.domain = at.length > 1 ? (at.pop() as string) : o.smtp.helo;
  }

  /** Queues a mail; false (and counted) when the backlog is full. */
  enqueue(m: Mail): boolean {
    if (this.closed || this.queue.length >= this.backlog) {
      this.st.dropped++;
      this.o.log('warn', 'notify.smtp_dropped', `alert mail dropped (${this.closed ? 'shutting down' : `${this.backlog} already waiting`}): ${m.subject}`, { subject: m.subject, dropped: this.st.dropped });
      return false;
    }
    this.queue.push(m);
    this.st.queued = this.queue.length;
    this.running ??= this.drain();
    return true;
  }

  private async drain(): Promise<void> {
    for (let m = this.queue.shift(); m; m = this.queue.shift()) {
      this.st.queued = this.queue.length;
      this.st.inFlight = true;
      await this.sendOne(m);
      this.st.inFlight = false;
    }
    this.running = null;
  }

  private async sendOne(m: Mail): Promise<void> {
    const s = this.o.smtp;
    const date = this.o.now?.() ?? new Date();
    const data = buildMessage({
      date,
      from: s.from,
      to: s.to,
      subject: m.subject,
      body: m.body,
      messageId: messageId(date.getTime(), randomBytes(6).toString('hex'), this.domain),
      ...(this.o.tzOffsetMin !== undefined ? { tzOffsetMin: this.o.tzOffsetMin } : {}),
    });
    try {
      const r = await sendMail({ host: s.host, port: s.port, helo: s.helo, timeoutMs: s.timeoutMs }, { from: s.from, to: s.to }, data, this.abort.signal);
      this.st.sent++;
      for (const x of r.rejected) this.o.log('warn', 'notify.smtp_rcpt', `SMTP server ${s.host}:${s.port} refused recipient ${x.address}: ${x.reply}`, { address: x.address });
      this.o.log('info', 'notify.smtp_sent', `alert mail sent: ${m.subject}`, { subject: m.subject, to: r.accepted });
    } catch (e) {
      const err = e as SmtpError;
      this.st.failed++;
      this.st.lastError = err.message;
      this.o.log('warn', 'notify.smtp_failed', `alert mail not sent (${err.stage ?? '?'}): ${err.message}`, { subject: m.subject, code: err.code ?? 'LVSD_SMTP_CONNECT', stage: err.stage });
    }
  }

  stats(): MailerStats {
    return { ...this.st };
  }

  /** Stops taking mails; waits up to `graceMs` for the queue, then aborts what is left (counted as dropped). */
  async close(graceMs: number): Promise<void> {
    this.closed = true;
    const run = this.running;
    if (!run) return;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<boolean>((r) => (timer = setTimeout(() => r(false), graceMs)));
    const ok = await Promise.race([run.then(() => true), late]);
    clearTimeout(timer);
    if (!ok) {
      this.st.dropped += this.queue.length;
      this.queue.length = 0;
      this.st.queued = 0;
      this.abort.abort();
      await run;
    }
  }
}
