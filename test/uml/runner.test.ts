// Host tests of the UML runner: exit status and output come back, IPVS is there, pinning works,
// and a run past its deadline is killed with every UML process, leaving no job folder behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { runInUml, umlMissing } from '../lab/uml.js';
import { pidsInGroup } from '../lab/proc.js';

function skipUnlessUml(t: { skip(m: string): void }): boolean {
  const why = umlMissing();
  if (why === undefined) return true;
  process.stderr.write(`# skipped: ${why}\n`);
  t.skip(why);
  return false;
}

test('runInUml returns the exit status and output of a command run in a kernel with IPVS', async (t) => {
  if (!skipUnlessUml(t)) return;
  const chunks: string[] = [];
  let affinity = '';
  const r = await runInUml(
    { script: 'echo "kernel $(uname -r)"; head -1 /proc/net/ip_vs; ipvsadm -A -t 10.1.1.1:80 -s wrr && ipvsadm -S -n; echo "$LVSD_IN_UML" > "$LVSD_UML_JOB/flag"; sleep 0.5; exit 3' },
    {
      cpu: 1,
      collect: ['flag'],
      onOutput: (s) => chunks.push(s),
      onStart: (pid) => {
        // Read the affinity while it runs (taskset exec()s linux.uml: same pid).
        setTimeout(() => {
          try {
            affinity = /Cpus_allowed_list:\s*(\S+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? '';
          } catch {
            affinity = 'gone';
          }
        }, 1000);
      },
    },
  );
  t.diagnostic(`boot + command + poweroff: ${r.wallMs.toFixed(0)} ms`);
  process.stderr.write(`# uml runner: trivial command round trip ${r.wallMs.toFixed(0)} ms\n`);
  assert.equal(r.code, 3, r.console);
  assert.equal(r.timedOut, false);
  assert.match(r.output, /^kernel 6\.1\./m);
  assert.match(r.output, /^IP Virtual Server version 1\.2\.1/m);
  assert.match(r.output, /^-A -t 10\.1\.1\.1:80 -s wrr$/m);
  assert.equal(chunks.join(''), r.output);
  assert.equal(r.files.flag, '1\n');
  assert.equal(affinity, '1');
  assert.equal(existsSync(r.jobDir), false);
  assert.deepEqual(pidsInGroup(r.pgid), []);
});

test('a run past its deadline is killed with its whole process group and cleaned up', async (t) => {
  if (!skipUnlessUml(t)) return;
  const r = await runInUml({ script: 'echo started; sleep 120' }, { timeoutMs: 5000 });
  assert.equal(r.timedOut, true);
  assert.equal(r.code, null);
  assert.ok(r.wallMs < 9000, `took ${r.wallMs} ms`);
  assert.deepEqual(pidsInGroup(r.pgid), []);
  assert.equal(existsSync(r.jobDir), false);
});
