// Unit tests: resolveLvs: keepalived's defaults, virtual_server -> real_server -> checker
// inheritance, forwarding methods, ports, persistence and the fix-ups of validate_check_config().
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseKeepalivedText } from '../../../src/config/keepalived/parse.js';
import { resolveLvs, type ResolvedChecker, type ResolvedLvs } from '../../../src/config/resolve-lvs.js';
import type { ConfigModel } from '../../../src/config/model/index.js';
import { memFs } from './memfs.js';

function model(text: string): ConfigModel {
  return parseKeepalivedText(text, '/r.conf', memFs({}), { configId: 'x' }).model;
}
function resolve(text: string): ResolvedLvs {
  return resolveLvs(model(text));
}
function timing(c: ResolvedChecker | undefined): unknown {
  if (!c) return undefined;
  const { alpha, retry, delay_before_retry, delay_loop, warmup, log_all_failures } = c;
  return { alpha, retry, delay_before_retry, delay_loop, warmup, log_all_failures };
}

test('defaults: connect_timeout 5, delay_loop 60, retry 1 (DNS 3, MISC 0), delay_before_retry 1 (HTTP 3, DNS delay_loop), warmup = delay_loop', () => {
  const r = resolve(`virtual_server 10.0.0.1 80 { lvs_sched rr
  lvs_method NAT
  protocol TCP
  real_server 10.0.0.11 80 {
    TCP_CHECK { }
    HTTP_GET { url { path / } }
    SSL_GET { url { path / } }
    DNS_CHECK { }
    MISC_CHECK { misc_path /bin/true }
    UDP_CHECK { }
    SMTP_CHECK { }
    PING_CHECK { }
  }
}`);
  const cs = r.virtual_servers[0]?.real_servers[0]?.checkers ?? [];
  assert.deepEqual(cs.map((c) => [c.type, c.retry, c.delay_before_retry, c.delay_loop, c.warmup, c.alpha]), [
    ['TCP_CHECK', 1, 1, 60, 60, false],
    ['HTTP_GET', 1, 3, 60, 60, false],
    ['SSL_GET', 1, 3, 60, 60, false],
    ['DNS_CHECK', 3, 60, 60, 60, false],
    ['MISC_CHECK', 0, 1, 60, 60, false],
    ['UDP_CHECK', 1, 1, 60, 60, false],
    ['SMTP_CHECK', 1, 1, 60, 60, false],
    ['PING_CHECK', 1, 1, 60, 60, false],
  ]);
  const byType = Object.fromEntries(cs.map((c) => [c.type, c]));
  const tcp = byType.TCP_CHECK;
  assert.ok(tcp && 'connection' in tcp);
  assert.deepEqual(tcp.connection, { address: '10.0.0.11', port: 80, connect_timeout: 5 });
  const http = byType.HTTP_GET;
  assert.ok(http?.type === 'HTTP_GET');
  assert.deepEqual([http.http_protocol, http.fast_recovery, http.enable_sni, http.urls], ['1.0', false, false, [{ path: '/', status_code: [{ from: 200, to: 299 }] }]]);
  assert.ok(byType.DNS_CHECK?.type === 'DNS_CHECK' && byType.DNS_CHECK.query_type === 'SOA' && byType.DNS_CHECK.name === '.');
  assert.ok(byType.SMTP_CHECK?.type === 'SMTP_CHECK' && byType.SMTP_CHECK.helo_name === 'smtpchecker.keepalived.org');
  assert.ok(byType.MISC_CHECK?.type === 'MISC_CHECK' && byType.MISC_CHECK.misc_timeout === 60);
  const udp = byType.UDP_CHECK;
  assert.ok(udp?.type === 'UDP_CHECK');
  assert.deepEqual([udp.require_reply, udp.min_reply_length, udp.max_reply_length, udp.payload], [false, 0, 255, undefined]);
  const rs = r.virtual_servers[0]?.real_servers[0];
  assert.deepEqual([rs?.weight, rs?.inhibit_on_failure, rs?.alpha, rs?.smtp_alert], [1, false, false, true]);
  assert.equal(r.virtual_servers[0]?.smtp_alert, false);
});

