// OS edge: SMTP_CHECK. One probe = connect, read the 220 greeting, send HELO, read 250, send
// QUIT, read the reply line (keepalived check_smtp.c smtp_engine_thread; RFC 5321 §4.2: a
// multiline reply "250-..." continues until the line "250 ..."), all before the deadline.
import { checkConnectionSupported, openConnection, type ConnectionOptions } from './connect.js';
import { fail, hostPort, ok, type Checker, type Deadline, type ProbeResult } from './types.js';
import type { Socket } from 'node:net';
import { atDeadline } from './deadline.js';

/** Reads CRLF-terminated lines from a socket; a reply ends at a line whose 4th byte is not '-'. */
class LineReader {
  private buf = '';
  private waiter?: (l: string | Error) => void;
  private readonly lines: string[] = [];
  private err?: Error;

  constructor(s: Socket) {
    s.setEncoding('latin1');
    s.on('data', (d: string) => {
      this.buf += d;
      if (this.buf.length > 65536) this.buf = this.buf.slice(-4096); // keepalived wraps its buffer too
      let i: number;
      while ((i = this.buf.indexOf('\n')) >= 0) {
        this.lines.push(this.buf.slice(0, i).replace(/\r$/, ''));
        this.buf = this.buf.slice(i + 1);
      }
      this.wake();
    });
    s.on('end', () => this.error(new Error('connection closed by the server')));
    s.on('error', (e) => this.error(e));
  }

  private error(e: Error): void {
    this.err ??= e;
    this.wake();
  }

  private wake(): void {
    const w = this.waiter;
    if (!w) return;
    const l = this.lines.shift();
    if (l !== undefined) {
      this.waiter = undefined;
      w(l);
    } else if (this.err) {
      this.waiter = undefined;
      w(this.err);
    }
  }

  next(): Promise<string> {
    return new Promise((res, rej) => {
      this.waiter = (l) => (typeof l === 'string' ? res(l) : rej(l));
      this.wake();
    });
  }

  /** The final line of the next reply (continuation lines "NNN-" skipped). */
  async reply(): Promise<string> {
    for (;;) {
      const l = await this.next();
      if (!/^\d{3}-/.test(l)) return l;
    }
  }
}

/** keepalived smtp_get_status: three digits followed by a space or the end of the line. */
export function smtpCode(line: string): number {
  const m = /^(\d{3})(?: |$)/.exec(line);
  return m ? Number(m[1]) : -1;
}

export class SmtpChecker implements Checker {
  readonly type = 'SMTP_CHECK';
  readonly key: string;
  readonly target: string;

  constructor(
    private readonly conn: ConnectionOptions,
    readonly budgetMs: number,
    private readonly heloName: string,
  ) {
    checkConnectionSupported(this.type, conn);
    this.target = `SMTP_CHECK ${hostPort(conn.address, conn.port)}`;
    this.key = ['SMTP_CHECK', conn.address, conn.port, conn.bindto ?? '', conn.bind_port ?? '', conn.bind_if ?? '', budgetMs, heloName].join('|');
  }

  async probe(signal: AbortSignal, deadline: Deadline): Promise<ProbeResult> {
    const where = hostPort(this.conn.address, this.conn.port);
    const o = await openConnection(this.conn, deadline, signal);
    if ('result' in o) return o.result;
    const s = o.socket;
    const lines = new LineReader(s);
    const guard = new Promise<ProbeResult>((resolve) => {
      const cancel = atDeadline(deadline, () => resolve(fail('timeout', `SMTP ${where}: no complete dialogue before the deadline`)));
      const onAbort = (): void => resolve(fail('aborted', `SMTP ${where}: aborted`));
      signal.addEventListener('abort', onAbort, { once: true });
      s.once('close', () => {
        cancel();
        signal.removeEventListener('abort', onAbort);
      });
    });
    const talk = async (): Promise<ProbeResult> => {
      const banner = await lines.reply();
      if (smtpCode(banner) !== 220) return fail('protocol', `SMTP ${where}: bad greeting "${banner.slice(0, 80)}"`);
      s.write(`HELO ${this.heloName}\r\n`);
      const helo = await lines.reply();
      if (smtpCode(helo) !== 250) return fail('protocol', `SMTP ${where}: bad HELO reply "${helo.slice(0, 80)}"`);
      s.write('QUIT\r\n');
      await lines.reply();
      return ok(`SMTP ${where}: greeting, HELO and QUIT answered`);
    };
    try {
      return await Promise.race([talk().catch((e: NodeJS.ErrnoException) => fail('reset', `SMTP ${where}: ${e.code ?? e.message}`)), guard]);
    } finally {
      s.destroy();
    }
  }
}
