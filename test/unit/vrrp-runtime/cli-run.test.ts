// CLI tests of `lvsd run` that need no privileges: usage errors, configuration errors,
// and what --help says.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseListen, run } from '../../../src/cli/commands/run.js';
import { UsageError } from '../../../src/cli/args.js';

async function call(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await run.run(args, { out: (s) => (out += `${s}\n`), err: (s) => (err += `${s}\n`) });
  return { code, out, err };
}

function withFile(text: string, fn: (f: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lvsd-run-test-'));
  const f = join(dir, 'k.conf');
  writeFileSync(f, text);
  return fn(f).finally(() => rmSync(dir, { recursive: true, force: true }));
}

const VI = 'vrrp_instance VI_1 {\n  interface lo\n  virtual_router_id 51\n  priority 100\n  authentication {\n    auth_type PASS\n    auth_pass TopSecret\n  }\n  virtual_ipaddress {\n    10.0.0.100/24\n  }\n}\n';

test('lvsd run: usage errors', async () => {
  await assert.rejects(call([]), (e: unknown) => e instanceof UsageError && /-f FILE/.test(e.message));
  await assert.rejects(call(['-f', 'x', '--log-level', 'loud']), (e: unknown) => e instanceof UsageError && /log-level/.test(e.message));
  await assert.rejects(call(['-f', 'x', 'extra']), UsageError);
});

test('lvsd run: a missing file is 66; a configuration with errors is 2 and nothing starts', async () => {
  const missing = await call(['--vrrp-only', '-f', '/nonexistent/lvsd.conf']);
  assert.equal(missing.code, 66);
  assert.match(missing.err, /nonexistent/);
  await withFile(VI.replace('priority 100', 'priority 300'), async (f) => {
    const r = await call(['--vrrp-only', '-f', f]);
    assert.equal(r.code, 2);
    assert.match(r.err, /priority/);
    assert.match(r.err, /not starting/);
    assert.ok(!r.err.includes('TopSecret') && !r.out.includes('TopSecret'), 'auth_pass is never printed');
  });
});

test('lvsd run: --ipvs-program and --metrics-listen are checked before anything starts', async () => {
  await withFile(VI, async (f) => {
    await assert.rejects(call(['-f', f, '--ipvs-program', 'sometimes']), (e: unknown) => e instanceof UsageError && /follow_vrrp or always/.test(e.message));
    await assert.rejects(call(['-f', f, '--metrics-listen', 'localhost']), (e: unknown) => e instanceof UsageError && /ADDR:PORT/.test(e.message));
    await assert.rejects(call(['-f', f, '--metrics-listen', '1.2.3.4:70000']), UsageError);
  });
  assert.deepEqual(parseListen('127.0.0.1:9650'), { host: '127.0.0.1', port: 9650 });
  assert.deepEqual(parseListen('[::1]:9100'), { host: '::1', port: 9100 });
  assert.equal(parseListen('off'), null);
});

test('lvsd run: --vrrp-only and --check-only together are a usage error', async () => {
  await withFile(VI, async (f) => {
    await assert.rejects(call(['-f', f, '--vrrp-only', '--check-only']), /exclude each other/);
  });
});

test('lvsd run --help names the modes, the signals and the exit codes', () => {
  assert.match(run.usage, /SIGHUP reloads/);
  assert.match(run.usage, /follow_vrrp/);
  assert.match(run.usage, /--vrrp-only \(keepalived -P\)/);
  assert.match(run.usage, /--check-only \(keepalived -C\)/);
  assert.match(run.usage, /2 configuration errors/);
  assert.ok(run.flags.some((f) => f.name === 'vrrp-only'));
  assert.ok(run.flags.some((f) => f.name === 'check-only'));
});

test('lvsd run with nothing holding the event loop (no VRRP, no checker, no listener) runs until SIGTERM', { skip: existsSync('/proc/net/ip_vs') ? 'this kernel has IPVS: the daemon would program it' : undefined }, async () => {
  const vs = 'virtual_server 10.0.0.100 80 {\n  lvs_sched rr\n  lvs_method DR\n  protocol TCP\n  real_server 10.0.0.11 80 {\n  }\n}\n';
  await withFile(vs, async (f) => {
    const main = fileURLToPath(new URL('../../../src/cli/main.js', import.meta.url));
    const p = spawn(process.execPath, [main, 'run', '-f', f, '--metrics-listen', 'off', '--control-socket', 'off'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (c: Buffer) => (out += String(c)));
    p.stderr.on('data', (c: Buffer) => (out += String(c)));
    const exited = new Promise<number | null>((r) => p.on('exit', (code) => r(code)));
    const early = await Promise.race([exited.then(() => true), new Promise((r) => setTimeout(() => r(false), 2500))]);
    assert.equal(early, false, `lvsd run exited by itself:\n${out}`);
    assert.match(out, /"event":"lvsd.ready"/);
    p.kill('SIGTERM');
    assert.equal(await exited, 0, out);
  });
});
