// Namespace test on the host kernel: lvsd started as configs/systemd/lvsd.service starts it (its
// ExecStart, through the container image's entry point laid out from this build, under the unit's
// CapabilityBoundingSet applied with setpriv), becomes MASTER, runs a notify script as `nobody`,
// survives the unit's ExecReload, and stops on its KillSignal within TimeoutStopSec with its VIP
// removed and exit status 0. The same run without CAP_SETUID / CAP_SETGID shows why the unit keeps them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lab } from '../lab/netns.js';
import { keepalivedConf } from '../lab/keepalived.js';
import { sleep, waitFor, type LabProcess } from '../lab/proc.js';
import { vrrpLan } from '../lab/topologies.js';
import { requireRoot } from '../util/env.js';
import { readUnit, requireBundle, stageRuntimeImage, timeSpanMs, unitValue, type StagedImage } from '../unit/packaging/support.js';

const S = 'Service';
/** Linux capability numbers (<linux/capability.h>). */
const CAP_BITS: Record<string, number> = { CAP_KILL: 5, CAP_SETGID: 6, CAP_SETUID: 7, CAP_NET_ADMIN: 12, CAP_NET_RAW: 13 };

function capMask(caps: string[]): bigint {
  return caps.reduce((m, c) => {
    const bit = CAP_BITS[c];
    if (bit === undefined) throw new Error(`capability ${c} has no number in this test`);
    return m | (1n << BigInt(bit));
  }, 0n);
}

/** CapEff and CapBnd of a running process (/proc/PID/status). */
function procCaps(pid: number): { eff: bigint; bnd: bigint } {
  const st = readFileSync(`/proc/${pid}/status`, 'utf8');
  const get = (k: string) => BigInt(`0x${new RegExp(`^${k}:\\s*([0-9a-f]+)`, 'm').exec(st)![1]}`);
  return { eff: get('CapEff'), bnd: get('CapBnd') };
}

/** The unit's ExecStart as argv, with the program and the configuration file replaced. */
function execStart(entry: string, conf: string): string[] {
  const words = unitValue(readUnit(), S, 'ExecStart')!.split(/\s+/);
  const f = words.indexOf('-f');
  assert.ok(f > 0, 'ExecStart names the configuration with -f');
  return [entry, ...words.slice(1, f + 1), conf, ...words.slice(f + 2)];
}

/** Flags keeping a test daemon off the host's control socket and metrics port (when the build has them). */
function isolation(img: StagedImage, dir: string): string[] {
  const help = spawnSync(img.entry, ['run', '--help'], { encoding: 'utf8', env: { ...process.env, LVSD_HOME: img.home } }).stdout;
  return [
    ...(help.includes('--control-socket') ? ['--control-socket', join(dir, 'lvsd.sock')] : []),
    ...(help.includes('--metrics-listen') ? ['--metrics-listen', 'off'] : []),
  ];
}

function lines(p: LabProcess, event: string): Record<string, unknown>[] {
  return p.stdout
    .filter((l) => l.includes(`"event":"${event}"`))
    .map((l) => {
      try {
        return JSON.parse(l) as Record<string, unknown>;
      } catch {
        return {};
      }
    });
}

