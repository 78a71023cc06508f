// I/O tests: alert mails through a real SMTP server on loopback (aiosmtpd, Debian python3-aiosmtpd,
// storing what it receives in a Maildir), a listener that accepts and never answers (timed out),
// and a relay nobody listens on (logged and counted, never thrown).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseKeepalivedText } from '../../src/config/keepalived/parse.js';
import type { ConfigModel } from '../../src/config/model/index.js';
import { lvsBus } from '../../src/events/lvs.js';
import { vrrpBus } from '../../src/events/vrrp.js';
import { buildMessage } from '../../src/notify/format.js';
import { startNotifications } from '../../src/notify/index.js';
import { Mailer, sendMail, SmtpError } from '../../src/notify/smtp.js';
import { spawnProcess, waitFor, type LabProcess } from '../lab/proc.js';
import { which } from '../util/env.js';
import { memFs } from '../unit/config/memfs.js';

const NO_SERVER = 'needs aiosmtpd (Debian package python3-aiosmtpd; scripts/install-deps.sh installs it)';

function model(text: string): ConfigModel {
  const p = parseKeepalivedText(text, '/k.conf', memFs({}), { configId: 'x' });
  assert.deepEqual(p.diagnostics.filter((d) => d.severity === 'error'), []);
  return p.model;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect({ host: '127.0.0.1', port });
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

interface Smtpd {
  proc: LabProcess;
  port: number;
  maildir: string;
}

/**
 * aiosmtpd on 127.0.0.1, storing every accepted message in a Maildir. `handler` names another
 * handler class (a Python module in `dir`).
 */
async function startSmtpd(dir: string, handler = 'aiosmtpd.handlers.Mailbox'): Promise<Smtpd> {
  const bin = which('aiosmtpd') as string;
  const port = await freePort();
  const maildir = join(dir, 'mail'); // created by the Mailbox handler
  const proc = spawnProcess([bin, '-n', '-l', `127.0.0.1:${port}`, '-c', handler, maildir], { name: 'aiosmtpd', env: { PYTHONPATH: dir } });
  if (!(await waitFor(() => canConnect(port), 10_000, 50))) {
    await proc.stop();
    throw new Error(`aiosmtpd did not listen on ${port}: ${proc.stderr.join('\n')}`);
  }
  return { proc, port, maildir };
}

interface Received {
  headers: Map<string, string>;
  body: string;
}

function received(maildir: string): Received[] {
  let files: string[];
  try {
    files = readdirSync(join(maildir, 'new')).sort();
  } catch {
    return [];
  }
  return files.map((f) => {
    const text = readFileSync(join(maildir, 'new', f), 'utf8');
    const cut = text.indexOf('\n\n');
    const headers = new Map<string, string>();
    for (const l of text.slice(0, cut).replace(/\n[ \t]+/g, ' ').split('\n')) {
      const i = l.indexOf(':');
      headers.set(l.slice(0, i), l.slice(i + 1).trim());
    }
    return { headers, body: text.slice(cut + 2) };
  });
}

test('alert mails through a real SMTP server: headers, envelope and bodies of a VRRP, a real server and a quorum alert', async (t) => {
  if (!which('aiosmtpd')) {
    process.stderr.write(`# skipped: ${NO_SERVER}\n`);
    return t.skip(NO_SERVER);
  }
  const dir = mkdtempSync(join(tmpdir(), 'lvsd-notify-'));
  let smtpd: Smtpd | undefined;
  try {
    smtpd = await startSmtpd(dir);
    const vrrp = vrrpBus();
    const lvs = lvsBus();
    const logs: string[] = [];
    const n = await startNotifications({
      model: model(`global_defs {
  router_id lb1
  notification_email {
    ops@example.com
    two@example.com
  }
  notification_email_from "lvsd alerts <alerts@example.com>"
  smtp_server 127.0.0.1 ${smtpd.port}
  smtp_helo_name director.example.com
  smtp_connect_timeout 5
  smtp_alert
}
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
  priority 100
  virtual_ipaddress { 10.0.0.100/24 }
}
virtual_server 10.0.0.1 80 {
  protocol TCP
  real_server 10.0.0.2 80 { TCP_CHECK { } }
}
`),
      vrrp,
      lvs,
      host: { hostname: 'h', username: 'root', defaultScriptUser: undefined },
      log: (l, e, m) => logs.push(`${l} ${e} ${m}`),
    });
    const before = Date.now();
    vrrp.emit('vrrp.transition', { instance: 'VI_1', vrid: 51, from: 'BACKUP', to: 'MASTER', reason: 'master_down', priority: 100, master: null });
    lvs.emit('check.state', { target: 'TCP_CHECK', type: 'TCP_CHECK', servers: ['10.0.0.2:80 of VS [10.0.0.1]:tcp:80'], state: 'down', reason: 'refused', detail: 'connection refused' });
    lvs.emit('lvs.rs', { vs: '[10.0.0.1]:tcp:80', rs: '[10.0.0.2]:tcp:80', alive: false });
    lvs.emit('lvs.quorum', { vs: '[10.0.0.1]:tcp:80', up: false });
    assert.ok(await waitFor(() => received(smtpd!.maildir).length === 3, 15_000), `3 mails arrive (${logs.join('; ')})`);
    await n.close();
    const mails = received(smtpd.maildir);
    const bySubject = new Map(mails.map((m) => [m.headers.get('Subject'), m]));
    const expected: [string, string][] = [
      ['[lb1] VRRP Instance VI_1 - Entering MASTER state', '=> VRRP Instance is now owning VRRP VIPs <='],
      ['[lb1] Realserver [10.0.0.2]:tcp:80 of virtual server [10.0.0.1]:tcp:80 - DOWN', '=> TCP CHECK failed on service <='],
      ['[lb1] Virtualserver [10.0.0.1]:tcp:80 - DOWN', '=> Starting with quorum down 1+0=1 <= 0 <='],
    ];
    for (const [subject, body] of expected) {
      const m = bySubject.get(subject);
      assert.ok(m, `received "${subject}" (got ${[...bySubject.keys()].join(' | ')})`);
      // keepalived's layout: the body line, then one empty line.
      assert.equal(m.body, `${body}\n\n`);
      assert.equal(m.headers.get('From'), 'lvsd alerts <alerts@example.com>');
      assert.equal(m.headers.get('To'), 'ops@example.com, two@example.com');
      assert.equal(m.headers.get('X-Mailer'), 'lvsd');
      assert.match(m.headers.get('Message-ID') ?? '', /^<[0-9a-z]+\.[0-9a-f]{12}@example\.com>$/);
      const date = Date.parse(m.headers.get('Date') ?? '');
      assert.ok(date >= before - 2000 && date <= Date.now() + 2000, `Date ${m.headers.get('Date')}`);
      // The envelope as the server saw it: one RCPT TO per address, MAIL FROM the bare address.
      assert.equal(m.headers.get('X-MailFrom'), 'alerts@example.com');
      assert.equal(m.headers.get('X-RcptTo'), 'ops@example.com, two@example.com');
    }
    const ids = new Set(mails.map((m) => m.headers.get('Message-ID')));
    assert.equal(ids.size, 3, 'every mail has its own Message-ID');
    const s = n.stats().smtp;
    assert.ok(s.enabled);
    assert.deepEqual([s.sent, s.failed, s.dropped, s.queued], [3, 0, 0, 0]);
    assert.equal(logs.filter((l) => l.startsWith('info notify.smtp_sent')).length, 3);
  } finally {
    await smtpd?.proc.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('dot-stuffing through a real SMTP server: lines made of dots arrive as written', async (t) => {
  if (!which('aiosmtpd')) {
    process.stderr.write(`# skipped: ${NO_SERVER}\n`);
    return t.skip(NO_SERVER);
  }
  const dir = mkdtempSync(join(tmpdir(), 'lvsd-notify-'));
  let smtpd: Smtpd | undefined;
  try {
    smtpd = await startSmtpd(dir);
    const body = ['.', '.hidden', '..two dots', 'a . in the middle', '.'].join('\n');
    const data = buildMessage({ date: new Date(), from: 'a@example.com', to: ['b@example.com'], subject: 'dots', body, messageId: '<dots@example.com>' });
    const r = await sendMail({ host: '127.0.0.1', port: smtpd.port, helo: 'lvsd.test', timeoutMs: 5000 }, { from: 'a@example.com', to: ['b@example.com'] }, data);
    assert.equal(r.greeting, 'EHLO');
    assert.deepEqual(r.accepted, ['b@example.com']);
    assert.match(r.reply, /^250/);
    assert.ok(await waitFor(() => received(smtpd!.maildir).length === 1, 10_000));
    assert.equal(received(smtpd.maildir)[0]?.body, `${body}\n\n`);
  } finally {
    await smtpd?.proc.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a server that refuses EHLO (RFC 5321 §3.2: 502) gets HELO, and the mail goes through', async (t) => {
  if (!which('aiosmtpd')) {
    process.stderr.write(`# skipped: ${NO_SERVER}\n`);
    return t.skip(NO_SERVER);
  }
  const dir = mkdtempSync(join(tmpdir(), 'lvsd-notify-'));
  let smtpd: Smtpd | undefined;
  try {
    // aiosmtpd's own Maildir handler, answering EHLO as a server without ESMTP would.
    writeFileSync(
      join(dir, 'heloonly.py'),
      'from aiosmtpd.handlers import Mailbox\n\nclass HeloOnly(Mailbox):\n    async def handle_EHLO(self, server, session, envelope, hostname, responses):\n        return ["502 5.5.1 Command not implemented"]\n',
    );
    smtpd = await startSmtpd(dir, 'heloonly.HeloOnly');
    const data = buildMessage({ date: new Date(), from: 'a@example.com', to: ['b@example.com'], subject: 'helo', body: 'via HELO', messageId: '<helo@example.com>' });
    const r = await sendMail({ host: '127.0.0.1', port: smtpd.port, helo: 'lvsd.test', timeoutMs: 5000 }, { from: 'a@example.com', to: ['b@example.com'] }, data);
    assert.equal(r.greeting, 'HELO');
    assert.ok(await waitFor(() => received(smtpd!.maildir).length === 1, 10_000));
    assert.equal(received(smtpd.maildir)[0]?.body, 'via HELO\n\n');
  } finally {
    await smtpd?.proc.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a server that accepts and never answers is timed out at the greeting; the queue stays bounded and counts what it drops', async () => {
  const held: Socket[] = [];
  const server: Server = createServer((s) => {
    held.push(s); // never writes a byte
    s.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  try {
    const t0 = performance.now();
    await assert.rejects(
      sendMail({ host: '127.0.0.1', port, helo: 'h', timeoutMs: 300 }, { from: 'a@b', to: ['c@d'] }, 'x\r\n'),
      (e: unknown) => e instanceof SmtpError && e.code === 'LVSD_SMTP_TIMEOUT' && e.stage === 'greeting',
    );
    const ms = performance.now() - t0;
    assert.ok(ms >= 290 && ms < 1500, `timed out after ${ms.toFixed(0)} ms`);
    assert.ok(await waitFor(() => held.every((s) => s.destroyed || s.readableEnded), 2000), 'lvsd closed its side');

    const logs: string[] = [];
    const m = new Mailer({
      smtp: { host: '127.0.0.1', port, helo: 'h', from: 'a@b', to: ['c@d'], timeoutMs: 200 },
      log: (l, e, msg) => logs.push(`${l} ${e} ${msg}`),
      backlog: 4,
    });
    let accepted = 0;
    for (let i = 0; i < 50; i++) if (m.enqueue({ subject: `s${i}`, body: 'b' })) accepted++;
    assert.equal(accepted, 5, 'one in flight and four waiting');
    assert.deepEqual([m.stats().dropped, m.stats().queued, m.stats().inFlight], [45, 4, true]);
    // Each waits out its own timeout, one after another.
    assert.ok(await waitFor(() => m.stats().failed === 5, 5000), `failed ${m.stats().failed}`);
    assert.equal(m.stats().sent, 0);
    assert.equal(logs.filter((l) => /^warn notify\.smtp_failed .*no reply to greeting within 200 ms/.test(l)).length, 5);
    await m.close(100);
    assert.equal(m.enqueue({ subject: 'late', body: 'b' }), false, 'a closed mailer takes nothing');
  } finally {
    for (const s of held) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  }
});

test('a relay nobody listens on: logged and counted, never thrown; the next mail is tried again', async () => {
  const port = await freePort(); // nothing listens there now
  const logs: string[] = [];
  const vrrp = vrrpBus();
  const n = await startNotifications({
    model: model(`global_defs {\n notification_email { ops@example.com }\n smtp_server 127.0.0.1 ${port}\n smtp_alert\n}\nvrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n priority 100\n virtual_ipaddress { 10.0.0.100/24 }\n}\n`),
    vrrp,
    host: { hostname: 'h', username: 'root', defaultScriptUser: undefined },
    log: (l, e, m) => logs.push(`${l} ${e} ${m}`),
  });
  vrrp.emit('vrrp.transition', { instance: 'VI_1', vrid: 51, from: 'INIT', to: 'BACKUP', reason: 'startup', priority: 100, master: null });
  vrrp.emit('vrrp.transition', { instance: 'VI_1', vrid: 51, from: 'BACKUP', to: 'MASTER', reason: 'master_down', priority: 100, master: null });
  assert.ok(await waitFor(() => n.stats().smtp.enabled && (n.stats().smtp as { failed: number }).failed === 2, 5000));
  await n.close();
  assert.equal(vrrp.subscriberErrors, 0);
  const failed = logs.filter((l) => l.startsWith('warn notify.smtp_failed'));
  assert.equal(failed.length, 2);
  assert.match(failed[0]!, /\(connect\): cannot connect to 127\.0\.0\.1:\d+: connect ECONNREFUSED/);
});
