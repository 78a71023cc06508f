// Unit tests: the checker blocks of real_server, one schema variant per type, with keepalived's
// keyword sets (check_api.c, check_http.c, check_smtp.c, check_dns.c, check_misc.c, check_udp.c,
// check_file.c) and errors at file:line:col.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseKeepalivedText, type ParsedConfig } from '../../../src/config/keepalived/parse.js';
import type { Checker } from '../../../src/config/model/check.js';
import { memFs } from './memfs.js';

/** The checkers of one real server, written inside a complete virtual server (lines start at 6). */
function checks(body: string): { r: ParsedConfig; c: Checker[] } {
  const text = `track_file tf1 {\n  file /tmp/tf1\n}\nvirtual_server 10.0.0.1 80 { lvs_sched rr\n lvs_method NAT\nprotocol TCP\nreal_server 10.0.0.11 80 {\n${body}\n}\n}\n`;
  const r = parseKeepalivedText(text, '/c.conf', memFs({}), { configId: 'x' });
  return { r, c: r.model.virtual_servers[0]?.real_servers[0]?.checkers ?? [] };
}
function where(r: ParsedConfig): string[] {
  return r.diagnostics.map((d) => `${d.severity} ${d.code}@${d.loc?.line}:${d.loc?.col}`);
}
const L = 8; // line of the first body line

test('HTTP_GET: urls with path, digest, status codes and ranges, virtualhost and regex options; connection and timing options', () => {
  const { r, c } = checks(`HTTP_GET {
  url {
    path /healthz?full=1
    digest 9B3A0C85A887A256D6939DA88AABD8CD
    status_code 200-299 400-499 503
    status_code 505
    virtualhost www.example.com
    regex "^OK [0-9]+$"
    regex_no_match
    regex_options caseless multiline
    regex_options dotall
    regex_stack 32768 1048576
    regex_min_offset 10
    regex_max_offset 4000
  }
  url {
    path /
  }
  connect_ip 10.0.0.12
  connect_port 8080
  bindto 10.0.0.2
  bind_port 4000
  bind_if eth1
  fwmark 42
  connect_timeout 1.5
  retry 2
  delay_before_retry 0.25
  warmup 3
  delay_loop 10
  alpha
  log_all_failures on
  virtualhost default.example.com
  http_protocol 1.0c
  fast_recovery
}`);
  assert.deepEqual(where(r), []);
  assert.deepEqual(c, [
    {
      type: 'HTTP_GET',
      url: [
        {
          path: '/healthz?full=1',
          digest: '9b3a0c85a887a256d6939da88aabd8cd',
          status_code: [
            { from: 200, to: 299 },
            { from: 400, to: 499 },
            { from: 503, to: 503 },
            { from: 505, to: 505 },
          ],
          virtualhost: 'www.example.com',
          regex: '^OK [0-9]+$',
          regex_no_match: true,
          regex_options: ['caseless', 'multiline', 'dotall'],
          regex_stack: { start: 32768, max: 1048576 },
          regex_min_offset: 10,
          regex_max_offset: 4000,
        },
        { path: '/' },
      ],
      connect_ip: '10.0.0.12',
      connect_port: 8080,
      bindto: '10.0.0.2',
      bind_port: 4000,
      bind_if: 'eth1',
      fwmark: 42,
      connect_timeout: 1.5,
      retry: 2,
      delay_before_retry: 0.25,
      warmup: 3,
      delay_loop: 10,
      alpha: true,
      log_all_failures: true,
      virtualhost: 'default.example.com',
      http_protocol: '1.0C',
      fast_recovery: true,
    },
  ]);
});

