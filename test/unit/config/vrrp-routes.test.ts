import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseKeepalivedText } from '../../../src/config/keepalived/parse.js';
import { formatRoute } from '../../../src/config/keepalived/vrrp-route.js';
import { formatRule } from '../../../src/config/keepalived/vrrp-rule.js';
import { resolveVrrp } from '../../../src/config/resolve-vrrp.js';
import { memFs } from './memfs.js';

const block = (kw: string, ...lines: string[]) => parseKeepalivedText([`${kw} {`, ...lines.map((l) => `  ${l}`), '}'].join('\n'), '/r.conf', memFs({}));
const routes = (...lines: string[]) => block('static_routes', ...lines);
const rules = (...lines: string[]) => block('static_rules', ...lines);
const ds = (r: ReturnType<typeof block>, ...codes: string[]) => r.diagnostics.filter((d) => codes.includes(d.code)).map((d) => `${d.loc?.line}:${d.loc?.col} ${d.severity} ${d.code}`);

test('routes: destination forms, type, via/gw, src, from, dev/oif, table/protocol/scope names and numbers', () => {
  const r = routes(
    '10.1.0.0/16 via 10.0.0.1 dev eth0 table 100 protocol bird scope link metric 5',
    'to 10.2.0.0/16 gw 10.0.0.1 oif eth0 table main preference 6',
    'unreachable 10.3.0.0/16 tos 0x10 priority 7',
    'src 10.0.0.2 default via 10.0.0.1',
    'all dev eth0',
    '2001:db8::/32 from 2001:db8:1::/48 via fe80::1 dev eth0 expires 60 pref medium',
  );
  assert.deepEqual(r.model.static?.static_routes, [
    { to: { address: '10.1.0.0', prefix: 16 }, via: '10.0.0.1', dev: 'eth0', table: 100, protocol: 'bird', scope: 'link', metric: 5 },
    { to: { address: '10.2.0.0', prefix: 16 }, via: '10.0.0.1', dev: 'eth0', table: 'main', metric: 6 },
    { type: 'unreachable', to: { address: '10.3.0.0', prefix: 16 }, tos: 16, metric: 7 },
    { src: '10.0.0.2', to: 'default', via: '10.0.0.1' },
    { to: 'default', dev: 'eth0' },
    { to: { address: '2001:db8::', prefix: 32 }, from: { address: '2001:db8:1::', prefix: 48 }, via: 'fe80::1', dev: 'eth0', expires: 60, pref: 'medium' },
  ]);
  assert.deepEqual(ds(r, 'deprecated-keyword'), ['3:18 warning deprecated-keyword']);
});

test('routes: metrics with lock, times with units, features, booleans, congctl, ttl-propagate, append, no_track', () => {
  const r = routes('10.0.0.0/8 dev eth0 mtu lock 1400 advmss 1360 rtt 10 rttvar 5ms rto_min lock 1s reordering 3 window 10 cwnd lock 4 ssthresh 5 initcwnd 6 initrwnd 7 hoplimit 64 features ecn quickack 0 fastopen_no_cookie 1 congctl lock bbr ttl-propagate disabled realms 3/4 onlink append no_track');
  assert.deepEqual(r.model.static?.static_routes?.[0], {
    to: { address: '10.0.0.0', prefix: 8 },
    dev: 'eth0',
    mtu: { value: 1400, lock: true },
    advmss: { value: 1360 },
    rtt: { value: '10' },
    rttvar: { value: '5ms' },
    rto_min: { value: '1s', lock: true },
    reordering: { value: 3 },
    window: 10,
    cwnd: { value: 4, lock: true },
    ssthresh: { value: 5 },
    initcwnd: 6,
    initrwnd: 7,
    hoplimit: 64,
    features: 'ecn',
    quickack: false,
    fastopen_no_cookie: true,
    congctl: { value: 'bbr', lock: true },
    ttl_propagate: 'disabled',
    realms: '3/4',
    onlink: true,
    append: true,
    no_track: true,
  });
});

