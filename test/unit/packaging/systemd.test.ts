// The systemd unit (configs/systemd/lvsd.service): what it runs, how it reloads and stops, the
// capabilities it keeps and the hardening it leaves out, checked against lvsd's exit codes and the
// container files; `systemd-analyze verify` and `security` on it when systemd-analyze is installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { EXIT } from '../../../src/cli/command.js';
import { which } from '../../util/env.js';
import { parseUnit, readDockerfile, readUnit, requireBundle, ROOT, timeSpanMs, UNIT_FILE, unitValue } from './support.js';

const S = 'Service';

test('unit reader: sections, repeated keys, comments (checked on a sample)', () => {
  const u = parseUnit('# c\n[Unit]\nAfter=a\nAfter=b\n\n[Service]\n; c\nExecStart=/x -f y\n');
  assert.deepEqual(u.get('Unit')?.get('After'), ['a', 'b']);
  assert.equal(unitValue(u, 'Service', 'ExecStart'), '/x -f y');
  assert.throws(() => parseUnit('Key=v\n'), /outside a section/);
  assert.equal(timeSpanMs('1min 30s'), 90_000);
  assert.equal(timeSpanMs('30'), 30_000);
});

test('lvsd.service runs `lvsd run -f /etc/lvsd/lvsd.conf` in the foreground; HUP reloads; TERM stops within a graceful bound', () => {
  const u = readUnit();
  const exec = unitValue(u, S, 'ExecStart')!.split(/\s+/);
  assert.match(exec[0]!, /^\/\S+\/lvsd$/, 'an absolute path to lvsd');
  assert.deepEqual(exec.slice(1), ['run', '-f', '/etc/lvsd/lvsd.conf']);
  assert.ok(['exec', 'simple'].includes(unitValue(u, S, 'Type')!), 'lvsd does not fork and sends no sd_notify');
  assert.equal(unitValue(u, S, 'ExecReload'), '/bin/kill -HUP $MAINPID');
  assert.equal(unitValue(u, S, 'KillSignal'), 'SIGTERM');
  assert.equal(unitValue(u, S, 'KillMode'), 'mixed', 'TERM to lvsd only; it ends its own scripts');
  const stop = timeSpanMs(unitValue(u, S, 'TimeoutStopSec')!);
  assert.ok(stop >= 10_000 && stop <= 120_000, `TimeoutStopSec ${stop} ms`);
  assert.equal(unitValue(u, S, 'Restart'), 'on-failure');
  const noRestart = unitValue(u, S, 'RestartPreventExitStatus')!.split(/\s+/).map(Number);
  assert.deepEqual(noRestart.sort((a, b) => a - b), [EXIT.CONFIG_ERRORS, EXIT.USAGE, EXIT.NOINPUT].sort((a, b) => a - b));
  assert.ok(!noRestart.includes(EXIT.RUNTIME), 'a run-time failure is restarted');
  for (const k of ['After', 'Wants']) assert.ok(u.get('Unit')?.get(k)?.join(' ').split(/\s+/).includes('network-online.target'), k);
  assert.equal(unitValue(u, 'Install', 'WantedBy'), 'multi-user.target');
  assert.equal(unitValue(u, S, 'RuntimeDirectory'), 'lvsd', '/run/lvsd for the control socket');
});

test('lvsd.service keeps the capabilities lvsd and its scripts use, and no hardening that breaks them', () => {
  const u = readUnit();
  const caps = unitValue(u, S, 'CapabilityBoundingSet')!.split(/\s+/).sort();
  assert.deepEqual(caps, ['CAP_KILL', 'CAP_NET_ADMIN', 'CAP_NET_RAW', 'CAP_SETGID', 'CAP_SETUID']);
  assert.deepEqual(unitValue(u, S, 'AmbientCapabilities')!.split(/\s+/).sort(), caps);
  const user = unitValue(u, S, 'User');
  assert.ok(user === undefined || user === 'root', 'scripts without a configured user run as root, as with keepalived');
  const families = unitValue(u, S, 'RestrictAddressFamilies')!.split(/\s+/);
  for (const f of ['AF_UNIX', 'AF_INET', 'AF_INET6', 'AF_NETLINK', 'AF_PACKET']) assert.ok(families.includes(f), `${f} allowed`);
  assert.ok(!families.some((f) => f.startsWith('~')), 'an allow list');
  // Each of these would break lvsd or its scripts (see the unit's comments).
  const off: Record<string, string> = {
    NoNewPrivileges: 'setuid / file-capability programs in scripts run as a user',
    PrivateTmp: 'the /tmp/lvsd.* dumps the operator reads',
    PrivateDevices: 'logger and devices in scripts',
    ProtectKernelTunables: 'scripts that set sysctls',
    MemoryDenyWriteExecute: "Node's JIT",
    PrivateNetwork: 'VRRP, VIPs and IPVS on the host network',
    ProtectProc: "processes of other users (pidof, killall -0)",
    SystemCallFilter: 'arbitrary scripts',
  };
  for (const [k, why] of Object.entries(off)) {
    const v = unitValue(u, S, k);
    assert.ok(v === undefined || ['no', 'false', 'default'].includes(v), `${k}=${v} would break ${why}`);
  }
  assert.ok(['full', 'yes', 'true'].includes(unitValue(u, S, 'ProtectSystem')!), 'ProtectSystem leaves /tmp, /run and /var writable');
  assert.equal(unitValue(u, S, 'ProtectHome'), 'read-only', 'scripts under /root and /home still run');
});