test('HTTP_GET / SSL_GET problems: bad digest and codes, unknown regex option, no url, SNI on HTTP_GET', () => {
  const { r, c } = checks(`HTTP_GET {
  url {
    digest 12345
    status_code 99 600 abc 300-200
    regex_options caseless nosuchoption
  }
  http_protocol 2.0
  enable_sni
}
SSL_GET {
  enable_sni
  url {
    path /
    digest 9b3a0c85a887a256d6939da88aabd8cd
    digest 9b3a0c85a887a256d6939da88aabd8cd
  }
}`);
  assert.deepEqual(where(r), [
    `error invalid-value@${L + 2}:12`,
    `error invalid-status-code@${L + 3}:17`,
    `error invalid-status-code@${L + 3}:20`,
    `error invalid-status-code@${L + 3}:24`,
    `error status-code-reversed@${L + 3}:28`,
    `error invalid-regex-option@${L + 4}:28`,
    `error invalid-value@${L + 6}:17`,
    `warning not-supported@${L + 7}:3`,
    `error duplicate-digest@${L + 14}:5`,
    `error url-without-path@${L + 1}:3`,
    `error no-url@${L}:1`,
  ]);
  assert.equal(c.length, 2);
  const ssl = c[1];
  assert.ok(ssl?.type === 'SSL_GET' && ssl.enable_sni === true && ssl.url?.[0]?.digest === '9b3a0c85a887a256d6939da88aabd8cd');
  const http = c[0];
  assert.ok(http?.type === 'HTTP_GET');
  assert.deepEqual(http.url, [{ status_code: [{ from: 300, to: 200 }], regex_options: ['caseless'] }]);
});

test('TCP_CHECK and PING_CHECK take the connection and timing options only', () => {
  const { r, c } = checks(`TCP_CHECK {
  connect_port 6379
  connect_timeout 3
  retry 3
  delay_before_retry 3
}
PING_CHECK {
  retry 4
  url { path / }
}`);
  assert.deepEqual(c, [
    { type: 'TCP_CHECK', connect_port: 6379, connect_timeout: 3, retry: 3, delay_before_retry: 3 },
    { type: 'PING_CHECK', retry: 4 },
  ]);
  assert.deepEqual(where(r), [`warning unknown-keyword@${L + 8}:3`]);
});

test('SMTP_CHECK: helo_name and the deprecated host blocks (their timing options belong to the checker)', () => {
  const { r, c } = checks(`SMTP_CHECK {
  connect_timeout 10
  helo_name "foo.bar.com"
  host {
    connect_ip 172.16.1.12
    connect_port 25
    bindto 172.16.1.2
    retry 5
  }
  host {
    connect_ip 2001:DB8::25
  }
}`);
  assert.deepEqual(c, [
    {
      type: 'SMTP_CHECK',
      connect_timeout: 10,
      helo_name: 'foo.bar.com',
      host: [{ connect_ip: '172.16.1.12', connect_port: 25, bindto: '172.16.1.2' }, { connect_ip: '2001:db8::25' }],
      retry: 5,
    },
  ]);
  assert.deepEqual(where(r), [`warning deprecated-keyword@${L + 3}:3`, `warning deprecated-keyword@${L + 9}:3`]);
});

test('DNS_CHECK: type (stored as query_type, any case) and name; unknown types and empty labels are errors', () => {
  const { r, c } = checks(`DNS_CHECK {
  type aaaa
  name www.example.com.
  retry 5
}
DNS_CHECK {
  type PTR
  name a..b
}
DNS_CHECK {
  name .
}`);
  assert.deepEqual(c, [
    { type: 'DNS_CHECK', query_type: 'AAAA', name: 'www.example.com.', retry: 5 },
    { type: 'DNS_CHECK' },
    { type: 'DNS_CHECK', name: '.' },
  ]);
  assert.deepEqual(where(r), [`error invalid-value@${L + 6}:8`, `error invalid-value@${L + 7}:8`]);
});

test('MISC_CHECK: misc_path with arguments, misc_timeout, misc_dynamic, user [group]; no connection options', () => {
  const { r, c } = checks(`MISC_CHECK {
  misc_path "/usr/local/bin/check.sh arg1 arg2"
  misc_timeout 5
  misc_dynamic
  user nobody nogroup
  retry 0
  warmup 2
  connect_timeout 3
  connect_ip 10.0.0.99
}
MISC_CHECK {
  misc_path /usr/local/bin/check.sh --port 80
  user nobody
  misc_timeout 2.5
}`);
  assert.deepEqual(c, [
    { type: 'MISC_CHECK', misc_path: '/usr/local/bin/check.sh arg1 arg2', misc_timeout: 5, misc_dynamic: true, user: { name: 'nobody', group: 'nogroup' }, retry: 0, warmup: 2 },
    { type: 'MISC_CHECK', misc_path: '/usr/local/bin/check.sh --port 80', user: { name: 'nobody' } },
  ]);
  assert.deepEqual(where(r), [`warning unknown-keyword@${L + 7}:3`, `warning unknown-keyword@${L + 8}:3`, `error invalid-number@${L + 13}:16`]);
});