test("routes: nexthops, the deprecated 'or', encap ip/ip6/mpls/ila", () => {
  const r = routes(
    '10.0.0.0/8 table 5 nexthop via 10.0.0.1 dev eth0 weight 1 onlink nexthop via 10.0.0.2 dev eth1 weight 256 encap mpls 100/200',
    '10.1.0.0/16 via 10.0.0.1 or 10.0.0.2 dev eth0',
    '10.2.0.0/16 encap ip id 42 dst 1.2.3.4 ttl 3 dev eth0',
    '10.3.0.0/16 encap ip6 dst 2001:db8::1 hoplimit 9 dev eth0',
    '10.4.0.0/16 encap ila 1:2:3:4 dev eth0',
  );
  const s = r.model.static?.static_routes ?? [];
  assert.deepEqual(s[0]?.nexthops, [
    { via: '10.0.0.1', dev: 'eth0', weight: 1, onlink: true },
    { via: '10.0.0.2', dev: 'eth1', weight: 256, encap: { type: 'mpls', labels: '100/200' } },
  ]);
  assert.deepEqual(s[1], { to: { address: '10.1.0.0', prefix: 16 }, nexthops: [{ via: '10.0.0.1' }, { via: '10.0.0.2' }], dev: 'eth0' });
  assert.deepEqual(s[2]?.encap, { type: 'ip', id: 42, dst: '1.2.3.4', ttl: 3 });
  assert.deepEqual(s[3]?.encap, { type: 'ip6', dst: '2001:db8::1', hoplimit: 9 });
  assert.deepEqual(s[4]?.encap, { type: 'ila', locator: '1:2:3:4' });
  assert.deepEqual(ds(r, 'deprecated-keyword'), ['3:28 warning deprecated-keyword']);
});

test('routes keepalived drops: no destination, unknown word, family mix, trailing words after nexthops, bad values', () => {
  const r = routes(
    'via 10.0.0.1 dev eth0',
    '10.0.0.0/8 bogus 1',
    '10.0.0.0/8 via 2001:db8::1',
    '10.0.0.0/8 nexthop via 10.0.0.1 dev eth0 mtu 1400',
    '10.0.0.0/8 nexthop via 10.0.0.1 weight 0',
    '10.0.0.0/8 from 10.1.0.0/16',
    '10.0.0.0/8 encap ip ttl 3',
    '10.0.0.0/8 features sack',
    '10.0.0.0/8 rtt fast',
  );
  assert.deepEqual(r.model.static?.static_routes, []);
  assert.deepEqual(ds(r, 'missing-argument', 'unknown-option', 'family-mismatch', 'out-of-range', 'invalid-value'), [
    '2:3 error missing-argument',
    '3:14 error unknown-option',
    '4:14 error family-mismatch',
    '5:44 error unknown-option',
    '6:42 error out-of-range',
    '7:14 error family-mismatch',
    '8:20 error missing-argument',
    '9:23 error invalid-value',
    '10:18 error invalid-value',
  ]);
});

test("keepalived 2.2.7 quirks: the word after 'inet6' is skipped there, 'default' after the family is rejected; the writer avoids both", () => {
  const r = routes('inet6 default dev eth0', 'default dev eth0 inet6');
  assert.deepEqual(r.model.static?.static_routes, [
    { inet6: true, to: 'default', dev: 'eth0' },
    { to: 'default', dev: 'eth0', inet6: true },
  ]);
  assert.deepEqual(ds(r, 'keepalived-compat'), ['2:3 warning keepalived-compat', '2:9 warning keepalived-compat']);
  assert.equal(formatRoute({ inet6: true, to: 'default', dev: 'eth0' }), 'default dev eth0 inet6');
  assert.equal(formatRoute({ inet6: true, to: 'default', nexthops: [{ dev: 'eth0' }, { dev: 'eth1' }] }), 'default inet6 inet6 nexthop dev eth0 nexthop dev eth1');
  const again = routes('default inet6 inet6 nexthop dev eth0 nexthop dev eth1');
  assert.deepEqual(ds(again, 'keepalived-compat'), [], "'inet6 inet6' is the intended form");
  assert.equal(formatRoute({ to: { address: '10.0.0.0', prefix: 8 }, encap: { type: 'ip6', dst: '2001:db8::1' }, hoplimit: 3 }), '10.0.0.0/8 hoplimit 3 encap ip6 dst 2001:db8::1', 'encap after the metrics it could swallow');
});