test('inheritance: virtual_server -> real_server -> checker, the innermost setting wins', () => {
  const r = resolve(`virtual_server 10.0.0.1 80 { lvs_sched rr
  lvs_method DR
  protocol TCP
  connect_timeout 7
  retry 4
  delay_before_retry 2
  warmup 9
  delay_loop 30
  alpha
  inhibit_on_failure
  virtualhost vs.example.com
  weight 5
  real_server 10.0.0.11 80 {
    delay_loop 20
    retry 6
    TCP_CHECK { }
    HTTP_GET {
      connect_timeout 1
      delay_loop 10
      alpha off
      virtualhost ck.example.com
      url { path /a }
      url { path /b
        virtualhost url.example.com }
    }
  }
  real_server 10.0.0.12 80 {
    weight 2
    alpha no
    inhibit_on_failure off
    virtualhost rs.example.com
    HTTP_GET { url { path / } }
  }
}`);
  const [rs1, rs2] = r.virtual_servers[0]?.real_servers ?? [];
  assert.deepEqual([rs1?.weight, rs1?.alpha, rs1?.inhibit_on_failure, rs1?.method], [5, true, true, { method: 'DR' }]);
  assert.deepEqual([rs2?.weight, rs2?.alpha, rs2?.inhibit_on_failure, rs2?.virtualhost], [2, false, false, 'rs.example.com']);
  const [tcp, http] = rs1?.checkers ?? [];
  assert.deepEqual(timing(tcp), { alpha: true, retry: 6, delay_before_retry: 2, delay_loop: 20, warmup: 9, log_all_failures: false });
  assert.ok(tcp && 'connection' in tcp && tcp.connection.connect_timeout === 7);
  assert.deepEqual(timing(http), { alpha: false, retry: 6, delay_before_retry: 2, delay_loop: 10, warmup: 9, log_all_failures: false });
  assert.ok(http?.type === 'HTTP_GET' && http.connection.connect_timeout === 1);
  assert.deepEqual(http.urls.map((u) => u.virtualhost), ['ck.example.com', 'url.example.com']);
  const http2 = rs2?.checkers[0];
  assert.ok(http2?.type === 'HTTP_GET');
  assert.equal(http2.urls[0]?.virtualhost, 'rs.example.com');
  assert.equal(http2.alpha, false, 'the real server alpha off overrides the virtual server alpha');
});

test('lvs_method: the virtual server method is the real and sorry servers\' default; tunnel details resolved', () => {
  const r = resolve(`virtual_server 10.0.0.1 80 { lvs_sched rr
  protocol TCP
  lvs_method TUN type gue port 6080
  sorry_server 10.0.0.99 80
  sorry_server_lvs_method DR
  sorry_server_inhibit
  real_server 10.0.0.11 80 { }
  real_server 10.0.0.12 80 { lvs_method TUN type gre csum }
  real_server 10.0.0.13 80 { lvs_method NAT }
}`);
  const vs = r.virtual_servers[0];
  assert.deepEqual(vs?.method, { method: 'TUN', tunnel: { type: 'gue', port: 6080, csum: 'nocsum' } });
  assert.deepEqual(vs?.real_servers.map((x) => x.method), [
    { method: 'TUN', tunnel: { type: 'gue', port: 6080, csum: 'nocsum' } },
    { method: 'TUN', tunnel: { type: 'gre', csum: 'csum' } },
    { method: 'NAT' },
  ]);
  assert.deepEqual(vs?.sorry_server, { address: '10.0.0.99', port: 80, method: { method: 'DR' }, inhibit: true });
});