test('lvsd as the systemd unit runs it: bounded capabilities, notify script as nobody, ExecReload, KillSignal within TimeoutStopSec', async (t) => {
  if (!requireRoot(t, ['ip', 'setpriv'])) return;
  requireBundle();
  const unit = readUnit();
  const bounding = unitValue(unit, S, 'CapabilityBoundingSet')!.split(/\s+/);
  const stopMs = timeSpanMs(unitValue(unit, S, 'TimeoutStopSec')!);
  const lab = Lab.forTest(t, 'pack-unit');
  // The notify script and its output folder must be reachable by nobody (the lab folder is 0700).
  const pub = mkdtempSync(join(tmpdir(), 'lvsd-pack-notify-'));
  t.after(() => rmSync(pub, { recursive: true, force: true }));
  chmodSync(pub, 0o755);
  const out = join(pub, 'out');
  spawnSync('mkdir', ['-m', '1777', out]);
  const script = join(pub, 'notify.sh');
  writeFileSync(script, `#!/bin/sh\n{ id -u; id -g; echo done; } > ${out}/master.$$\n`);
  chmodSync(script, 0o755);

  const img = stageRuntimeImage(lab.dir);
  const topo = await vrrpLan(lab, 1, 47);
  const d1 = topo.directors[0]!;
  const conf = join(lab.dir, 'lvsd.conf');
  writeFileSync(
    conf,
    keepalivedConf({
      routerId: 'd1',
      version: 3,
      instances: [{ name: 'VI_1', iface: 'eth0', vrid: 61, priority: 150, advertInt: 0.1, vips: [`${topo.vip}/24 dev eth0`], extra: [`notify_master ${script} nobody`] }],
    }),
  );
  const setpriv = (caps: string[]) => ['setpriv', `--bounding-set=-all,${caps.map((c) => `+${c.replace(/^CAP_/, '').toLowerCase()}`).join(',')}`, '--'];
  const env = { LVSD_HOME: img.home };

  // 1. The unit's capability set: everything works.
  const argv = [...setpriv(bounding), ...execStart(img.entry, conf), ...isolation(img, lab.dir)];
  const p = d1.spawn(argv, { env, name: 'd1: lvsd (unit caps)' });
  await p.waitForLine(/"event":"vrrp\.transition".*"to":"MASTER"/, 15_000);
  await d1.waitForAddr(topo.vip, { timeoutMs: 3000 });
  // MAINPID is node itself (the entry point exec'd it), with exactly the unit's capabilities.
  const cmdline = readFileSync(`/proc/${p.pid}/cmdline`, 'utf8').split('\0');
  assert.match(cmdline[0]!, /(^|\/)node$/, `MAINPID runs ${cmdline.join(' ')}`);
  assert.equal(cmdline[1], join(img.home, 'dist', 'src', 'cli', 'lvsd.mjs'));
  const caps = procCaps(p.pid);
  assert.equal(caps.bnd, capMask(bounding), `CapBnd ${caps.bnd.toString(16)}`);
  assert.equal(caps.eff, capMask(bounding), `CapEff ${caps.eff.toString(16)}`);
  // notify_master ran as nobody (uid and gid 65534) to its end.
  const notified = () => spawnSync('sh', ['-c', `cat ${out}/master.* 2>/dev/null`], { encoding: 'utf8' }).stdout;
  // Three lines once the script is done (it may still be writing when its file appears).
  assert.ok(await waitFor(() => notified().split('\n').length >= 4, 5000), `notify output '${notified()}'; lvsd said:\n${p.output()}`);
  assert.deepEqual(notified().split('\n').slice(0, 3), ['65534', '65534', 'done']);

  // 2. ExecReload (`/bin/kill -HUP $MAINPID`): still running, still MASTER, no new transition.
  const transitions = lines(p, 'vrrp.transition').length;
  const reload = unitValue(unit, S, 'ExecReload')!.replace('$MAINPID', String(p.pid)).split(/\s+/);
  assert.equal(spawnSync(reload[0]!, reload.slice(1)).status, 0);
  await p.waitForLine(/"event":"(lvsd|daemon)\.reload"/, 5000);
  await sleep(500);
  assert.ok(p.alive, `SIGHUP ended lvsd: ${p.output()}`);
  assert.equal(lines(p, 'vrrp.transition').length, transitions, 'a reload of an unchanged file makes no transition');
  assert.ok(await d1.hasAddr(topo.vip), 'VIP kept across the reload');

  // 3. KillSignal: exit 0 well inside TimeoutStopSec, the VIP removed.
  const t0 = Date.now();
  process.kill(p.pid, unitValue(unit, S, 'KillSignal') as NodeJS.Signals);
  let timer: NodeJS.Timeout | undefined;
  const st = await Promise.race([p.exited, new Promise<undefined>((r) => (timer = setTimeout(r, stopMs, undefined)))]);
  clearTimeout(timer);
  const took = Date.now() - t0;
  assert.ok(st, `still running ${stopMs} ms after ${unitValue(unit, S, 'KillSignal')}: systemd would SIGKILL it`);
  assert.deepEqual(st, { code: 0, signal: null }, p.output());
  assert.equal(await d1.hasAddr(topo.vip), false, 'VIP removed on stop');
  t.diagnostic(`stopped ${took} ms after SIGTERM (TimeoutStopSec ${stopMs} ms)`);

  // 4. Without CAP_SETUID / CAP_SETGID the notify script cannot run as nobody: lvsd reports it.
  spawnSync('sh', ['-c', `rm -f ${out}/master.*`]);
  const lacking = bounding.filter((c) => c !== 'CAP_SETUID' && c !== 'CAP_SETGID');
  const q = d1.spawn([...setpriv(lacking), ...execStart(img.entry, conf), ...isolation(img, lab.dir)], { env, name: 'd1: lvsd (no setuid)' });
  await q.waitForLine(/"event":"vrrp\.transition".*"to":"MASTER"/, 15_000);
  await q.waitForLine(/"event":"vrrp\.notify"/, 5000);
  const notify = lines(q, 'vrrp.notify').at(-1)!;
  assert.match(String(notify.error ?? notify.msg), /EPERM|not permitted/i, JSON.stringify(notify));
  assert.equal(spawnSync('sh', ['-c', `ls ${out}`], { encoding: 'utf8' }).stdout.trim(), '', 'the script did not run');
  q.kill('SIGTERM');
  assert.deepEqual(await q.exited, { code: 0, signal: null });
});
