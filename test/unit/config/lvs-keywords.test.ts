// Unit tests: the keepalived.conf grammar of virtual_server_group, virtual_server, real_server
// and SSL: every keyword family, ranges and errors with file:line:col.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseKeepalivedText, type ParsedConfig } from '../../../src/config/keepalived/parse.js';
import type { VirtualServer } from '../../../src/config/model/lvs.js';
import type { SslConfig } from '../../../src/config/model/check.js';
import { memFs } from './memfs.js';

function parse(text: string): ParsedConfig {
  return parseKeepalivedText(text, '/t.conf', memFs({}), { configId: 'x' });
}
/** `code@line:col` of every diagnostic, for exact location assertions. */
function where(r: ParsedConfig): string[] {
  return r.diagnostics.map((d) => `${d.severity} ${d.code}@${d.loc?.line}:${d.loc?.col}`);
}
function only(r: ParsedConfig, code: string): string[] {
  return r.diagnostics.filter((d) => d.code === code).map((d) => `${d.loc?.file}:${d.loc?.line}:${d.loc?.col} ${d.message}`);
}
const RS = 'real_server 10.0.0.11 80 {\n weight 1\n }';

test('virtual_server by address and port, address alone, fwmark and group', () => {
  const r = parse(`virtual_server_group G {
  10.0.0.1 80
}
virtual_server 10.0.0.1 80 { protocol TCP
 ${RS} }
virtual_server 2001:DB8:0:0::1 443 { protocol TCP
 real_server 2001:db8::11 443 { } }
virtual_server 10.0.0.2 { protocol TCP
 persistence_timeout
 ${RS} }
virtual_server fwmark 5 { ${RS} }
virtual_server group G { protocol TCP
 ${RS} }
`);
  const [a, b, c, d, e] = r.model.virtual_servers as [VirtualServer, VirtualServer, VirtualServer, VirtualServer, VirtualServer];
  assert.equal(r.model.virtual_servers.length, 5);
  assert.ok('address' in a && a.address === '10.0.0.1' && a.port === 80 && a.protocol === 'TCP');
  assert.ok('address' in b && b.address === '2001:db8::1' && b.port === 443, 'IPv6 address in canonical form');
  assert.ok('address' in c && c.address === '10.0.0.2' && c.port === undefined && c.persistence_timeout === true);
  assert.ok('fwmark' in d && d.fwmark === 5);
  assert.ok('group' in e && e.group === 'G');
  assert.deepEqual(a.real_servers, [{ address: '10.0.0.11', port: 80, weight: 1, checkers: [] }]);
  assert.deepEqual(where(r).filter((x) => x.startsWith('error')), []);
});

test('virtual_server_group: addresses, short and full ranges, prefixes, fwmarks with family', () => {
  const r = parse(`virtual_server_group VSG_1 {
    10.0.0.1 8080
    192.168.200.1-10 80
    192.168.200.250-192.168.201.10 80
    10.0.4.0/29 80
    10.0.5.1
    2001:db8::2-9 80
    2001:db8::/126 443
    10.0.6.1 0
    fwmark 5 inet
    fwmark 6
}`);
  const g = r.model.virtual_server_groups[0];
  assert.ok(g);
  assert.equal(g.name, 'VSG_1');
  assert.deepEqual(g.addresses, [
    { address: '10.0.0.1', port: 8080 },
    { address: '192.168.200.1', last: '192.168.200.10', port: 80 },
    { address: '192.168.200.250', last: '192.168.201.10', port: 80 },
    { address: '10.0.4.0', last: '10.0.4.7', port: 80 },
    { address: '10.0.5.1' },
    { address: '2001:db8::2', last: '2001:db8::9', port: 80 },
    { address: '2001:db8::', last: '2001:db8::3', port: 443 },
    { address: '10.0.6.1', port: 0 },
  ]);
  assert.deepEqual(g.fwmarks, [{ fwmark: 5, family: 'inet' }, { fwmark: 6 }]);
  // This group mixes IPv4 and IPv6 with a family-less fwmark: keepalived removes it.
  assert.deepEqual(only(r, 'unusable-group'), ['/t.conf:1:1 virtual_server_group VSG_1 has IPv4 and IPv6 entries and a fwmark without family; keepalived removes it']);
});