test('the unit, the image and the compose file agree: configuration path and stop grace period', () => {
  const u = readUnit();
  const runtime = readDockerfile().at(-1)!;
  const cmd = JSON.parse(runtime.instructions.find((i) => i.op === 'CMD')!.args) as string[];
  assert.deepEqual(cmd, unitValue(u, S, 'ExecStart')!.split(/\s+/).slice(1), 'the image runs what the unit runs');
  assert.equal(runtime.instructions.find((i) => i.op === 'STOPSIGNAL')?.args, unitValue(u, S, 'KillSignal'));
  const compose = parseYaml(readFileSync(join(ROOT, 'docker', 'docker-compose.yml'), 'utf8'), { merge: true }) as {
    services: Record<string, { stop_grace_period: string; stop_signal: string }>;
  };
  for (const [name, s] of Object.entries(compose.services)) {
    assert.equal(timeSpanMs(s.stop_grace_period), timeSpanMs(unitValue(u, S, 'TimeoutStopSec')!), `${name} stop_grace_period`);
    assert.equal(s.stop_signal, unitValue(u, S, 'KillSignal'), `${name} stop_signal`);
  }
});

/** The unit with ExecStart's program replaced by this build's bundle (verify checks it exists). */
function unitForVerify(dir: string, edit: (text: string) => string = (s) => s): string {
  const file = join(dir, 'lvsd.service');
  const text = readFileSync(UNIT_FILE, 'utf8').replace(/^ExecStart=\S+/m, `ExecStart=${requireBundle()}`);
  writeFileSync(file, edit(text));
  return file;
}

test('systemd-analyze verify: the unit loads with no warning (and a misspelt key is reported)', (t) => {
  if (!which('systemd-analyze')) {
    const why = 'systemd-analyze is not installed (Debian package systemd)';
    process.stderr.write(`# skipped: ${why}\n`);
    t.skip(why);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'lvsd-unit-'));
  try {
    const good = spawnSync('systemd-analyze', ['verify', unitForVerify(dir)], { encoding: 'utf8' });
    assert.equal(good.status, 0, good.stderr);
    assert.equal(good.stderr.trim(), '', `systemd-analyze verify warned:\n${good.stderr}`);
    // The same check on a broken copy: systemd-analyze exits 0 on unknown keys, only the warning tells.
    const bad = spawnSync('systemd-analyze', ['verify', unitForVerify(dir, (s) => s.replace('KillMode=mixed', 'KillMod=mixed'))], { encoding: 'utf8' });
    assert.match(bad.stderr, /Unknown key( name)? 'KillMod'/);
    const sec = spawnSync('systemd-analyze', ['security', '--offline=yes', unitForVerify(dir)], { encoding: 'utf8' });
    const score = /Overall exposure level for lvsd\.service: (\d+(?:\.\d+)?)/.exec(sec.stdout + sec.stderr)?.[1];
    if (score === undefined) {
      t.diagnostic(`systemd-analyze security --offline gave no score: ${sec.stderr.trim()}`);
      return;
    }
    process.stderr.write(`# systemd-analyze security: exposure ${score} (0 = most restricted, 10 = none)\n`);
    t.diagnostic(`exposure ${score}`);
    // 5.6 when written; the capability and address-family limits alone bring it under 7.
    assert.ok(Number(score) <= 6.0, `exposure ${score}: hardening was removed from the unit`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('unit file: installs by copy (no templating left), ASCII, ends with a newline', () => {
  const text = readFileSync(UNIT_FILE, 'utf8');
  assert.doesNotMatch(text, /@[A-Z_]+@|\{\{/);
  assert.match(text, /\n$/);
  assert.ok(/^[\x09\x0a\x20-\x7e]*$/.test(text), 'ASCII only');
});
