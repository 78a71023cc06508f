// DNS_CHECK, SMTP_CHECK, UDP_CHECK, PING_CHECK and FILE_CHECK against real endpoints on loopback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, renameSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DnsChecker, encodeQuery, judgeReply } from '../../../src/check/dns.js';
import { SmtpChecker, smtpCode } from '../../../src/check/smtp.js';
import { UdpChecker, parsePattern, replyProblem } from '../../../src/check/udp.js';
import { PingChecker } from '../../../src/check/ping.js';
import { ensureProbesAddon } from './addon.js';
import { FileChecker, fileStatus, strtol0 } from '../../../src/check/file.js';
import type { Checker } from '../../../src/check/types.js';
import type { ResolvedChecker } from '../../../src/config/resolve-lvs.js';
import { SmtpServer, UdpServer, closedPort } from './servers.js';

async function probe(c: Checker, budget = c.budgetMs) {
  const t0 = performance.now();
  const r = await c.probe(new AbortController().signal, t0 + budget);
  return { ...r, ms: performance.now() - t0 };
}

test('DNS: the query is RFC 1035 wire format as keepalived builds it', () => {
  const q = encodeQuery(0x1234, 'www.example.com', 1);
  assert.equal(q.toString('hex'), '123401000001000000000000' + '03777777076578616d706c6503636f6d00' + '00010001');
  assert.equal(encodeQuery(1, '.', 6).toString('hex'), '000101000001000000000000' + '00' + '00060001');
  assert.equal(encodeQuery(1, 'a.b.', 28).subarray(12).toString('hex'), '0161016200' + '001c0001');
  assert.deepEqual(judgeReply(7, Buffer.from('0007' + '8180' + '0001000100000000', 'hex')), { rcode: 0 });
  assert.deepEqual(judgeReply(7, Buffer.from('0007818300010000000000000000', 'hex')), { rcode: 3 });
  assert.equal(judgeReply(8, Buffer.from('0007818000010000000000000000', 'hex')), 'ignore');
  assert.equal(judgeReply(7, Buffer.from('0007010000010000000000000000', 'hex')), 'ignore', 'a query (QR clear) is not an answer');
});

test('DNS_CHECK: answered passes; wrong id is ignored until the deadline; SERVFAIL fails; silence times out; refused fails fast', async () => {
  const srv = await UdpServer.start();
  try {
    const answer = (rcode: number, idDelta = 0) => (m: Buffer) => {
      const r = Buffer.from(m);
      r.writeUInt16BE((m.readUInt16BE(0) + idDelta) & 0xffff, 0);
      r.writeUInt16BE(0x8180 | rcode, 2);
      return r;
    };
    const c = new DnsChecker({ address: '127.0.0.1', port: srv.port }, 400, 'A', 'www.example.com');
    srv.reply = answer(0);
    const r = await probe(c);
    assert.equal(r.ok, true, r.detail);
    const q = srv.received.at(-1) as Buffer;
    assert.equal(q.subarray(12).toString('hex'), '03777777076578616d706c6503636f6d0000010001');
    srv.reply = answer(2);
    assert.equal((await probe(c)).reason, 'protocol');
    srv.reply = answer(0, 1);
    const wrongId = await probe(c);
    assert.equal(wrongId.reason, 'timeout');
    assert.ok(wrongId.ms >= 390);
    srv.reply = () => undefined;
    assert.equal((await probe(c)).reason, 'timeout');
  } finally {
    await srv.close();
  }
  const refused = await probe(new DnsChecker({ address: '127.0.0.1', port: await closedPort() }, 1000, 'SOA', '.'));
  assert.equal(refused.reason, 'refused');
  assert.ok(refused.ms < 500);
});

