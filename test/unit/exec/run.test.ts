import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runScript, splitCommand } from '../../../src/exec/run.js';
import { resolveIds, parseColonFile } from '../../../src/exec/users.js';
import { alive } from '../../util/env.js';


test('splitCommand: words, quotes and escapes as keepalived splits script lines', () => {
  assert.deepEqual(splitCommand('/bin/check  a "b c" \'d e\' f\\ g'), ['/bin/check', 'a', 'b c', 'd e', 'f g']);
  assert.deepEqual(splitCommand('x "" y'), ['x', '', 'y']);
  assert.deepEqual(splitCommand('  '), []);
});

test('exit codes and output come back', async () => {
  const r = await runScript({ command: 'sh -c "echo out; echo err >&2; exit 7"', timeoutMs: 5000 });
  assert.equal(r.exitCode, 7);
  assert.equal(r.timedOut, false);
  assert.match(r.output, /out/);
  assert.match(r.output, /err/);
  const ok = await runScript({ argv: ['true'], timeoutMs: 5000 });
  assert.equal(ok.exitCode, 0);
});

test('at the deadline the whole process group dies, children included', async () => {
  const r = await runScript({ argv: ['sh', '-c', 'sleep 30 & echo $!; wait'], timeoutMs: 300 });
  assert.equal(r.timedOut, true);
  assert.equal(r.exitCode, null);
  assert.ok(r.durationMs >= 290 && r.durationMs < 2000, `took ${r.durationMs} ms`);
  const grandchild = Number(r.output.trim());
  assert.ok(grandchild > 1, `no pid in ${JSON.stringify(r.output)}`);
  await new Promise((res) => setTimeout(res, 50));
  assert.equal(alive(grandchild), false, 'the forked child outlived the deadline');
});

test('a script that ignores SIGTERM is killed after the grace period', async () => {
  const r = await runScript({ argv: ['sh', '-c', 'trap "" TERM; sleep 30 & wait; sleep 30'], timeoutMs: 200, killGraceMs: 200 });
  assert.equal(r.timedOut, true);
  assert.equal(r.signal, 'SIGKILL');
  assert.ok(r.durationMs < 1500, `took ${r.durationMs} ms`);
});

test('megabytes of output neither stall the script nor grow memory: the first bytes are kept', async () => {
  const r = await runScript({ argv: ['sh', '-c', 'head -c 20000000 /dev/zero | tr "\\0" x; echo done >&2'], timeoutMs: 10000, maxOutputBytes: 1000 });
  assert.equal(r.exitCode, 0);
  assert.equal(r.timedOut, false);
  assert.equal(r.output.length, 1000);
  assert.equal(r.outputTruncated, true);
});

test('a child left holding the pipes does not keep the run open', async () => {
  const r = await runScript({ argv: ['sh', '-c', 'sleep 5 & echo $!'], timeoutMs: 4000 });
  assert.equal(r.exitCode, 0);
  assert.ok(r.durationMs < 1000, `took ${r.durationMs} ms`);
  const pid = Number(r.output.trim());
  assert.equal(alive(pid), true, 'a background child of a script that exited normally is left alone');
  process.kill(pid, 'SIGKILL');
});

test('a missing program is an error result, not an exception', async () => {
  const r = await runScript({ argv: ['/nonexistent/lvsd-check'], timeoutMs: 1000 });
  assert.equal(r.exitCode, null);
  assert.equal(r.error?.code, 'ENOENT');
});

test('an AbortSignal kills the group', async () => {
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 100);
  const r = await runScript({ argv: ['sleep', '30'], timeoutMs: 10000, signal: ac.signal });
  assert.equal(r.aborted, true);
  assert.equal(r.timedOut, false);
  assert.ok(r.durationMs < 1500);
});

test('runs as another user', async (t) => {
  if (process.getuid?.() !== 0) {
    t.skip('needs root to switch users');
    return;
  }
  const r = await runScript({ argv: ['id', '-u'], user: 'nobody', timeoutMs: 5000 });
  assert.equal(r.output.trim(), String(resolveIds('nobody').uid));
  const bad = await runScript({ argv: ['id'], user: 'no-such-user-lvsd', timeoutMs: 5000 });
  assert.equal(bad.error?.message, "unknown user 'no-such-user-lvsd'");
});

test('resolveIds reads passwd and group', () => {
  const files: Record<string, string> = {
    '/etc/passwd': 'root:x:0:0:root:/root:/bin/bash\nkeepalived_script:x:998:997::/:/usr/sbin/nologin\n',
    '/etc/group': 'root:x:0:\nadm:x:4:syslog\n',
  };
  const read = (p: string) => files[p] as string;
  assert.deepEqual(resolveIds('keepalived_script', undefined, read), { uid: 998, gid: 997 });
  assert.deepEqual(resolveIds('keepalived_script', 'adm', read), { uid: 998, gid: 4 });
  assert.deepEqual(resolveIds('1234', undefined, read), { uid: 1234, gid: 1234 });
  assert.throws(() => resolveIds('nobody2', undefined, read), /unknown user/);
  assert.equal(parseColonFile('# c\na:x:1\n').get('a')?.[2], '1');
});
