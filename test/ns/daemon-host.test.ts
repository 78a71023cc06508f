// Namespace tests of the full daemon on the host kernel (which has no IPVS): `lvsd run -f FILE` with
// VRRP and a virtual_server still elects and holds the VIP, runs its checks, and shows the missing
// IPVS in the log, `lvsd status` and /healthz; without CAP_NET_RAW / CAP_NET_ADMIN it refuses to
// start with a message naming them (exit 3); SIGTERM removes the VIP and exits 0.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Lab } from '../lab/netns.js';
import { vrrpPair, type VrrpLan } from '../lab/topologies.js';
import { run, waitFor } from '../lab/proc.js';
import { isRoot, which } from '../util/env.js';

const DIST = fileURLToPath(new URL('../../', import.meta.url));
const LVSD = [join(DIST, 'src', 'cli', 'lvsd.mjs'), join(DIST, 'src', 'cli', 'main.js')].find((f) => existsSync(f))!;
const skip = !isRoot() ? 'needs root (network namespaces, raw sockets)' : existsSync('/proc/net/ip_vs') ? 'this kernel has IPVS; the test is about a kernel without it' : undefined;

const SECRET = 'Zq9secrt';
let lab: Lab | undefined;
let lan: VrrpLan;
let dir: string;

before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'lvsd-daemon-host-'));
  lab = Lab.create('dhost');
  lan = await vrrpPair(lab);
});

after(async () => {
  await lab?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function conf(): string {
  return [
    'vrrp_instance VI_1 {',
    '  state MASTER',
    '  interface eth0',
    '  virtual_router_id 61',
    '  priority 150',
    '  advert_int 1',
    '  authentication {',
    '    auth_type PASS',
    `    auth_pass ${SECRET}`,
    '  }',
    '  virtual_ipaddress {',
    `    ${lan.vip}/24`,
    '  }',
    '}',
    `virtual_server ${lan.vip} 80 {`,
    '  delay_loop 1',
    '  lb_algo rr',
    '  lb_kind DR',
    '  protocol TCP',
    `  real_server ${lan.addrOf(lan.directors[1]!)} 80 {`,
    '    TCP_CHECK {',
    '      connect_timeout 1',
    '    }',
    '  }',
    '}',
  ].join('\n');
}

test('without IPVS in the kernel: VRRP and checks run, the condition is in the log, status and /healthz; SIGTERM cleans up', { skip, timeout: 60_000 }, async () => {
  const file = join(dir, 'd1.conf');
  writeFileSync(file, conf());
  const d1 = lan.directors[0]!;
  // The default control socket in a named network namespace is named after it.
  const ns = (await d1.exec(['ip', 'netns', 'identify'])).stdout.trim();
  assert.ok(ns.length > 0);
  const sock = `/run/lvsd/lvsd.${ns}.sock`;
  const p = lab!.track(d1.spawn([process.execPath, LVSD, 'run', '-f', file, '--metrics-listen', '127.0.0.1:9650'], { name: 'd1: lvsd run' }));
  await p.waitForLine(/"event":"lvsd.ready"/, 20_000);
  assert.match(p.output(), /"event":"lvs.unavailable".*IPVS is not available in this kernel/);
  assert.ok(await waitFor(() => d1.hasAddr(lan.vip), 10_000), 'the VIP is held');
  // A check ran and failed (nothing listens on d2:80): checks run without IPVS.
  await p.waitForLine(/"event":"check.state".*"state":"down"/, 15_000);
  assert.ok(existsSync(sock), `${sock} exists`);
  // `lvsd status` in the same namespace finds it without --socket.
  const st = await d1.exec([process.execPath, LVSD, 'status', '--json'], { timeoutMs: 20_000 });
  const status = JSON.parse(st.stdout) as { ipvsUnavailable: string | null; instances: { name: string; state: string }[]; virtualServers: { programmed: boolean }[] };
  assert.match(status.ipvsUnavailable ?? '', /IPVS is not available/);
  assert.deepEqual(status.instances.map((i) => [i.name, i.state]), [['VI_1', 'MASTER']]);
  assert.equal(status.virtualServers[0]?.programmed, false);
  const text = await run([process.execPath, LVSD, 'status', '--socket', sock], { timeoutMs: 20_000 });
  const hostSide = await run([process.execPath, LVSD, 'status'], { allowFail: true, timeoutMs: 20_000 });
  assert.equal(hostSide.code, 3, 'the host namespace has its own default socket, with no daemon on it');
  assert.match(text.stdout, /VI_1/);
  const hz = await d1.exec([process.execPath, '-e', "fetch('http://127.0.0.1:9650/healthz').then((r)=>console.log(r.status))"]);
  assert.equal(hz.stdout.trim(), '200');
  // keepalived's dumps on signals: SIGUSR1 data, SIGUSR2 stats, SIGURG JSON (lvsd writes /tmp/lvsd.*).
  for (const [sig, file, re] of [
    ['SIGUSR1', '/tmp/lvsd.data', /VRRP Topology/],
    ['SIGUSR2', '/tmp/lvsd.stats', /VRRP Instance: VI_1/],
    ['SIGURG', '/tmp/lvsd.json', /"iname": ?"VI_1"/],
  ] as const) {
    rmSync(file, { force: true });
    p.kill(sig);
    assert.ok(await waitFor(() => existsSync(file), 5000), `${sig} writes ${file}`);
    const text = readFileSync(file, 'utf8');
    assert.match(text, re, file);
    assert.ok(!text.includes(SECRET), `${file} shows auth_pass`);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    rmSync(file, { force: true });
  }
  assert.ok(p.alive, 'the dumps do not stop the daemon');
  assert.ok(!st.stdout.includes(SECRET) && !text.stdout.includes(SECRET), 'lvsd status never shows auth_pass');
  p.kill('SIGTERM');
  const ex = await p.exited;
  assert.equal(ex.code, 0, p.output().slice(-2000));
  assert.ok(!p.output().includes(SECRET), 'auth_pass never reaches a log line');
  assert.equal(await d1.hasAddr(lan.vip), false, 'the VIP is removed at stop');
  assert.equal(existsSync(sock), false, 'the control socket is removed at stop');
});

test('without CAP_NET_RAW and CAP_NET_ADMIN: a clear refusal naming them, exit 3, nothing left', { skip: skip ?? (which('setpriv') ? undefined : 'setpriv (util-linux) is not installed'), timeout: 60_000 }, async () => {
  const file = join(dir, 'd2.conf');
  writeFileSync(file, conf());
  const d1 = lan.directors[0]!;
  const r = await d1.exec(['setpriv', '--bounding-set', '-net_raw,-net_admin', '--inh-caps', '-net_raw,-net_admin', process.execPath, LVSD, 'run', '-f', file, '--metrics-listen', 'off', '--control-socket', 'off'], { allowFail: true, timeoutMs: 30_000 });
  assert.equal(r.code, 3, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stderr, /CAP_NET_RAW/);
  assert.equal(await d1.hasAddr(lan.vip), false);
});
