// Host test: `make lab` works. Runs the lab demo's entry (test/lab/demo/main.ts) as a child process,
// as `make lab` does, and checks its exit status, its progress lines and its report: every step
// passed (the health-check step may say it is not available yet), the takeover within its RFC
// bound, the listings identical. Also: without root it says so in one line and exits non-zero.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { run } from '../lab/proc.js';
import { umlMissing } from '../lab/uml.js';
import { rootMissing, which } from '../util/env.js';

const DEMO = fileURLToPath(new URL('../lab/demo/main.js', import.meta.url));

test('lab demo: every step passes, the report names the figures, nothing is left behind', { timeout: 400_000 }, async (t) => {
  const why = rootMissing(['ip', 'bash', 'ipvsadm']) ?? umlMissing();
  if (why) {
    process.stderr.write(`# skipped: ${why}\n`);
    return t.skip(why);
  }
  const r = await run([process.execPath, DEMO], { allowFail: true, timeoutMs: 380_000, name: 'lab demo' });
  process.stderr.write(r.stdout.split('\n').map((l) => `  [demo] ${l}\n`).join(''));
  if (r.stderr) process.stderr.write(r.stderr.split('\n').map((l) => `  [demo:err] ${l}\n`).join(''));
  const out = r.stdout;
  assert.equal(r.code, 0, `the demo exited ${r.code ?? r.signal}`);
  for (let n = 1; n <= 6; n++) assert.match(out, new RegExp(`^\\[${n}/6\\] \\S`, 'm'), `progress line of step ${n}`);
  const row = (n: number, name: string): string => {
    const m = new RegExp(`^  ${n}  ${name.replace(/[()]/g, '\\$&')}\\s+(PASS|FAIL|NOT YET)\\s+(.*)$`, 'm').exec(out);
    assert.ok(m, `report row ${n} (${name})`);
    return `${m[1]} ${m[2]}`;
  };
  assert.match(row(1, 'check-config'), /^PASS both files clean/);
  assert.match(row(2, 'VRRP election (host kernel)'), /^PASS VI_1 -> A in [\d.]+ s, VI_2 -> B in [\d.]+ s/);
  const r3 = row(3, 'crash, takeover, GARP, preempt');
  const tk = /^PASS takeover ([\d.]+) s \(bound ([\d.]+) s\); GARP moved the client to B; A back as master in [\d.]+ s$/.exec(r3);
  assert.ok(tk, r3);
  assert.ok(Number(tk[1]) <= Number(tk[2]) + 0.3 && Number(tk[1]) >= Number(tk[2]) - 1.1, `takeover ${tk[1]} s against the bound ${tk[2]} s`);
  const r4 = row(4, 'IPVS in UML (lvsd programs, client)');
  assert.match(r4, /^PASS programmed in [\d.]+ s; VIP1 rs1 \d+, rs2 \d+; VIP2 rs1 \d+, rs2 \d+; listing identical$/);
  assert.match(out, /byte for byte the same as Debian's ipvsadm -L -n on this table: yes/);
  assert.match(row(5, 'health checks, sorry server'), /^(PASS rs1 out in [\d.]+ s, sorry in [\d.]+ s|NOT YET comes with `lvsd run --check-only`)/);
  assert.match(row(6, 'clean-up'), /^PASS nothing left behind$/);
  assert.match(out, /^lab demo: PASS \(\d passed, 0 failed(, 1 not available yet)?\) in [\d.]+ s$/m);
  assert.match(out, /^coming in the final demo: .*metrics/m);
});

test('lab demo without root: one line saying so, exit non-zero', async (t) => {
  const why = rootMissing() ?? (which('setpriv') ? undefined : 'needs setpriv (util-linux) to drop to an unprivileged user');
  if (why) {
    process.stderr.write(`# skipped: ${why}\n`);
    return t.skip(why);
  }
  const r = await run(['setpriv', '--reuid', '65534', '--regid', '65534', '--clear-groups', process.execPath, DEMO], { allowFail: true, timeoutMs: 30_000 });
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^lvsd lab demo: needs root \(network namespaces, VRRP raw sockets, User-Mode Linux\)/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
});