test('ports: 0 or absent means the virtual server\'s; DR must match it; fwmark DR clears it, NAT keeps it', () => {
  const r = resolve(`virtual_server 10.0.0.1 443 { lvs_sched rr
  protocol TCP
  lvs_method DR
  sorry_server 10.0.0.99
  real_server 10.0.0.11 { }
  real_server 10.0.0.12 0 { }
  real_server 10.0.0.13 8443 { }
  real_server 10.0.0.14 8443 { lvs_method NAT }
}
virtual_server fwmark 3 { lvs_sched rr
  real_server 10.0.0.21 80 { lvs_method DR }
  real_server 10.0.0.22 8080 { lvs_method NAT }
  real_server 10.0.0.23 { lvs_method NAT }
}`);
  const [a, b] = r.virtual_servers;
  assert.deepEqual(a?.real_servers.map((x) => x.port), [443, 443, 443, 8443]);
  assert.equal(a?.sorry_server?.port, 443);
  assert.deepEqual(b?.real_servers.map((x) => x.port), [0, 8080, 0]);
  assert.deepEqual(b?.services, [{ kind: 'fwmark', family: 'inet', fwmark: 3 }]);
  assert.deepEqual(r.findings.map((f) => f.code), ['port-reset', 'port-cleared']);
});

test('persistence: bare timeout and granularity alone mean 360 s; a zero port forces persistence', () => {
  const r = resolve(`virtual_server 10.0.0.1 80 { lvs_sched rr
  lvs_method NAT
  protocol TCP
  persistence_timeout
  real_server 10.0.0.11 80 { }
}
virtual_server 10.0.0.2 80 { lvs_sched rr
  lvs_method NAT
  protocol TCP
  persistence_granularity 255.255.255.0
  persistence_engine sip
  real_server 10.0.0.11 80 { }
}
virtual_server 10.0.0.3 { lvs_sched rr
  lvs_method NAT
  protocol TCP
  real_server 10.0.0.11 80 { }
}
virtual_server 10.0.0.4 80 { lvs_sched rr
  lvs_method NAT
  protocol TCP
  real_server 10.0.0.11 80 { }
}`);
  assert.deepEqual(r.virtual_servers.map((v) => v.persistence), [
    { timeout: 360 },
    { timeout: 360, granularity: '255.255.255.0', engine: 'sip' },
    { timeout: 360 },
    undefined,
  ]);
  assert.deepEqual(r.findings.map((f) => f.code), ['zero-port-persistent']);
});

test('keepalived fix-ups: protocol UDP, wlc, NAT, fwmark protocol, ha_suspend, ops, scheduler flags, quorum and hysteresis', () => {
  const r = resolve(`virtual_server 10.0.0.1 80 {
  ops
  sh-port
  real_server 10.0.0.11 80 { weight 3 }
}
virtual_server fwmark 9 { lvs_sched sh
  lvs_method NAT
  protocol TCP
  ha_suspend
  sh-port
  quorum 10
  hysteresis 7
  real_server 10.0.0.12 80 { weight 4 }
}`);
  const [a, b] = r.virtual_servers;
  assert.deepEqual([a?.protocol, a?.lvs_sched, a?.method, a?.flags.ops, a?.flags.sh_port], ['UDP', 'wlc', { method: 'NAT' }, true, false]);
  assert.deepEqual([b?.protocol, b?.ha_suspend, b?.flags.sh_port, b?.quorum, b?.hysteresis], [undefined, false, true, 4, 3]);
  assert.deepEqual(r.findings.map((f) => `${f.severity} ${f.code}`), [
    'warning default-scheduler',
    'warning scheduler-flag',
    'warning default-protocol',
    'warning default-method',
    'warning fwmark-protocol',
    'warning ha-suspend-fwmark',
    'warning quorum-reduced',
    'warning hysteresis-reduced',
  ]);
});

