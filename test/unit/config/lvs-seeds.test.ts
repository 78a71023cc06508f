// Unit tests: every seed configuration and every Debian keepalived sample, read with assertions on
// the LVS sections; keepalived 2.2.7's verdicts on them reproduced for these sections; and the
// keepalived.conf writer round trip (parse -> emit -> parse) on each.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseKeepalivedFile, type ParsedConfig } from '../../../src/config/keepalived/parse.js';
import { parseKeepalivedText } from '../../../src/config/keepalived/parse.js';
import { nodeFileSystem } from '../../../src/config/keepalived/fs.js';
import { emitKeepalived } from '../../../src/config/keepalived/emit.js';
import type { Diagnostic } from '../../../src/config/diagnostics.js';
import type { ConfigModel } from '../../../src/config/model/index.js';
import type { Checker } from '../../../src/config/model/check.js';
import type { RealServer, VirtualServer } from '../../../src/config/model/lvs.js';
import { resolveLvs } from '../../../src/config/resolve-lvs.js';
import { repoRoot } from '../../util/env.js';
import { memFs } from './memfs.js';

const root = repoRoot();
const seedDir = join(root, 'test', 'fixtures', 'keepalived-seeds');
const sampleDir = join(root, 'test', 'fixtures', 'config', 'lvs', 'debian-samples');
const verdictDir = join(root, 'test', 'fixtures', 'config', 'lvs', 'verdicts');
const seeds = readdirSync(seedDir).filter((f) => f.endsWith('.conf')).sort();
const samples = readdirSync(sampleDir).filter((f) => f.startsWith('keepalived.conf.')).sort();

function load(path: string): ParsedConfig {
  return parseKeepalivedFile(path, nodeFileSystem, { configId: 'lvsd-test' });
}