test('virtual_server_group: bad entries are errors at the entry', () => {
  const r = parse(`virtual_server_group G {
    10.0.4.1/29 80
    10.0.0.9-3 80
    10.0.0.1-300 80
    fwmark 7 ipv5
    10.0.0.1 65536
    ::1-10.0.0.2 80
    not-an-address
    10.0.0.5 80
}
virtual_server_group E {
}`);
  assert.deepEqual(where(r), [
    'error invalid-address@2:5',
    'error invalid-address@3:5',
    'error invalid-address@4:5',
    'error invalid-value@5:14',
    'error out-of-range@6:14',
    'error invalid-address@8:5',
    // a full-form range is read as written; its mixed families are reported after reading
    'error group-range@7:5',
    'error unusable-group@11:1',
  ]);
  assert.deepEqual(r.model.virtual_server_groups[0]?.addresses, [{ address: '::1', last: '10.0.0.2', port: 80 }, { address: '10.0.0.5', port: 80 }]);
  assert.match(r.diagnostics[0]?.message ?? '', /host bits set for \/29/);
});

test('every virtual_server keyword lands in its field', () => {
  const r = parse(`virtual_server 10.0.0.1 80 {
  lvs_sched sh
  flag-1
  flag-2
  flag-3
  sh-port
  sh-fallback
  ops
  lvs_method TUN type gue port 6080 csum
  persistence_engine sip
  persistence_timeout 600
  persistence_granularity 255.255.255.0
  protocol udp
  ha_suspend
  smtp_alert off
  virtualhost www.example.com
  alpha
  omega
  quorum 2
  hysteresis 1
  quorum_up "/usr/local/bin/up.sh a b" nobody nogroup
  quorum_down /usr/local/bin/down.sh
  ip_family inet
  sorry_server 10.0.0.99 8080
  sorry_server_inhibit
  sorry_server_lvs_method DR
  connect_timeout 2.5
  retry 4
  delay_before_retry 0.5
  warmup 0
  delay_loop 6
  inhibit_on_failure
  weight 3
  ${RS}
}
virtual_server 10.0.0.2 80 {
  lvs_sched mh
  mh-port
  mh-fallback
  protocol TCP
  ${RS}
}`);
  const [vs, vs2] = r.model.virtual_servers as [VirtualServer, VirtualServer];
  const { real_servers, ...opts } = vs;
  assert.deepEqual(opts, {
    address: '10.0.0.1',
    port: 80,
    lvs_sched: 'sh',
    flag_1: true,
    flag_2: true,
    flag_3: true,
    sh_port: true,
    sh_fallback: true,
    ops: true,
    lvs_method: { type: 'gue', method: 'TUN', port: 6080, csum: 'csum' },
    persistence_engine: 'sip',
    persistence_timeout: 600,
    persistence_granularity: '255.255.255.0',
    protocol: 'UDP',
    ha_suspend: true,
    smtp_alert: false,
    virtualhost: 'www.example.com',
    alpha: true,
    omega: true,
    quorum: 2,
    hysteresis: 1,
    quorum_up: { command: '/usr/local/bin/up.sh a b', user: 'nobody', group: 'nogroup' },
    quorum_down: { command: '/usr/local/bin/down.sh' },
    ip_family: 'inet',
    sorry_server: { address: '10.0.0.99', port: 8080 },
    sorry_server_inhibit: true,
    sorry_server_lvs_method: { method: 'DR' },
    connect_timeout: 2.5,
    retry: 4,
    delay_before_retry: 0.5,
    warmup: 0,
    delay_loop: 6,
    inhibit_on_failure: true,
    weight: 3,
  });
  assert.equal(real_servers.length, 1);
  assert.ok(vs2.mh_port === true && vs2.mh_fallback === true && vs2.lvs_sched === 'mh');
  // Only keepalived's semantic fix-ups of this (odd) combination: DR sorry server on another
  // port, quorum above the one real server's weight, and the second service has no lvs_method.
  assert.deepEqual(where(r), ['warning port-reset@24:3', 'warning quorum-reduced@19:3', 'warning hysteresis-reduced@20:3', 'warning default-method@38:1']);
});

test('every real_server keyword lands in its field', () => {
  const r = parse(`virtual_server 10.0.0.1 80 { lvs_sched rr
  protocol TCP
  lvs_method DR
  real_server 10.0.0.11 {
    weight 0
    lvs_method TUN type ipip nocsum
    notify_up "/bin/up.sh x" root
    notify_down /bin/down.sh
    uthreshold 1000
    lthreshold 10
    smtp_alert
    virtualhost rs.example.com
    alpha off
    connect_timeout 1
    retry 2
    delay_before_retry 3
    warmup 4
    delay_loop 5
    inhibit_on_failure yes
  }
}`);
  const rs = r.model.virtual_servers[0]?.real_servers[0];
  assert.deepEqual(rs, {
    address: '10.0.0.11',
    weight: 0,
    lvs_method: { method: 'TUN', type: 'ipip', csum: 'nocsum' },
    notify_up: { command: '/bin/up.sh x', user: 'root' },
    notify_down: { command: '/bin/down.sh' },
    uthreshold: 1000,
    lthreshold: 10,
    smtp_alert: true,
    virtualhost: 'rs.example.com',
    alpha: false,
    connect_timeout: 1,
    retry: 2,
    delay_before_retry: 3,
    warmup: 4,
    delay_loop: 5,
    inhibit_on_failure: true,
    checkers: [],
  });
  // weight 0: the default quorum 1 is above the total weight.
  assert.deepEqual(where(r), ['warning quorum-reduced@1:1']);
});