test('virtual_server_group: one service per entry, with the virtual server\'s protocol; fwmarks take the group family', () => {
  const r = resolve(`virtual_server_group G {
  10.0.0.1 80
  192.168.200.3-10 8080
  fwmark 5
  fwmark 6 inet
}
virtual_server group G { lvs_sched rr
  lvs_method NAT
  protocol TCP
  persistence_timeout 60
  real_server 192.168.1.1 80 { }
}`);
  const vs = r.virtual_servers[0];
  assert.equal(vs?.id, 'group G');
  assert.deepEqual(vs?.services, [
    { kind: 'address', family: 'inet', first: '10.0.0.1', last: '10.0.0.1', port: 80, protocol: 'TCP' },
    { kind: 'address', family: 'inet', first: '192.168.200.3', last: '192.168.200.10', port: 8080, protocol: 'TCP' },
    { kind: 'fwmark', family: 'inet', fwmark: 5 },
    { kind: 'fwmark', family: 'inet', fwmark: 6 },
  ]);
  assert.deepEqual(r.findings, []);
});

test('SMTP_CHECK host blocks become one checker each, inheriting the checker\'s connection options', () => {
  const r = resolve(`virtual_server 10.0.0.1 25 { lvs_sched rr
  lvs_method NAT
  protocol TCP
  real_server 172.16.1.11 25 {
    SMTP_CHECK {
      connect_timeout 10
      helo_name mx.example.com
      host { connect_ip 172.16.1.11 }
      host { connect_ip 192.168.155.10
        connect_port 587
        bindto 192.168.155.2 }
    }
    SMTP_CHECK {
      host { connect_ip 172.16.1.12 }
    }
  }
}`);
  const cs = r.virtual_servers[0]?.real_servers[0]?.checkers ?? [];
  assert.deepEqual(
    cs.map((c) => (c.type === 'SMTP_CHECK' ? [c.helo_name, c.connection] : c.type)),
    [
      ['mx.example.com', { address: '172.16.1.11', port: 25, connect_timeout: 10 }],
      ['mx.example.com', { address: '172.16.1.11', port: 25, connect_timeout: 10 }],
      ['mx.example.com', { address: '192.168.155.10', port: 587, bindto: '192.168.155.2', connect_timeout: 10 }],
      ['smtpchecker.keepalived.org', { address: '172.16.1.12', port: 25, connect_timeout: 5 }],
    ],
  );
});

test('checkers keepalived drops: HTTP_GET without urls, url without path, MISC without path, unknown track_file, link-local without bind_if', () => {
  const r = resolve(`virtual_server 2001:db8::1 80 { lvs_sched rr
  lvs_method NAT
  protocol TCP
  real_server 2001:db8::11 80 {
    HTTP_GET { url { digest 9b3a0c85a887a256d6939da88aabd8cd } }
    HTTP_GET { url { path / } url { status_code 200 } }
    MISC_CHECK { misc_dynamic }
    FILE_CHECK { track_file nosuch }
    TCP_CHECK { connect_ip fe80::1 }
    TCP_CHECK { connect_ip fe80::1
      bind_if eth0 }
    UDP_CHECK { min_reply_length 10
      max_reply_length 5
      require_reply 00xx }
  }
}`);
  const cs = r.virtual_servers[0]?.real_servers[0]?.checkers ?? [];
  assert.deepEqual(cs.map((c) => c.type), ['HTTP_GET', 'TCP_CHECK', 'UDP_CHECK']);
  const udp = cs[2];
  assert.ok(udp?.type === 'UDP_CHECK' && udp.require_reply && udp.reply_data === '00xx');
  assert.deepEqual(r.findings.map((f) => `${f.severity} ${f.code}`), [
    'error url-without-path',
    'error no-url',
    'error url-without-path',
    'error misc-check-without-path',
    'error unknown-track-file',
    'error link-local-needs-bind-if',
    'warning udp-reply-length',
  ]);
});

