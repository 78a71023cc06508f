// The `lvsd` command as operators run it: a separate process, its output and exit status.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../util/env.js';

const root = repoRoot();
// The bundled program operators run (package.json bin).
const main = join(root, 'dist', 'src', 'cli', 'lvsd.mjs');
const seeds = join(root, 'test', 'fixtures', 'keepalived-seeds');

function lvsd(...args: string[]) {
  const r = spawnSync(process.execPath, [main, ...args], { encoding: 'utf8', cwd: root });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('usage errors exit 64 with a usage message and no stack trace', () => {
  for (const args of [[], ['frobnicate'], ['check-config'], ['check-config', '--bogus', 'x'], ['convert', 'a', '--to', 'xml', '-f', 'b']]) {
    const r = lvsd(...args);
    assert.equal(r.code, 64, `${args.join(' ')}: ${r.err}`);
    assert.match(r.out + r.err, /usage: lvsd/);
    assert.doesNotMatch(r.out + r.err, /\n\s+at /, 'stack trace printed');
  }
});

test('--version and --help', () => {
  assert.match(lvsd('--version').out, /^lvsd \d+\.\d+\.\d+\n$/);
  const h = lvsd('--help');
  assert.equal(h.code, 0);
  for (const c of ['run', 'check-config', 'dump-config', 'convert', 'schema', 'ipvsadm']) assert.match(h.out, new RegExp(`\\n  ${c} `));
  assert.match(lvsd('check-config', '--help').out, /--no-host-checks/);
});

test('a missing file exits 66 with one clear line', () => {
  const r = lvsd('check-config', '-f', '/nonexistent/keepalived.conf');
  assert.equal(r.code, 66);
  assert.equal(r.err.trim().split('\n').length, 1);
  assert.match(r.err, /not found/);
});

// keepalived 2.2.7 -t verdicts (see the fixture's keepalived-2.2.7-config-test.txt), with host
// checks off: 0 clean, 1 warnings, 2 errors. lvsd also warns about lb_algo/lb_kind, which
// keepalived accepts silently.
const verdicts: Record<string, number> = {
  'codis-6379-a.conf': 1, // nopreempt cleared
  'codis-6379-b.conf': 1, // lb_algo / lb_kind deprecated
  'lb01-dual-master-dup-name.conf': 2, // VI_1 defined twice
  'lb01-dual-master.conf': 0,
  'lb01-track-script-bare-path.conf': 1, // bare path, script removed, track script not found
  'lb01-vrrp-master.conf': 0,
  'lb02-vrrp-backup.conf': 0,
  'lvs-dr-backup-sorry.conf': 1, // 'vrrp _mcast_group4', nb_get_retry
  'lvs-dr-master.conf': 1,
  'lvs-dr-multi-master-a.conf': 1,
  'lvs-dr-multi-master-b.conf': 1,
  'mcast-group-typo.conf': 1, // global_def
  'nginx-ha-chk-backup.conf': 0,
  'nginx-ha-chk-master.conf': 1, // log_file / log_info, preempt_delay cleared
  'nginx-pair-backup.conf': 0,
  'nginx-pair-master.conf': 0,
  'sync-group-full.conf': 2, // debug without its parameter, and typos
};

for (const [file, want] of Object.entries(verdicts)) {
  test(`check-config ${file} exits ${want}; every line is file:line:col: severity: message`, () => {
    const r = lvsd('check-config', '--no-host-checks', '-f', join(seeds, file));
    assert.equal(r.code, want, r.out + r.err);
    for (const line of r.out.trim().split('\n').filter(Boolean)) {
      assert.match(line, /^\/\S+\.conf:\d+:\d+: (error|warning|info): \S/, line);
    }
  });
}

test('host checks are on by default: a missing interface is an error', () => {
  const r = lvsd('check-config', '-f', join(seeds, 'lvs-dr-master.conf'));
  assert.equal(r.code, 2);
  assert.match(r.out, /lvs-dr-master\.conf:16:5: error: interface ens37 for vrrp_instance VI_1 doesn't exist/);
});

test('convert to YAML and back through the CLI gives the same model', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lvsd-cli-'));
  try {
    const src = join(root, 'configs', 'lvs-dr-pair', 'director1.conf');
    const y = lvsd('convert', src);
    assert.equal(y.code, 0, y.err);
    writeFileSync(join(dir, 'a.yaml'), y.out);
    const k = lvsd('convert', join(dir, 'a.yaml'), '--to', 'keepalived');
    assert.equal(k.code, 0, k.err);
    writeFileSync(join(dir, 'b.conf'), k.out);
    const a = JSON.parse(lvsd('dump-config', '--as-written', '-f', src).out) as unknown;
    const b = JSON.parse(lvsd('dump-config', '--as-written', '-f', join(dir, 'b.conf')).out) as unknown;
    assert.deepEqual(b, a);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('dump-config prints the resolved model; a config with errors prints nothing and exits 2', () => {
  const ok = lvsd('dump-config', '-f', join(root, 'configs', 'lvs-dr-pair', 'director1.conf'));
  assert.equal(ok.code, 0, ok.err);
  const j = JSON.parse(ok.out) as { vrrp: { instances: unknown[] }; lvs: { virtual_servers: { real_servers: unknown[] }[] } };
  assert.equal(j.lvs.virtual_servers[0]?.real_servers.length, 2);
  const bad = lvsd('dump-config', '-f', join(seeds, 'lb01-dual-master-dup-name.conf'));
  assert.equal(bad.code, 2);
  assert.equal(bad.out, '');
  assert.match(bad.err, /already defined/);
});
