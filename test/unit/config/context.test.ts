import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ParseContext, canonicalIp, suggest, type KeywordTable } from '../../../src/config/keepalived/context.js';
import type { Stmt } from '../../../src/config/keepalived/tree.js';
import type { Token } from '../../../src/config/source.js';

const tok = (text: string, col = 1): Token => ({ text, loc: { file: 'f', line: 3, col }, quoted: false });
const stmt = (kw: string, ...args: string[]): Stmt => ({ kw: tok(kw), args: args.map((a, i) => tok(a, kw.length + 2 + i)) });

test('walk dispatches known keywords, warns on unknown ones with a suggestion, handles deprecated synonyms', () => {
  const ctx = new ParseContext();
  const target: { retry?: number; delay?: number } = {};
  const table: KeywordTable<typeof target> = {
    retry: { handle: (s, t, c) => c.set(t, 'retry', c.int(c.arg(s), 'retry', { min: 0 }), s) },
    nb_get_retry: { deprecatedFor: 'retry' },
    delay_loop: { handle: (s, t, c) => c.set(t, 'delay', c.seconds(c.arg(s), 'delay_loop'), s) },
    snmp_name: { notSupported: 'lvsd has no SNMP agent' },
  };
  ctx.walk([stmt('nb_get_retry', '3'), stmt('delay_lop', '6'), stmt('snmp_name', 'x'), stmt('delay_loop', '1.5')], table, target, 'real_server');
  assert.deepEqual(target, { retry: 3, delay: 1.5 });
  assert.deepEqual(
    ctx.diags.list.map((d) => [d.severity, d.code, d.message]),
    [
      ['warning', 'deprecated-keyword', "'nb_get_retry' is deprecated; use 'retry'"],
      ['warning', 'unknown-keyword', "unknown keyword 'delay_lop' in real_server (did you mean 'delay_loop'?)"],
      ['warning', 'not-supported', "'snmp_name' is read but not acted on: lvsd has no SNMP agent"],
    ],
  );
  assert.equal(ctx.locs.get(target, 'retry')?.line, 3);
});

test('a stray space inside a keyword is recognised', () => {
  const ctx = new ParseContext();
  const table: KeywordTable<object> = { vrrp_mcast_group4: {} };
  ctx.walk([stmt('vrrp', '_mcast_group4', '234.10.10.10')], table, {}, 'global_defs');
  assert.equal(ctx.diags.list[0]?.message, "unknown keyword 'vrrp' in global_defs (a stray space? 'vrrp _mcast_group4' should be 'vrrp_mcast_group4')");
});

test('argument readers: ranges, numbers, booleans, enums, addresses; errors carry the token location', () => {
  const ctx = new ParseContext();
  assert.equal(ctx.int(tok('255'), 'priority', { min: 1, max: 255 }), 255);
  assert.equal(ctx.int(tok('256', 10), 'priority', { min: 1, max: 255 }), undefined);
  assert.equal(ctx.int(tok('1.5'), 'priority'), undefined);
  assert.equal(ctx.num(tok('0.01'), 'advert_int', { min: 0.01, max: 40.95 }), 0.01);
  assert.equal(ctx.bool(stmt('alpha')), true);
  assert.equal(ctx.bool(stmt('alpha', 'off')), false);
  assert.equal(ctx.bool(stmt('alpha', 'maybe')), undefined);
  assert.equal(ctx.oneOf(tok('dr'), 'lvs_method', ['NAT', 'DR', 'TUN'] as const), 'DR');
  assert.equal(ctx.ip(tok('10.0.0.300'), 'address'), undefined);
  assert.deepEqual(ctx.prefix(tok('fe80:0:0::1/64'), 'vip'), { address: 'fe80::1', prefix: 64 });
  assert.equal(ctx.prefix(tok('10.0.0.1/33'), 'vip'), undefined);
  assert.deepEqual(
    ctx.diags.list.map((d) => `${d.code}@${d.loc?.col}`),
    ['out-of-range@10', 'invalid-number@1', 'invalid-bool@7', 'invalid-address@1', 'invalid-address@1'],
  );
  assert.equal(ctx.diags.list[0]?.message, 'priority 256 is out of range [1, 255]');
});