test('SMTP_CHECK: greeting, HELO and QUIT; a bad banner, a bad HELO reply or silence fail', async () => {
  const srv = await SmtpServer.start();
  try {
    const c = new SmtpChecker({ address: '127.0.0.1', port: srv.port }, 500, 'lb.example.org');
    const r = await probe(c);
    assert.equal(r.ok, true, r.detail);
    assert.deepEqual(srv.received.slice(-2), ['HELO lb.example.org', 'QUIT']);
    srv.banner = '554 go away';
    assert.equal((await probe(c)).reason, 'protocol');
    srv.banner = '220-first line\r\n220 mx ready';
    assert.equal((await probe(c)).ok, true, 'multiline greeting');
    srv.helo = '501 syntax';
    assert.equal((await probe(c)).reason, 'protocol');
    srv.helo = '250 ok';
    srv.silent = true;
    const silent = await probe(c);
    assert.equal(silent.reason, 'timeout');
    assert.ok(silent.ms >= 490 && silent.ms < 900, `${silent.ms}`);
    assert.equal(smtpCode('250 ok'), 250);
    assert.equal(smtpCode('250-more'), -1);
    assert.equal(smtpCode('25 short'), -1);
  } finally {
    await srv.close();
  }
});

test('UDP_CHECK: ICMP port unreachable fails; without require_reply silence passes at the deadline; replies are checked', async () => {
  const refused = await probe(new UdpChecker({ address: '127.0.0.1', port: await closedPort() }, 500, { require_reply: false, min_reply_length: 0, max_reply_length: 255 }));
  assert.equal(refused.reason, 'refused');
  const srv = await UdpServer.start();
  try {
    srv.reply = () => undefined;
    const quiet = await probe(new UdpChecker({ address: '127.0.0.1', port: srv.port }, 300, { payload: 'cafe', require_reply: false, min_reply_length: 0, max_reply_length: 255 }));
    assert.equal(quiet.ok, true, quiet.detail);
    assert.ok(quiet.ms >= 290);
    assert.equal(srv.received.at(-1)?.toString('hex'), 'cafe');
    const need = (o: Partial<{ reply_data: string; min_reply_length: number; max_reply_length: number }> = {}) =>
      new UdpChecker({ address: '127.0.0.1', port: srv.port }, 300, { payload: '01', require_reply: true, min_reply_length: 0, max_reply_length: 255, ...o });
    assert.equal((await probe(need())).reason, 'timeout');
    srv.reply = () => Buffer.from('abcd1234', 'hex');
    assert.equal((await probe(need({ reply_data: 'abxd' }))).ok, true);
    assert.equal((await probe(need({ reply_data: 'abce' }))).reason, 'protocol');
    assert.equal((await probe(need({ min_reply_length: 5 }))).reason, 'protocol');
    assert.equal((await probe(need({ max_reply_length: 3 }))).reason, 'protocol');
  } finally {
    await srv.close();
  }
  const p = parsePattern('a1x2');
  assert.deepEqual([...p.data], [0xa1, 0x02]);
  assert.deepEqual([...p.mask], [0x00, 0xf0]);
  assert.equal(replyProblem(Buffer.from([0xa1, 0x72]), { require_reply: true, min_reply_length: 0, max_reply_length: 9 }, p), undefined);
});

const addon = ensureProbesAddon();

test('PING_CHECK: 127.0.0.1 and ::1 answer; an address nobody answers for times out', async (t) => {
  if (!addon) return t.skip('no probes addon built and no C compiler to build it');
  const v4 = new PingChecker({ address: '127.0.0.1', port: 0 }, 3000);
  const v6 = new PingChecker({ address: '::1', port: 0 }, 3000);
  try {
    const r = await probe(v4);
    assert.equal(r.ok, true, r.detail);
    assert.ok(r.ms < 1000, `${r.ms} ms`);
    const many = await Promise.all(Array.from({ length: 200 }, () => probe(v4)));
    assert.equal(many.filter((x) => x.ok).length, 200, 'concurrent probes on one socket are told apart');
    const r6 = await probe(v6);
    assert.equal(r6.ok, true, r6.detail);
    // 127.1.2.3 is on lo: the kernel answers for the whole 127/8; a bound source that is not ours fails.
    const bad = new PingChecker({ address: '127.0.0.1', port: 0, bindto: '192.0.2.1' }, 300);
    const rb = await probe(bad);
    assert.equal(rb.ok, false);
    bad.close();
  } finally {
    v4.close();
    v6.close();
  }
});