test('regex options without regex are dropped; reversed offsets and stacks are ignored', () => {
  const r = resolve(`virtual_server 10.0.0.1 80 { lvs_sched rr
  lvs_method NAT
  protocol TCP
  real_server 10.0.0.11 80 {
    HTTP_GET {
      url { path /a
        regex_no_match }
      url { path /b
        regex "ok"
        regex_options caseless
        regex_min_offset 50
        regex_max_offset 10
        regex_stack 10 5 }
      url { path /c
        status_code 300-200 204
        regex ok
        regex_min_offset 5 }
    }
  }
}`);
  const http = r.virtual_servers[0]?.real_servers[0]?.checkers[0];
  assert.ok(http?.type === 'HTTP_GET');
  assert.deepEqual(http.urls, [
    { path: '/a', status_code: [{ from: 200, to: 299 }] },
    { path: '/b', status_code: [{ from: 200, to: 299 }], regex: { pattern: 'ok', no_match: false, options: ['caseless'] } },
    { path: '/c', status_code: [{ from: 204, to: 204 }], regex: { pattern: 'ok', no_match: false, options: [], min_offset: 5 } },
  ]);
  assert.deepEqual(r.findings.map((f) => f.code), ['regex-params-without-regex', 'regex-offsets', 'regex-stack']);
});

test('address families: a non-tunnelled real server of the other family is dropped; tunnelled ones may differ', () => {
  const r = resolve(`virtual_server 10.0.0.1 80 { lvs_sched rr
  lvs_method NAT
  protocol TCP
  real_server 2001:db8::11 80 { }
  real_server 2001:db8::12 80 { lvs_method TUN }
  real_server 10.0.0.13 80 { }
}
virtual_server fwmark 4 { lvs_sched rr
  lvs_method TUN
  real_server 2001:db8::21 { }
}`);
  const [a, b] = r.virtual_servers;
  assert.deepEqual(a?.real_servers.map((x) => x.address), ['2001:db8::12', '10.0.0.13']);
  assert.equal(b?.family, 'inet6', 'a fwmark service with only tunnelled IPv6 real servers is IPv6');
  assert.deepEqual(r.findings.map((f) => f.code), ['family-mismatch']);
});

test('resolve is pure: the model is not changed and the same model resolves the same way', () => {
  const m = model(`virtual_server 10.0.0.1 { ops
  real_server 10.0.0.11 80 { HTTP_GET { url { path / } } }
}`);
  const before = JSON.stringify(m);
  const a = resolveLvs(m);
  const b = resolveLvs(m);
  assert.equal(JSON.stringify(m), before);
  assert.deepEqual(JSON.parse(JSON.stringify(a.virtual_servers)), JSON.parse(JSON.stringify(b.virtual_servers)));
  assert.equal(a.virtual_servers[0]?.persistence?.timeout, 360);
});

test('smtp_alert defaults: virtual servers off and real servers on, unless global_defs smtp_alert_checker / smtp_alert says otherwise', () => {
  const body = `virtual_server 10.0.0.1 80 { lvs_sched rr
  lvs_method NAT
  protocol TCP
  real_server 10.0.0.11 80 { }
  real_server 10.0.0.12 80 { smtp_alert on }
}`;
  const plain = resolve(body).virtual_servers[0];
  assert.deepEqual([plain?.smtp_alert, ...(plain?.real_servers.map((r) => r.smtp_alert) ?? [])], [false, true, true]);
  const off = resolve(`global_defs {\n  smtp_alert false\n}\n${body}`).virtual_servers[0];
  assert.deepEqual([off?.smtp_alert, ...(off?.real_servers.map((r) => r.smtp_alert) ?? [])], [false, false, true]);
  const on = resolve(`global_defs {\n  smtp_alert false\n  smtp_alert_checker true\n}\n${body}`).virtual_servers[0];
  assert.deepEqual([on?.smtp_alert, ...(on?.real_servers.map((r) => r.smtp_alert) ?? [])], [true, true, true]);
});