test('lvs_method: NAT, DR and the tunnel forms; keepalived rejects the inconsistent ones', () => {
  const methods = [
    ['NAT', { method: 'NAT' }],
    ['DR', { method: 'DR' }],
    ['TUN', { method: 'TUN' }],
    ['TUN type gre', { type: 'gre', method: 'TUN' }],
    ['TUN type gre csum', { type: 'gre', method: 'TUN', csum: 'csum' }],
    ['TUN type gue port 5555 remcsum', { type: 'gue', method: 'TUN', port: 5555, csum: 'remcsum' }],
    ['TUN nocsum', { method: 'TUN', csum: 'nocsum' }],
  ] as const;
  for (const [text, want] of methods) {
    const r = parse(`virtual_server 10.0.0.1 80 {\n lvs_method ${text}\n}`);
    assert.deepEqual(r.model.virtual_servers[0]?.lvs_method, want, text);
  }
  const bad = ['TUN type gue', 'TUN port 80', 'TUN type gre remcsum', 'TUN type ipip csum', 'NAT type gue port 5', 'dr', 'TUN type vxlan', 'TUN type gue port 0', 'TUN bogus'];
  for (const text of bad) {
    const r = parse(`virtual_server 10.0.0.1 80 {\n lvs_method ${text}\n}`);
    assert.equal(r.model.virtual_servers[0]?.lvs_method, undefined, text);
    const e = r.diagnostics.find((d) => d.severity === 'error');
    assert.ok(e, `no error for lvs_method ${text}`);
    assert.equal(e.loc?.line, 2, text);
  }
});

test('lb_algo, lb_kind and nb_get_retry are deprecated synonyms: warned at their place, read as the canonical keyword', () => {
  const r = parse(`virtual_server 10.0.0.1 80 {
    lb_algo wrr
    lb_kind DR
    protocol TCP
    real_server 10.0.0.11 80 {
        HTTP_GET {
            url {
                path /
            }
            nb_get_retry 3
        }
    }
}`);
  assert.deepEqual(only(r, 'deprecated-keyword'), [
    "/t.conf:2:5 'lb_algo' is deprecated; use 'lvs_sched'",
    "/t.conf:3:5 'lb_kind' is deprecated; use 'lvs_method'",
    "/t.conf:10:13 'nb_get_retry' is deprecated; use 'retry'",
  ]);
  const vs = r.model.virtual_servers[0];
  assert.equal(vs?.lvs_sched, 'wrr');
  assert.deepEqual(vs?.lvs_method, { method: 'DR' });
  const ck = vs?.real_servers[0]?.checkers[0];
  assert.ok(ck?.type === 'HTTP_GET' && ck.retry === 3);
});

test('persistence: bare timeout, value, granularity as netmask or IPv6 prefix length', () => {
  const r = parse(`virtual_server 10.0.0.1 80 {
  persistence_timeout
}
virtual_server 2001:db8::1 80 {
  persistence_timeout 0
  persistence_granularity 64
}
virtual_server 10.0.0.2 80 {
  persistence_timeout 2678401
  persistence_granularity 129
  persistence_granularity 255.255.255.256
}`);
  const [a, b] = r.model.virtual_servers;
  assert.equal(a?.persistence_timeout, true);
  assert.equal(b?.persistence_granularity, 64);
  assert.equal(b?.persistence_timeout, undefined);
  assert.deepEqual(where(r).filter((x) => x.startsWith('error')), ['error out-of-range@5:23', 'error out-of-range@9:23', 'error out-of-range@10:27', 'error invalid-address@11:27']);
});

