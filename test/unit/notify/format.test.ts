// Unit tests: the notify FIFO lines and alert mails against what keepalived 2.2.7 writes (its FIFO
// output and an SMTP session captured from a live keepalived 2.2.7 on loopback), the wording compiled
// into the keepalived 2.2.7 binary, RFC 5322 dates and RFC 5321 dot-stuffing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  buildMessage,
  checkerMailBody,
  dotStuff,
  envelopeAddress,
  fmtTrio,
  fmtVs,
  messageId,
  oneLine,
  quorumMail,
  rfc5322Date,
  rsFifoLine,
  rsMailSubject,
  vrrpFifoLine,
  vrrpMail,
  vsFifoLine,
} from '../../../src/notify/format.js';

test('FIFO lines: what keepalived 2.2.7 wrote to its notify_fifo for a sync group, two instances, a takeover and a stop', () => {
  // Captured from `keepalived --vrrp` (Debian 2.2.7) with notify_fifo, in this order.
  const keepalived = [
    'GROUP "G1" BACKUP 0',
    'INSTANCE "VI_1" BACKUP 100',
    'INSTANCE "VI_2" BACKUP 90',
    'INSTANCE "VI_1" MASTER 100',
    'GROUP "G1" MASTER 0',
    'INSTANCE "VI_2" MASTER 90',
    'INSTANCE "VI_1" STOP 100',
    'INSTANCE "VI_2" STOP 90',
    'GROUP "G1" STOP 0',
  ].join('\n') + '\n';
  const ours = [
    vrrpFifoLine('GROUP', 'G1', 'BACKUP', 77), // a group's priority is always 0
    vrrpFifoLine('INSTANCE', 'VI_1', 'BACKUP', 100),
    vrrpFifoLine('INSTANCE', 'VI_2', 'BACKUP', 90),
    vrrpFifoLine('INSTANCE', 'VI_1', 'MASTER', 100),
    vrrpFifoLine('GROUP', 'G1', 'MASTER', 0),
    vrrpFifoLine('INSTANCE', 'VI_2', 'MASTER', 90),
    vrrpFifoLine('INSTANCE', 'VI_1', 'STOP', 100),
    vrrpFifoLine('INSTANCE', 'VI_2', 'STOP', 90),
    vrrpFifoLine('GROUP', 'G1', 'STOP', 0),
  ].join('');
  assert.equal(ours, keepalived);
  assert.equal(vrrpFifoLine('INSTANCE', 'VI_1', 'MASTER_RX_LOWER_PRI', 150), 'INSTANCE "VI_1" MASTER_RX_LOWER_PRI 150\n');
});

test('FIFO lines: LVS (ipwrapper.c "VS %s %s\\n", "RS %s %s %s\\n") and keepalived FMT_VS / FMT_RS', () => {
  assert.equal(vsFifoLine('[192.168.201.15]:tcp:80', true), 'VS [192.168.201.15]:tcp:80 UP\n');
  assert.equal(vsFifoLine('FWM 7', false), 'VS FWM 7 DOWN\n');
  assert.equal(rsFifoLine('[1.2.3.4]:tcp:80', '[192.168.201.15]:tcp:80', false), 'RS [1.2.3.4]:tcp:80 [192.168.201.15]:tcp:80 DOWN\n');
  assert.equal(fmtTrio('2001:db8::2', 'UDP', 53), '[2001:db8::2]:udp:53');
  assert.equal(fmtTrio('10.0.0.2', undefined, 80), '[10.0.0.2]:none:80');
  assert.equal(fmtVs({ group: 'web' }), '[web]:0');
  assert.equal(fmtVs({ fwmark: 3 }), 'FWM 3');
  assert.equal(fmtVs({ address: '10.0.0.1', protocol: 'SCTP', port: 9 }), '[10.0.0.1]:sctp:9');
});