test('UDP_CHECK: payload and require_reply in keepalived\'s free hex format, reply lengths', () => {
  const { r, c } = checks(`UDP_CHECK {
  payload Ab12f 3 456 546443123
  require_reply 0a Xx 1
  min_reply_length 4
  max_reply_length 1000
}
UDP_CHECK {
  require_reply
  max_reply_length 70000
  payload 0g
}`);
  assert.deepEqual(c, [
    // keepalived.conf(5): "Ab12f 3 456 546443123" is AB 12 0F 03 45 06 54 64 43 12 03.
    { type: 'UDP_CHECK', payload: 'ab120f0345065464431203', require_reply: '0axx01', min_reply_length: 4, max_reply_length: 1000 },
    { type: 'UDP_CHECK', require_reply: true },
  ]);
  assert.deepEqual(where(r), [`error out-of-range@${L + 8}:20`, `error invalid-hex@${L + 9}:11`]);
});

test('FILE_CHECK: track_file, dynamic, weight [reverse|noreverse]; none of the standard options', () => {
  const { r, c } = checks(`FILE_CHECK {
  track_file tf1
  dynamic
  weight -5 reverse
}
FILE_CHECK {
  track_file tf1
  weight 10 noreverse
  retry 3
}
FILE_CHECK {
  track_file nosuch
  weight 3 sideways
}`);
  assert.deepEqual(c, [
    { type: 'FILE_CHECK', track_file: 'tf1', dynamic: true, weight: { value: -5, reverse: true } },
    { type: 'FILE_CHECK', track_file: 'tf1', weight: { value: 10, reverse: false } },
    { type: 'FILE_CHECK', track_file: 'nosuch' },
  ]);
  const w = where(r);
  assert.ok(w.includes(`warning unknown-keyword@${L + 8}:3`), w.join('\n'));
  assert.ok(w.includes(`error invalid-value@${L + 12}:12`), w.join('\n'));
  assert.ok(w.includes(`error unknown-track-file@${L + 11}:3`), w.join('\n'));
});

test('BFD_CHECK is read (name) and warned about: lvsd has no BFD', () => {
  const { r, c } = checks('BFD_CHECK {\n  name bfd1\n}');
  assert.deepEqual(c, [{ type: 'BFD_CHECK', name: 'bfd1' }]);
  const d = r.diagnostics.find((x) => x.code === 'not-supported');
  assert.equal(`${d?.loc?.line}:${d?.loc?.col}`, `${L}:1`);
  assert.match(d?.message ?? '', /'BFD_CHECK' is read but not acted on: lvsd has no BFD/);
});

test('several checkers of any mix keep their order; a checker needs its block', () => {
  const { r, c } = checks('TCP_CHECK {\n}\nHTTP_GET {\n url { path / }\n}\nTCP_CHECK {\n connect_port 81\n}\nMISC_CHECK');
  assert.deepEqual(c.map((x) => x.type), ['TCP_CHECK', 'HTTP_GET', 'TCP_CHECK']);
  assert.deepEqual(where(r), [`error missing-block@${L + 8}:1`]);
});

test('connection option values are checked: ports 1-65535, addresses, interface names, timers', () => {
  const { r } = checks(`TCP_CHECK {
  connect_port 0
  bind_port 65536
  connect_ip 10.0.0.256
  bindto fe80::1%eth0
  bind_if averyveryverylongname
  fwmark -1
  delay_loop 0
  warmup -1
  retry 4294967296
}`);
  assert.deepEqual(where(r), [
    `error out-of-range@${L + 1}:16`,
    `error out-of-range@${L + 2}:13`,
    `error invalid-address@${L + 3}:14`,
    `error invalid-value@${L + 5}:11`,
    `error out-of-range@${L + 6}:10`,
    `error out-of-range@${L + 7}:14`,
    `error out-of-range@${L + 8}:10`,
    `error out-of-range@${L + 9}:9`,
    // the IPv6 bindto cannot reach the IPv4 real server: the checker is dropped
    `error family-mismatch@${L + 4}:3`,
  ]);
});