test('ranges: ports, weights, quorum, retry; each error names file, line and column', () => {
  const r = parse(`virtual_server 10.0.0.1 65536 {
}
virtual_server 10.0.0.1 80 {
  quorum 0
  weight 0
  hysteresis -1
  delay_loop 0
  connect_timeout 0
  real_server 10.0.0.11 80 {
    weight 65536
    retry 0
  }
  real_server 10.0.0.12 -1 {
  }
  real_server 10.0.0.13 80 {
    weight 65535
    uthreshold 4294967296
  }
}`);
  assert.deepEqual(only(r, 'out-of-range'), [
    '/t.conf:1:25 virtual_server port 65536 is out of range [0, 65535]',
    '/t.conf:4:10 quorum 0 is out of range [1, 4294967295]',
    '/t.conf:5:10 weight 0 is out of range [1, 65535]',
    '/t.conf:6:14 hysteresis -1 is out of range [0, 4294967295]',
    '/t.conf:7:14 delay_loop 0 is out of range [0.000001, 2678400]',
    '/t.conf:8:19 connect_timeout 0 is out of range [0.000001, 4294.967295]',
    '/t.conf:10:12 weight 65536 is out of range [0, 65535]',
    '/t.conf:11:11 retry 0 is out of range [1, 4294967295]',
    '/t.conf:13:25 real_server port -1 is out of range [0, 65535]',
    '/t.conf:17:16 uthreshold 4294967296 is out of range [0, 4294967295]',
  ]);
  assert.equal(r.model.virtual_servers.length, 1, 'the virtual server with a bad port is not read');
  const rss = r.model.virtual_servers[0]?.real_servers ?? [];
  assert.deepEqual(rss.map((x) => [x.address, x.weight]), [['10.0.0.11', undefined], ['10.0.0.13', 65535]]);
});

test('duplicates and references: real_server, virtual_server, group names, unknown groups', () => {
  const r = parse(`virtual_server_group G { 10.0.0.1 80 }
virtual_server_group G { 10.0.0.2 80 }
virtual_server 10.0.0.1 80 { lvs_sched rr
  lvs_method NAT
  protocol TCP
  real_server 10.0.0.11 80 { }
  real_server 10.0.0.12 80 { }
  real_server 10.0.0.11 { }
}
virtual_server 10.0.0.1 80 { lvs_sched rr
  lvs_method NAT
  protocol TCP
  real_server 10.0.0.11 80 { }
}
virtual_server 10.0.0.1 80 { lvs_sched rr
  lvs_method NAT
  protocol UDP
  real_server 10.0.0.11 80 { }
}
virtual_server group NOPE { lvs_sched rr
  protocol TCP
  real_server 10.0.0.11 80 { }
}`);
  assert.deepEqual(where(r).filter((x) => x.startsWith('error')), [
    'error duplicate-name@2:1',
    'error duplicate-virtual-server@10:1',
    'error duplicate-real-server@8:3',
    'error unknown-group@20:1',
  ]);
  assert.match(only(r, 'duplicate-virtual-server')[0] ?? '', /\[10\.0\.0\.1\]:tcp:80 is defined twice \(first at line 3\)/);
  assert.match(only(r, 'unknown-group')[0] ?? '', /no usable virtual_server_group NOPE/);
});

test('sorry_server: address and optional port; malformed forms are errors', () => {
  const r = parse(`virtual_server 10.0.0.1 80 {
  sorry_server 10.0.0.99
}
virtual_server 10.0.0.2 80 {
  sorry_server 10.0.0.99:80
}
virtual_server 10.0.0.3 80 {
  sorry_server 10.0.0.99 80 90
}
virtual_server 10.0.0.4 80 {
  sorry_server 10.0.0.99 http
}`);
  const vs = r.model.virtual_servers;
  assert.deepEqual(vs[0]?.sorry_server, { address: '10.0.0.99' });
  assert.equal(vs[1]?.sorry_server, undefined);
  assert.deepEqual(vs[2]?.sorry_server, { address: '10.0.0.99', port: 80 });
  assert.equal(vs[3]?.sorry_server, undefined);
  const w = where(r);
  assert.ok(w.includes('error invalid-address@5:16'), w.join('\n'));
  assert.ok(w.includes('warning extra-arguments@8:29'), w.join('\n'));
  assert.ok(w.includes('error invalid-number@11:26'), w.join('\n'));
});

test('a checker block outside real_server is an unknown keyword there; SNMP-only keywords are read but not acted on', () => {
  const r = parse(`virtual_server 10.0.0.1 80 {
  snmp_name web
  hashed
  HTTP_GET {
    url { path / }
  }
  real_server 10.0.0.11 80 {
    snmp_name rs1
  }
}
HTTP_GET {
}`);
  assert.deepEqual(where(r).filter((x) => !x.includes('default-') && !x.includes('zero-port')), [
    'warning not-supported@2:3',
    'warning not-supported@3:3',
    'warning unknown-keyword@4:3',
    'warning not-supported@8:5',
    'warning unknown-keyword@11:1',
  ]);
  assert.match(only(r, 'unknown-keyword')[0] ?? '', /unknown keyword 'HTTP_GET' in virtual_server 10\.0\.0\.1 80; its block is ignored/);
  assert.match(only(r, 'not-supported')[0] ?? '', /lvsd has no SNMP agent/);
  assert.deepEqual(r.model.virtual_servers[0]?.real_servers[0]?.checkers, []);
});