test('VRRP mails: subjects and bodies as keepalived 2.2.7 sent them', () => {
  assert.deepEqual(vrrpMail('vm', 'GROUP', 'G1', 'BACKUP'), { subject: '[vm] VRRP Group G1 - Entering BACKUP state', body: '=> All VRRP group instances are now in BACKUP state <=' });
  assert.deepEqual(vrrpMail('vm', 'INSTANCE', 'VI_1', 'BACKUP'), { subject: '[vm] VRRP Instance VI_1 - Entering BACKUP state', body: '=> VRRP Instance is no longer owning VRRP VIPs <=' });
  assert.deepEqual(vrrpMail('vm', 'INSTANCE', 'VI_1', 'MASTER'), { subject: '[vm] VRRP Instance VI_1 - Entering MASTER state', body: '=> VRRP Instance is now owning VRRP VIPs <=' });
  assert.deepEqual(vrrpMail('vm', 'GROUP', 'G1', 'MASTER'), { subject: '[vm] VRRP Group G1 - Entering MASTER state', body: '=> All VRRP group instances are now in MASTER state <=' });
  // vrrp_notify.c wording for the states the capture did not reach.
  assert.deepEqual(vrrpMail('r1', 'INSTANCE', 'VI_1', 'FAULT'), { subject: '[r1] VRRP Instance VI_1 - Entering FAULT state', body: '=> VRRP Instance is no longer owning VRRP VIPs <=' });
  assert.deepEqual(vrrpMail('r1', 'INSTANCE', 'VI_1', 'STOP'), { subject: '[r1] VRRP Instance VI_1 - Stopping', body: '=> VRRP Instance stopping <=' });
  assert.deepEqual(vrrpMail('r1', 'GROUP', 'G', 'FAULT')?.body, '=> All VRRP group instances are now in FAULT state <=');
  assert.deepEqual(vrrpMail('r1', 'GROUP', 'G', 'STOP'), { subject: '[r1] VRRP Group G - Stopping', body: '=> All VRRP group instances are now stopping <=' });
  assert.equal(vrrpMail('r1', 'INSTANCE', 'VI_1', 'INIT'), undefined);
});

test('checker mails: the wording compiled into keepalived 2.2.7, per checker type', () => {
  // `strings /usr/sbin/keepalived` (2.2.7) lists exactly these.
  const cases: [string, boolean, string][] = [
    ['HTTP_GET', true, '=> CHECK succeed on service <='],
    ['HTTP_GET', false, '=> CHECK failed on service : HTTP request failed <='],
    ['SSL_GET', false, '=> CHECK failed on service : HTTP request failed <='],
    ['TCP_CHECK', true, '=> TCP CHECK succeed on service <='],
    ['TCP_CHECK', false, '=> TCP CHECK failed on service <='],
    ['UDP_CHECK', true, '=> UDP CHECK succeed on service <='],
    ['UDP_CHECK', false, '=> UDP CHECK failed on service <='],
    ['PING_CHECK', true, '=> ICMP CHECK succeed on service <='],
    ['PING_CHECK', false, '=> ICMP CHECK failed on service <='],
    ['DNS_CHECK', true, '=> DNS_CHECK: succeed on service <='],
    ['DNS_CHECK', false, '=> DNS_CHECK: failed on service <='],
    ['MISC_CHECK', true, '=> MISC CHECK succeeded on service <='],
    ['MISC_CHECK', false, '=> MISC CHECK failed on service <='],
    ['SMTP_CHECK', true, '=> CHECK succeed on service <='],
    ['FILE_CHECK', false, '=> CHECK failed on service <='],
  ];
  for (const [type, up, body] of cases) assert.equal(checkerMailBody(type, up), body, `${type} ${up ? 'up' : 'down'}`);
  assert.equal(checkerMailBody('MISC_CHECK', false, { timedOut: true }), '=> MISC CHECK timed out on service <=');
  assert.equal(checkerMailBody('SMTP_CHECK', false, { detail: 'Error connecting to server [10.0.0.2]:tcp:25' }), '=> CHECK failed on service : Error connecting to server [10.0.0.2]:tcp:25 <=');
  assert.equal(checkerMailBody('SMTP_CHECK', false, { detail: 'bad\r\nSubject: x' }), '=> CHECK failed on service : bad Subject: x <=');
  assert.equal(checkerMailBody('BFD_CHECK', true, { bfd: 'b1' }), '=> BFD CHECK b1 succeeded on service <=');
  assert.equal(rsMailSubject('lb1', '[10.0.0.2]:tcp:80', '[10.0.0.1]:tcp:80', false), '[lb1] Realserver [10.0.0.2]:tcp:80 of virtual server [10.0.0.1]:tcp:80 - DOWN');
});

test('quorum mails: ipwrapper.c "=> %s %u+%u=%ld <= %ld <="', () => {
  assert.deepEqual(quorumMail('lb1', '[10.0.0.1]:tcp:80', true, { quorum: 2, hysteresis: 1, threshold: 3, weightSum: 4, init: false }), {
    subject: '[lb1] Virtualserver [10.0.0.1]:tcp:80 - UP',
    body: '=> Gained quorum 2+1=3 <= 4 <=',
  });
  assert.equal(quorumMail('lb1', 'FWM 1', false, { quorum: 2, hysteresis: 1, threshold: 1, weightSum: 0, init: false }).body, '=> Lost quorum 2+1=1 <= 0 <=');
  assert.equal(quorumMail('lb1', 'FWM 1', true, { quorum: 1, hysteresis: 0, threshold: 1, weightSum: 1, init: true }).body, '=> Starting with quorum up 1+0=1 <= 1 <=');
  assert.equal(quorumMail('lb1', 'FWM 1', false, { quorum: 1, hysteresis: 0, threshold: 1, weightSum: 0, init: true }).body, '=> Starting with quorum down 1+0=1 <= 0 <=');
  assert.equal(quorumMail('lb1', 'FWM 1', false, 'stopping').body, '=> Shutting down <=');
});