test('FILE_CHECK: keepalived track_file values: strtol, weight, reverse, fault, missing file, change notification', async () => {
  assert.equal(strtol0(' 12\n'), 12);
  assert.equal(strtol0('0x1f'), 31);
  assert.equal(strtol0('010'), 8);
  assert.equal(strtol0('-7abc'), -7);
  assert.equal(strtol0('abc'), 0);
  assert.equal(strtol0('99999999999'), undefined);
  assert.equal(fileStatus(0, 0, false), 0);
  assert.equal(fileStatus(3, 0, false), 'fault');
  assert.equal(fileStatus(0, 0, true), 'fault');
  assert.equal(fileStatus(5, 2, false), 10);
  assert.equal(fileStatus(5, 2, true), -10);
  assert.equal(fileStatus(-70000, 1, false), 'fault');
  const dir = mkdtempSync(join(tmpdir(), 'lvsd-file-'));
  const f = join(dir, 'weight');
  const c = new FileChecker(f, 1, false);
  try {
    const missing = await probe(c);
    assert.equal(missing.ok, true);
    assert.equal(missing.weight, 0);
    let changes = 0;
    const stop = c.watch(() => changes++);
    writeFileSync(`${f}.tmp`, '-70000\n');
    renameSync(`${f}.tmp`, f);
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(changes > 0, 'a replaced file is noticed');
    assert.equal((await probe(c)).reason, 'file');
    writeFileSync(f, '4');
    const four = await probe(c);
    assert.equal(four.weight, 4);
    assert.equal(four.weightMode, 'delta');
    writeFileSync(f, '99999999999');
    assert.equal((await probe(c)).weight, 4, 'an out-of-range number is ignored');
    unlinkSync(f);
    assert.equal((await probe(c)).weight, 0, 'a removed file reads as 0');
    stop();
  } finally {
    c.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('checkerProblems: what check-config should report, without probing anything', async () => {
  const { checkerProblems } = await import('../../../src/check/support.js');
  const { rs, vs } = await import('./fixtures.js');
  const bfd = { type: 'BFD_CHECK', name: 'b1', alpha: false, retry: 1, delay_before_retry: 1, delay_loop: 5, warmup: 0, log_all_failures: false } as const;
  const fw = { type: 'TCP_CHECK', alpha: false, retry: 1, delay_before_retry: 1, delay_loop: 5, warmup: 0, log_all_failures: false, connection: { address: '10.0.1.1', port: 80, connect_timeout: 3, fwmark: 3 } } as const;
  const http: ResolvedChecker = { type: 'HTTP_GET', alpha: false, retry: 1, delay_before_retry: 3, delay_loop: 5, warmup: 0, log_all_failures: false, connection: { address: '10.0.1.2', port: 80, connect_timeout: 3 }, http_protocol: '1.0', fast_recovery: false, enable_sni: false, urls: [{ path: '/', status_code: [{ from: 200, to: 299 }] }] };
  const p = checkerProblems({ virtual_servers: [vs({ real_servers: [rs(1, { checkers: [bfd, fw] }), rs(2, { checkers: [http] })] })], findings: [] });
  assert.deepEqual(p.map((x) => [x.severity, x.type, x.code]), [
    ['error', 'BFD_CHECK', 'LVSD_CHECK_UNSUPPORTED'],
    ['error', 'TCP_CHECK', 'LVSD_CHECK_UNSUPPORTED'],
  ]);
  assert.match(p[0]?.message ?? '', /no BFD/);
  assert.match(p[1]?.message ?? '', /fwmark/);
});