test('real_server needs its block, as in keepalived ("Missing \'{\' at beginning of configuration block")', () => {
  const r = parse('virtual_server 10.0.0.1 80 {\n  real_server 10.0.0.2 80\n  real_server 10.0.0.3 80 {\n  }\n}');
  assert.deepEqual(r.model.virtual_servers[0]?.real_servers.map((x) => x.address), ['10.0.0.3']);
  assert.ok(where(r).includes('error missing-block@2:3'), where(r).join('\n'));
});

test('quorum_up / notify_up given twice: keepalived keeps the first', () => {
  const r = parse(`virtual_server 10.0.0.1 80 {
  quorum_up /bin/a
  quorum_up /bin/b
  real_server 10.0.0.11 80 {
    notify_up /bin/c
    notify_up /bin/d
  }
}`);
  assert.deepEqual(r.model.virtual_servers[0]?.quorum_up, { command: '/bin/a' });
  assert.deepEqual(r.model.virtual_servers[0]?.real_servers[0]?.notify_up, { command: '/bin/c' });
  assert.deepEqual(where(r).filter((x) => x.includes('duplicate-keyword')), ['warning duplicate-keyword@3:3', 'warning duplicate-keyword@6:5']);
});

test('SSL: password, ca, certificate and key; a second block replaces the first', () => {
  const r = parse(`SSL {
  password "s3cret with space"
  ca /etc/ssl/ca.pem
  certificate /etc/ssl/client.pem
  key /etc/ssl/client.key
}`);
  assert.deepEqual((r.model as { ssl?: SslConfig }).ssl, {
    password: 's3cret with space',
    ca: '/etc/ssl/ca.pem',
    certificate: '/etc/ssl/client.pem',
    key: '/etc/ssl/client.key',
  });
  const r2 = parse('SSL {\n ca /a\n}\nSSL {\n key /b\n}\n');
  assert.deepEqual((r2.model as { ssl?: SslConfig }).ssl, { key: '/b' });
  assert.deepEqual(where(r2), ['warning duplicate-keyword@4:1']);
});

test('a real server given twice is found among a handful and among many (past 32, by address and port)', () => {
  // 40 real servers: #6 repeats #2 (found pairwise), #38 repeats #11 (found past the first 32, in the set made of them),
  // and the same address on another port is not a duplicate.
  const servers = Array.from({ length: 40 }, (_, i) => `10.0.1.${i}`);
  servers[5] = servers[1] as string;
  servers[37] = servers[10] as string;
  const body = servers.map((a) => `  real_server ${a} 80 {\n  }`).join('\n');
  const r = parseKeepalivedText(`virtual_server 10.0.0.1 80 {\n  lvs_sched rr\n  lvs_method NAT\n  protocol TCP\n${body}\n  real_server 10.0.1.1 81 {\n  }\n}`, '/t.conf', memFs({}), { keepResolved: true });
  // Real server i is on line 5 + 2 * i.
  assert.deepEqual(only(r, 'duplicate-real-server').map((x) => x.split(' ')[0]), ['/t.conf:15:3', '/t.conf:79:3']);
  assert.match(only(r, 'duplicate-real-server')[1] ?? '', /real server 10\.0\.1\.10 port 80 is given twice/);
  const vs = r.lvs?.virtual_servers[0];
  assert.equal(vs?.real_servers.length, 39, 'the two repeats dropped, 10.0.1.1:81 kept');
  assert.ok(vs?.real_servers.some((x) => x.address === '10.0.1.1' && x.port === 81));
});

test('an unknown keyword in a real_server or virtual_server block names the block by its statement', () => {
  const r = parse('virtual_server 10.0.0.1 80 {\n  lvs_sched rr\n  lb_kind NAT\n  protocol TCP\n  colour blue\n  real_server 10.0.0.2 80 {\n    wieght 2\n  }\n}');
  assert.deepEqual(only(r, 'unknown-keyword').map((x) => x.replace(/^\S+ /, '')), [
    "unknown keyword 'colour' in virtual_server 10.0.0.1 80",
    "unknown keyword 'wieght' in real_server 10.0.0.2 80 (did you mean 'weight'?)",
  ]);
});