test('the message on the wire: keepalived 2.2.7 SMTP DATA bytes, plus Message-ID and lvsd as X-Mailer', () => {
  // Captured with tcpdump between keepalived 2.2.7 and an SMTP server on loopback.
  const keepalived =
    'Date: Mon, 23 Nov 2026 06:28:40 +0000\r\nFrom: root@vm\r\nSubject: [vm] VRRP Group G1 - Entering BACKUP state\r\n' +
    'X-Mailer: Keepalived\r\nTo: ops@example.com, two@example.com\r\n\r\n=> All VRRP group instances are now in BACKUP state <=\r\n\r\n.\r\n';
  const m = vrrpMail('vm', 'GROUP', 'G1', 'BACKUP')!;
  const text = buildMessage({
    date: new Date('2026-11-23T06:28:40Z'),
    tzOffsetMin: 0,
    from: 'root@vm',
    to: ['ops@example.com', 'two@example.com'],
    subject: m.subject,
    body: m.body,
    messageId: '<abc.123@vm>',
  });
  const wire = dotStuff(text) + '.\r\n';
  assert.match(wire, /^Date: .*\r\nFrom: .*\r\nSubject: .*\r\nX-Mailer: lvsd\r\nMessage-ID: <abc\.123@vm>\r\nTo: /);
  assert.equal(wire.replace('Message-ID: <abc.123@vm>\r\n', '').replace('X-Mailer: lvsd', 'X-Mailer: Keepalived'), keepalived);
});

test('Date header: RFC 5322 local time with the zone offset (keepalived strftime "%a, %d %b %Y %H:%M:%S %z")', () => {
  const d = new Date('2024-02-29T23:59:58Z');
  assert.equal(rfc5322Date(d, 0), 'Thu, 29 Feb 2024 23:59:58 +0000');
  assert.equal(rfc5322Date(d, 330), 'Fri, 01 Mar 2024 05:29:58 +0530');
  assert.equal(rfc5322Date(d, -480), 'Thu, 29 Feb 2024 15:59:58 -0800');
  // Any instant and offset reads back as the same second.
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 4102444800 }), fc.integer({ min: -720, max: 840 }), (s, off) => {
      const str = rfc5322Date(new Date(s * 1000), off);
      assert.match(str, /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d [+-]\d{4}$/);
      assert.equal(Date.parse(str), s * 1000);
    }),
  );
});

test('dot-stuffing (RFC 5321 §4.5.2): lines starting with "." get one more; unstuffing gives the text back', () => {
  assert.equal(dotStuff('.\r\n'), '..\r\n');
  assert.equal(dotStuff('a\n.b\r\n..c\rd'), 'a\r\n..b\r\n...c\r\nd\r\n');
  fc.assert(
    fc.property(fc.array(fc.stringMatching(/^[.a-z ]{0,6}$/), { maxLength: 8 }), (lines) => {
      const text = lines.join('\r\n');
      const s = dotStuff(text);
      assert.ok(s.endsWith('\r\n'));
      // The terminator can never appear inside the stuffed text.
      assert.ok(!('\r\n' + s).includes('\r\n.\r\n'));
      for (const l of s.slice(0, -2).split('\r\n')) if (l.startsWith('.')) assert.ok(l.startsWith('..'), l);
      const back = s.slice(0, -2).split('\r\n').map((l) => (l.startsWith('.') ? l.slice(1) : l)).join('\r\n') + '\r\n';
      assert.equal(back, text.endsWith('\r\n') ? text : text + '\r\n');
    }),
  );
});

test('headers cannot be injected; envelope addresses; Message-ID', () => {
  assert.equal(oneLine('VI_1\r\nBcc: x@y'), 'VI_1 Bcc: x@y');
  const t = buildMessage({ date: new Date(0), tzOffsetMin: 0, from: 'a@b', to: ['c@d\r\nBcc: e@f'], subject: 's\nX: y', body: 'b', messageId: '<m@b>' });
  assert.equal(t.split('\r\n\r\n')[0]!.split('\r\n').length, 6);
  assert.equal(envelopeAddress('ops@example.com'), 'ops@example.com');
  assert.equal(envelopeAddress('Ops Team <ops@example.com>'), 'ops@example.com');
  assert.equal(envelopeAddress(' <ops@example.com> '), 'ops@example.com');
  assert.equal(messageId(1700000000000, 'a1b2', 'example.com'), `<${(1700000000000).toString(36)}.a1b2@example.com>`);
  assert.equal(messageId(1, 'x', 'bad domain>'), '<1.x@baddomain>');
});