/** Line ranges of the top-level LVS blocks (virtual_server[_group], SSL) of a file. */
function lvsLines(path: string): [number, number][] {
  const ranges: [number, number][] = [];
  let depth = 0;
  let start = 0;
  readFileSync(path, 'utf8')
    .split('\n')
    .forEach((raw, i) => {
      const line = raw.replace(/[#!].*$/, '');
      if (depth === 0 && /^\s*(virtual_server|virtual_server_group|SSL)\b/.test(line)) start = i + 1;
      for (const ch of line) {
        if (ch === '{') depth++;
        if (ch === '}') {
          depth--;
          if (depth === 0 && start) {
            ranges.push([start, i + 1]);
            start = 0;
          }
        }
      }
    });
  return ranges;
}
/** Diagnostics about the LVS sections: inside their blocks, or located on an LVS model object. */
function lvsDiags(r: ParsedConfig, path: string): Diagnostic[] {
  const ranges = lvsLines(path);
  return r.diagnostics.filter((d) => d.loc && (d.loc.file !== path || ranges.some(([a, b]) => (d.loc?.line ?? 0) >= a && (d.loc?.line ?? 0) <= b)));
}
const show = (ds: Diagnostic[]): string[] => ds.map((d) => `${d.severity} ${d.code}@${d.loc?.line} ${d.message}`);
/** keepalived accepts lb_algo/lb_kind silently; lvsd points at the canonical keywords. */
const notLbSynonyms = (d: Diagnostic): boolean => !(d.code === 'deprecated-keyword' && /'lb_(algo|kind)'/.test(d.message));

function lvs(m: ConfigModel): unknown {
  return JSON.parse(JSON.stringify({ g: m.virtual_server_groups, v: m.virtual_servers, s: (m as { ssl?: unknown }).ssl }));
}
const rsOf = (vs: VirtualServer | undefined, i: number): RealServer | undefined => vs?.real_servers[i];
const ckOf = (vs: VirtualServer | undefined, i: number, j = 0): Checker | undefined => rsOf(vs, i)?.checkers[j];

// ---- keepalived -t verdicts recorded in the fixtures ----

interface Verdict {
  exit: number;
  lines: string[];
}
function verdicts(file: string): Map<string, Verdict> {
  const out = new Map<string, Verdict>();
  let cur: Verdict | undefined;
  for (const l of readFileSync(file, 'utf8').split('\n')) {
    const m = /^== (\S+) \(keepalived 2\.2\.7 -t exit (\d+)\)$/.exec(l);
    if (m) out.set(m[1] as string, (cur = { exit: Number(m[2]), lines: [] }));
    else if (l && cur) cur.lines.push(l);
  }
  return out;
}

test('seeds: the LVS sections read as written (codis include, DR seeds with sorry server and HTTP_GET)', () => {
  const codis = load(join(seedDir, 'codis-6379-a.conf'));
  const [vs] = codis.model.virtual_servers;
  assert.ok(vs && 'address' in vs);
  assert.deepEqual([vs.address, vs.port, vs.delay_loop, vs.lvs_sched, vs.lvs_method, vs.protocol], ['127.0.0.100', 6379, 6, 'wrr', { method: 'DR' }, 'TCP']);
  assert.deepEqual(vs.real_servers, [
    { address: '127.0.0.11', port: 6379, weight: 1, checkers: [{ type: 'TCP_CHECK', connect_timeout: 3, retry: 3, delay_before_retry: 3 }] },
    { address: '127.0.0.12', port: 6379, weight: 1, checkers: [{ type: 'TCP_CHECK', connect_timeout: 3, retry: 3, delay_before_retry: 3 }] },
  ]);
  assert.ok(codis.files.some((f) => f.endsWith('realserver_6379.conf')), 'the real servers come from the included file');

  const sorry = load(join(seedDir, 'lvs-dr-backup-sorry.conf')).model.virtual_servers[0];
  assert.deepEqual(sorry?.sorry_server, { address: '127.0.0.1', port: 80 });
  assert.deepEqual(sorry?.real_servers.map((r) => [r.address, r.port, r.weight]), [['192.168.234.47', 80, 1], ['192.168.234.57', 80, 2]]);
  assert.deepEqual(ckOf(sorry, 1), { type: 'HTTP_GET', url: [{ path: '/', status_code: [{ from: 200, to: 200 }] }], connect_timeout: 3, retry: 3, delay_before_retry: 3 });

  const multi = load(join(seedDir, 'lvs-dr-multi-master-b.conf')).model.virtual_servers;
  assert.deepEqual(multi.map((v) => ('address' in v ? `${v.address}:${v.port}` : '?')), ['10.0.0.100:80', '10.0.0.200:80']);
  assert.deepEqual(multi.map((v) => v.real_servers[0]?.address), ['192.168.234.47', '192.168.234.57']);

  const master = resolveLvs(load(join(seedDir, 'lvs-dr-master.conf')).model).virtual_servers[0];
  assert.deepEqual(master?.real_servers.map((r) => [r.address, r.port, r.method.method, r.weight]), [['192.168.234.47', 80, 'DR', 1], ['192.168.234.57', 80, 'DR', 2]]);
  const ck = master?.real_servers[0]?.checkers[0];
  assert.deepEqual(ck && [ck.type, ck.retry, ck.delay_before_retry, ck.delay_loop, ck.warmup], ['HTTP_GET', 3, 3, 6, 6]);
});

test('seeds without LVS sections have none; an included real-server list alone is unknown at the top level (as in keepalived)', () => {
  const withLvs = new Set(['codis-6379-a.conf', 'codis-6379-b.conf', 'lvs-dr-backup-sorry.conf', 'lvs-dr-master.conf', 'lvs-dr-multi-master-a.conf', 'lvs-dr-multi-master-b.conf']);
  for (const f of seeds) {
    const r = load(join(seedDir, f));
    assert.equal(r.model.virtual_servers.length > 0, withLvs.has(f), f);
    assert.equal(r.model.virtual_server_groups.length, 0, f);
  }
  const alone = load(join(seedDir, 'realserver_6379.conf'));
  assert.deepEqual(show(alone.diagnostics), [
    "warning unknown-keyword@2 unknown keyword 'real_server' in the top level; its block is ignored",
    "warning unknown-keyword@10 unknown keyword 'real_server' in the top level; its block is ignored",
  ]);
});

test('seeds: keepalived 2.2.7 verdicts on the LVS sections are reproduced (nb_get_retry deprecations at their lines, nothing else)', () => {
  const v = verdicts(join(seedDir, 'keepalived-2.2.7-config-test.txt'));
  for (const f of seeds) {
    const path = join(seedDir, f);
    const ours = lvsDiags(load(path), path).filter(notLbSynonyms);
    const want = (v.get(f)?.lines ?? [])
      .map((l) => /\(\S+: Line (\d+)\) nb_get_retry is deprecated/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => `warning deprecated-keyword@${m[1]} 'nb_get_retry' is deprecated; use 'retry'`);
    assert.deepEqual(show(ours), want, f);
  }
  // The seeds that have them: lvs-dr-master.conf lines 44 and 56, as keepalived reports.
  assert.deepEqual(
    show(lvsDiags(load(join(seedDir, 'lvs-dr-master.conf')), join(seedDir, 'lvs-dr-master.conf')).filter(notLbSynonyms)).map((s) => s.split(' ')[1]),
    ['deprecated-keyword@44', 'deprecated-keyword@56'],
  );
});

test('Debian samples: the LVS sections read with their content', () => {
  const m = (name: string): ConfigModel => load(join(sampleDir, `keepalived.conf.${name}`)).model;
  const vs = (name: string, i = 0): VirtualServer | undefined => m(name).virtual_servers[i];

  const port = vs('HTTP_GET.port');
  assert.deepEqual(ckOf(port, 0), { type: 'SSL_GET', url: [{ path: '/', digest: 'ff20ad2481f97b1754ef3e12ecd3a9cc' }], connect_port: 444, connect_timeout: 3, retry: 3, delay_before_retry: 3 });

  const v6 = m('IPv6');
  assert.deepEqual(v6.virtual_server_groups, [{ name: 'IPv6_group', addresses: [{ address: 'ae00::2', last: 'ae00::9', port: 80 }, { address: 'ae00::1', port: 80 }], fwmarks: [] }]);
  assert.ok(v6.virtual_servers[0] && 'address' in v6.virtual_servers[0] && v6.virtual_servers[0].address === 'ae00::1');
  assert.deepEqual(ckOf(v6.virtual_servers[0], 0), { type: 'SMTP_CHECK', connect_timeout: 3, retry: 3, helo_name: 'foo.bar.com' });

  assert.deepEqual(ckOf(vs('PING_CHECK'), 0), { type: 'PING_CHECK', retry: 4 });
  assert.deepEqual([vs('PING_CHECK')?.protocol, vs('PING_CHECK')?.persistence_timeout], ['UDP', 50]);

  const smtp = vs('SMTP_CHECK');
  const s2 = ckOf(smtp, 1);
  assert.ok(s2?.type === 'SMTP_CHECK');
  assert.deepEqual(s2.host?.map((h) => h.connect_ip), ['172.16.1.11', '192.168.155.10', '64.233.167.99']);
  const s3 = ckOf(smtp, 2);
  assert.ok(s3?.type === 'SMTP_CHECK');
  assert.deepEqual(s3.host?.[2], { connect_ip: '64.233.167.100', connect_port: 587 });
  assert.equal(resolveLvs(m('SMTP_CHECK')).virtual_servers[0]?.real_servers.map((r) => r.checkers.length).join(','), '1,4,4');

  const ssl = m('SSL_GET').virtual_servers;
  assert.deepEqual(ssl.map((v) => ckOf(v, 0)?.type), ['SSL_GET', 'HTTP_GET']);
  const sg = ckOf(ssl[0], 0);
  assert.ok(sg?.type === 'SSL_GET');
  assert.deepEqual(sg.url?.map((u) => u.path), ['/', '/mrtg/']);

  assert.deepEqual(ckOf(vs('UDP_CHECK'), 0), { type: 'UDP_CHECK', connect_timeout: 3, retry: 3, delay_before_retry: 3 });

  const fw = vs('fwmark');
  assert.ok(fw && 'fwmark' in fw && fw.fwmark === 1 && fw.persistence_timeout === 900);
  assert.deepEqual(fw.real_servers.map((r) => [r.address, r.port]), [['192.168.201.100', undefined], ['192.168.201.101', undefined]]);
  assert.deepEqual(ckOf(fw, 0), { type: 'TCP_CHECK', connect_port: 80, connect_timeout: 3 });

  assert.equal(rsOf(vs('inhibit'), 0)?.inhibit_on_failure, true);
  assert.deepEqual(ckOf(vs('misc_check'), 0), { type: 'MISC_CHECK', misc_path: '/usr/local/bin/script.sh' });
  assert.deepEqual(ckOf(vs('misc_check_arg'), 0), { type: 'MISC_CHECK', misc_path: '/usr/local/bin/script.sh arg1 arg2' });

  const q = vs('quorum');
  assert.deepEqual([q?.alpha, q?.omega, q?.quorum, q?.hysteresis, q?.quorum_up, q?.quorum_down, q?.real_servers.length], [
    true, true, 7, 2, { command: '/usr/local/sbin/quorum-up.sh' }, { command: '/usr/local/sbin/quorum-down.sh' }, 10,
  ]);
  assert.deepEqual(vs('sample')?.sorry_server, { address: '192.168.200.200', port: 1358 });

  const sc = ckOf(vs('status_code'), 0);
  assert.ok(sc?.type === 'SSL_GET');
  assert.deepEqual(sc.url, [
    { path: '/', status_code: [{ from: 200, to: 299 }, { from: 400, to: 499 }, { from: 503, to: 503 }, { from: 505, to: 505 }] },
    { path: '/mrtg/', digest: '9b3a0c85a887a256d6939da88aabd8cd', status_code: [{ from: 200, to: 200 }] },
  ]);

  const g = m('virtual_server_group');
  assert.deepEqual(g.virtual_server_groups[0], {
    name: 'VSG_1',
    addresses: [{ address: '10.0.0.1', port: 8080 }, { address: '10.0.0.2', port: 80 }, { address: '192.168.200.1', port: 1358 }, { address: '192.168.200.3', last: '192.168.200.10', port: 80 }],
    fwmarks: [{ fwmark: 1 }, { fwmark: 2 }],
  });
  assert.ok(g.virtual_servers[0] && 'group' in g.virtual_servers[0] && g.virtual_servers[0].group === 'VSG_1');
  assert.equal(resolveLvs(g).virtual_servers[0]?.services.length, 6);

  assert.equal(vs('virtualhost')?.virtualhost, 'www.firewall.loc');
  const syncd = vs('vrrp.lvs_syncd');
  assert.ok(syncd && 'address' in syncd && syncd.address === '192.168.200.19' && syncd.port === 80);
  for (const name of ['conditional_conf', 'track_interface', 'vrrp', 'vrrp.localcheck', 'vrrp.routes', 'vrrp.rules', 'vrrp.scripts', 'vrrp.static_ipaddress', 'vrrp.sync']) {
    assert.deepEqual(m(name).virtual_servers, [], name);
  }
});

test('Debian samples: keepalived 2.2.7 verdicts reproduced for the LVS sections', () => {
  const v = verdicts(join(root, 'test', 'fixtures', 'config', 'lvs', 'debian-samples-keepalived-2.2.7-config-test.txt'));
  assert.equal(v.size, samples.length);
  for (const f of samples) {
    const path = join(sampleDir, f);
    const ours = lvsDiags(load(path), path).filter(notLbSynonyms);
    if (f === 'keepalived.conf.fwmark') {
      // keepalived: "Virtual server FWM 1: protocol specified for fwmark - protocol will be ignored"
      assert.ok(v.get(f)?.lines.some((l) => /FWM 1: protocol specified for fwmark/.test(l)));
      assert.deepEqual(show(ours), ['warning fwmark-protocol@12 virtual server FWM 1: protocol is ignored for a fwmark service'], f);
    } else if (f === 'keepalived.conf.SMTP_CHECK') {
      // keepalived logs "The SMTP_CHECK host block is deprecated" (at LOG_INFO, so not in -t output).
      assert.deepEqual([...new Set(ours.map((d) => d.code))], ['deprecated-keyword'], f);
      assert.equal(ours.length, 6);
    } else {
      // keepalived -t reports nothing about the LVS sections of the other samples.
      assert.ok(!(v.get(f)?.lines ?? []).some((l) => /[Vv]irtual server|real server|CHECK|HTTP/.test(l)), f);
      assert.deepEqual(show(ours), [], f);
    }
  }
});

test('edge-case fixtures: keepalived 2.2.7 verdicts on fix-ups and rejected values are reproduced', () => {
  const v = verdicts(join(verdictDir, 'keepalived-2.2.7-config-test.txt'));
  const fix = load(join(verdictDir, 'fixups.conf'));
  // One lvsd diagnostic per keepalived message, in keepalived's words' order of topics.
  assert.equal(v.get('fixups.conf')?.lines.length, 13);
  assert.deepEqual(fix.diagnostics.map((d) => `${d.code}@${d.loc?.line}`).sort(), [
    'default-method@2', 'default-protocol@2', 'default-scheduler@2', 'duplicate-real-server@28', 'fwmark-protocol@9',
    'ha-suspend-fwmark@10', 'hysteresis-reduced@21', 'no-real-servers@32', 'ops-needs-udp@19', 'port-cleared@11',
    'port-cleared@12', 'port-reset@22', 'quorum-reduced@20',
  ]);
  const errs = load(join(verdictDir, 'errors.conf'));
  const kLines = new Set((v.get('errors.conf')?.lines ?? []).map((l) => /Line (\d+)\)/.exec(l)?.[1]).filter((x): x is string => x !== undefined).map(Number));
  // keepalived reports these at the end of a block; lvsd at its keyword.
  const moved: Record<number, number> = { 3: 2, 8: 4, 36: 35, 38: 37 };
  const ours = new Set(errs.diagnostics.map((d) => d.loc?.line ?? 0));
  for (const l of kLines) assert.ok(ours.has(moved[l] ?? l), `keepalived reports line ${l}; lvsd does not (${show(errs.diagnostics).join(' | ')})`);
  assert.equal(errs.diagnostics.filter((d) => d.severity === 'error').length, 12);
});

test('round trip: every seed and sample, parsed, written and parsed again, gives the same LVS sections', () => {
  const files = [...seeds.map((f) => join(seedDir, f)), ...samples.map((f) => join(sampleDir, f))];
  let withLvs = 0;
  for (const path of files) {
    const a = load(path);
    const text = emitKeepalived(a.model);
    const b = parseKeepalivedText(text, '/rt.conf', memFs({}), { configId: 'lvsd-test' });
    assert.deepEqual(lvs(b.model), lvs(a.model), path);
    if (a.model.virtual_servers.length) withLvs++;
  }
  assert.equal(withLvs, 6 + 16);
});