test('rules: selectors, actions, fwmark/mask, uidrange, ports, ipproto, tunnel-id, suppressors, l3mdev, not', () => {
  const r = rules(
    'from 10.0.0.0/8 to 10.1.0.0/16 iif eth0 oif eth1 tos 4 fwmark 0x10/0xff table 100 preference 10 realms 3 protocol 18',
    'not from all lookup main priority 11 suppress_prefixlength 0 sup_group 5',
    'from 10.0.0.0/8 goto 100 order 12 uidrange 1000-1999 sport 1-2 dport 3-4 ipproto udp tunnel-id 77',
    'to 10.0.0.0/8 type blackhole preference 13',
    'from 2001:db8::/32 l3mdev preference 14',
    'dev eth0 prohibit preference 15 no_track',
    'from any nop preference 16',
  );
  assert.deepEqual(r.model.static?.static_rules, [
    { from: { address: '10.0.0.0', prefix: 8 }, to: { address: '10.1.0.0', prefix: 16 }, iif: 'eth0', oif: 'eth1', tos: 4, fwmark: { mark: 16, mask: 255 }, table: 100, preference: 10, realms: '3', protocol: 18 },
    { not: true, from: 'all', table: 'main', preference: 11, suppress_prefixlength: 0, suppress_ifgroup: 5 },
    { from: { address: '10.0.0.0', prefix: 8 }, goto: 100, preference: 12, uidrange: { start: 1000, end: 1999 }, sport: { start: 1, end: 2 }, dport: { start: 3, end: 4 }, ipproto: 'udp', tunnel_id: 77 },
    { to: { address: '10.0.0.0', prefix: 8 }, action: 'blackhole', preference: 13 },
    { from: { address: '2001:db8::', prefix: 32 }, l3mdev: true, preference: 14 },
    { iif: 'eth0', action: 'prohibit', preference: 15, no_track: true },
    { from: 'all', action: 'nop', preference: 16 },
  ]);
  assert.deepEqual(ds(r, 'rule-conflict', 'rule-no-action', 'rule-protocol-reset', 'rule-no-preference'), []);
});

test('rules keepalived refuses or fixes: no action, two actions, goto without/below preference, realms without table, protocol reset, no preference', () => {
  const r = rules('from 10.0.0.0/8', 'from 10.0.0.0/8 table 5 nop preference 1', 'from 10.0.0.0/8 goto 5', 'from 10.0.0.0/8 goto 5 preference 5', 'from 10.0.0.0/8 nop realms 2 preference 3', 'from 10.0.0.0/8 table 5 protocol 4 preference 9', 'from 10.0.0.0/8 table 5', 'from 10.0.0.0/8 table 0', 'from 10.0.0.0/8 ip_proto tcp', 'from 10.0.0.0/8 table 5 dport 80');
  assert.deepEqual(ds(r, 'rule-no-action', 'rule-conflict', 'rule-protocol-reset', 'out-of-range', 'unknown-option', 'keepalived-compat'), [
    '9:19 error out-of-range',
    '10:19 error unknown-option',
    '11:33 warning keepalived-compat',
    '2:3 error rule-no-action',
    '3:3 error rule-conflict',
    '4:3 error rule-conflict',
    '5:3 error rule-conflict',
    '6:3 error rule-conflict',
    '7:27 warning rule-protocol-reset',
  ]);
  assert.match(r.diagnostics.find((d) => d.code === 'unknown-option')?.message ?? '', /did you mean 'ipproto'/);
  const res = resolveVrrp(r.model).static.rules;
  assert.deepEqual(
    res.map((x) => [x.preference, x.protocol, x.track]),
    [
      [9, 18, true],
      [16384, 18, true],
      [16383, 18, true],
    ],
    'refused rules are dropped; the protocol of tracked rules is 18; missing preferences count down from 16384',
  );
});

test('the rule writer puts inet6 last and writes port ranges in full', () => {
  assert.equal(formatRule({ inet6: true, from: 'all', table: 5, sport: { start: 80, end: 80 } }), 'from all sport 80-80 table 5 inet6');
});