test('arity: too few is an error, too many a warning naming the extra words', () => {
  const ctx = new ParseContext();
  assert.equal(ctx.arity(stmt('router_id'), 1), false);
  assert.equal(ctx.arity(stmt('router_id', 'LVS_19', 'vrrp_mcast_group4', '224.0.0.19'), 1), true);
  assert.deepEqual(ctx.diags.list.map((d) => [d.severity, d.message]), [
    ['error', "'router_id' needs 1 argument"],
    ['warning', "'router_id': extra arguments ignored: vrrp_mcast_group4 224.0.0.19"],
  ]);
});

test('set warns when a keyword repeats in one block and keeps the last value', () => {
  const ctx = new ParseContext();
  const o: { priority?: number } = {};
  ctx.set(o, 'priority', 100, stmt('priority', '100'));
  ctx.set(o, 'priority', 150, stmt('priority', '150'));
  assert.equal(o.priority, 150);
  assert.equal(ctx.diags.warnings[0]?.code, 'duplicate-keyword');
});

test('canonicalIp: IPv4, IPv6 (RFC 5952), embedded IPv4, zones; rejects junk', () => {
  assert.equal(canonicalIp('010.0.0.1'), '10.0.0.1');
  assert.equal(canonicalIp('FE80:0000:0000:0000:0000:0000:0000:0001'), 'fe80::1');
  assert.equal(canonicalIp('2001:db8:0:0:1:0:0:1'), '2001:db8::1:0:0:1');
  assert.equal(canonicalIp('::ffff:10.0.0.1'), '::ffff:a00:1');
  assert.equal(canonicalIp('fe80::1%eth0'), 'fe80::1%eth0');
  assert.equal(canonicalIp('::'), '::');
  for (const bad of ['1.2.3', '1.2.3.4.5', '1::2::3', 'g::1', '1:2:3:4:5:6:7:8:9', 'eth0', '']) {
    assert.equal(canonicalIp(bad), undefined, bad);
  }
});

test('canonicalIp is idempotent and agrees with node:net on random IPv6 addresses', async () => {
  const { isIPv6 } = await import('node:net');
  fc.assert(
    fc.property(fc.ipV6(), (a) => {
      const c = canonicalIp(a);
      assert.ok(c !== undefined && isIPv6(c), a);
      assert.equal(canonicalIp(c), c);
    }),
    { numRuns: 500 },
  );
  fc.assert(fc.property(fc.ipV4(), (a) => assert.equal(canonicalIp(a), a)));
});

test('suggest finds close keywords only', () => {
  const known = ['global_defs', 'vrrp_instance', 'virtual_server', 'preempt_delay', 'auth_pass'];
  assert.equal(suggest('global_def', known), 'global_defs');
  assert.equal(suggest('preemtp_delay', known), 'preempt_delay');
  assert.equal(suggest('autp_pass', known), 'auth_pass');
  assert.equal(suggest('completely_else', known), undefined);
  assert.equal(suggest('scirpt', ['script', 'interval', 'weight']), 'script');
});

test('a deprecated synonym shared by two tables acts as each table\'s own canonical keyword', () => {
  // Tables share specs through spreads; the synonym must not carry one table's handler into another.
  const shared = { old_name: { deprecatedFor: 'new_name' } };
  const seen: string[] = [];
  const a: KeywordTable<object> = { ...shared, new_name: { handle: () => void seen.push('a') } };
  const b: KeywordTable<object> = { ...shared, new_name: { handle: () => void seen.push('b') } };
  const ctx = new ParseContext();
  for (const t of [a, b, a, b]) ctx.walk([stmt('old_name', '1')], t, {}, 'x');
  assert.deepEqual(seen, ['a', 'b', 'a', 'b']);
  assert.equal(ctx.diags.list.filter((d) => d.code === 'deprecated-keyword').length, 4);
});

test('a statement as the place of an unknown keyword: its words, made only for the message', () => {
  const ctx = new ParseContext();
  ctx.walk([stmt('bogus')], {}, {}, stmt('real_server', '10.0.0.2', '80'));
  assert.equal(ctx.diags.list[0]?.message, "unknown keyword 'bogus' in real_server 10.0.0.2 80");
});
