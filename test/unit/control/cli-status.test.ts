// `lvsd status` as operators run it: the CLI in a child process, talking to a control socket served
// by this test process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatStatus } from '../../../src/control/format.js';
import { startControl } from '../../../src/control/server.js';
import { isRoot } from '../../util/env.js';
import { sampleStatus } from './sample.js';

// The CLI of the same build as this test (dist-*/src/cli/main.js).
const main = fileURLToPath(new URL('../../../src/cli/main.js', import.meta.url));

/** Runs the CLI without blocking this process's event loop (the server lives here). */
function lvsd(args: string[], opts: { uid?: number; gid?: number } = {}): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [main, ...args], { cwd: '/', stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

async function served(fn: (path: string, dir: string) => Promise<void>, status = sampleStatus): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lvsd-ctl-cli-'));
  const path = join(dir, 'lvsd.sock');
  const srv = await startControl({ path, status });
  try {
    await fn(path, dir);
  } finally {
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('lvsd status prints the daemon\'s status as text, and as JSON with --json', async () => {
  await served(async (path) => {
    const text = await lvsd(['status', '--socket', path]);
    assert.equal(text.err, '');
    assert.equal(text.code, 0);
    assert.equal(text.out, formatStatus(sampleStatus()));
    assert.match(text.out, /^VI_1 {4}51 {2}eth0 {7}MASTER {2}150\/140 /m);
    const json = await lvsd(['status', '--json', `--socket=${path}`]);
    assert.equal(json.code, 0, json.err);
    assert.deepEqual(JSON.parse(json.out), JSON.parse(JSON.stringify(sampleStatus())));
  });
});

test('lvsd status exits 3 and says why when no daemon answers', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lvsd-ctl-cli-'));
  try {
    const missing = await lvsd(['status', '--socket', join(dir, 'none.sock')]);
    assert.equal(missing.code, 3);
    assert.equal(missing.out, '');
    assert.equal(missing.err, `lvsd status: no control socket at ${join(dir, 'none.sock')} (is lvsd running?)\n`);

    // A stale socket file: bound, then the listener gone without removing it.
    const stale = join(dir, 'stale.sock');
    const child = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(stale)}, () => console.log('up'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((r) => child.stdout.once('data', () => r()));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const refused = await lvsd(['status', '--socket', stale]);
    assert.equal(refused.code, 3);
    assert.equal(refused.err, `lvsd status: connection refused on ${stale}: no daemon listens there (a stopped daemon's stale socket?)\n`);

    // Something listens but never answers.
    const silentPath = join(dir, 'silent.sock');
    const silent = createServer((s) => s.resume());
    await new Promise<void>((r) => silent.listen(silentPath, r));
    try {
      const slow = await lvsd(['status', '--socket', silentPath, '--timeout', '300']);
      assert.equal(slow.code, 3);
      assert.equal(slow.err, `lvsd status: no answer from ${silentPath} within 300 ms\n`);
    } finally {
      await new Promise((r) => silent.close(r));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('lvsd status run by another user: permission denied by the socket\'s mode 0600', async (t) => {
  if (!isRoot()) {
    const why = 'needs root: runs the CLI as user nobody against a root-owned socket';
    process.stderr.write(`# skipped: ${why}\n`);
    return t.skip(why);
  }
  await served(async (path, dir) => {
    // The directory is open to all; only the socket file's own mode keeps nobody out.
    chmodSync(dir, 0o755);
    const r = await lvsd(['status', '--socket', path], { uid: 65534, gid: 65534 });
    assert.equal(r.code, 3, r.err);
    assert.equal(r.err, `lvsd status: permission denied on ${path}: the control socket is for root only\n`);
    // Root still gets through.
    assert.equal((await lvsd(['status', '--socket', path])).code, 0);
  });
});

test('lvsd status: a daemon error and a non-status answer are runtime failures', async () => {
  await served(
    async (path) => {
      const r = await lvsd(['status', '--socket', path]);
      assert.equal(r.code, 3);
      assert.equal(r.err, 'lvsd status: the daemon answered with an error: status failed: reload in progress\n');
    },
    () => {
      throw new Error('reload in progress');
    },
  );
  await served(
    async (path) => {
      const r = await lvsd(['status', '--socket', path]);
      assert.equal(r.code, 3);
      assert.equal(r.err, `lvsd status: the daemon's answer on ${path} is not a status report\n`);
    },
    () => ({ hello: 1 }) as never,
  );
});

test('lvsd status: usage, help, and the command list', async () => {
  const help = await lvsd(['status', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.out, /^usage: lvsd status \[--json\] \[--socket PATH\]/);
  assert.match(help.out, /--socket PATH +control socket \(default: \/run\/lvsd\/lvsd\.sock; in a named network namespace NS, lvsd\.NS\.sock\)/);
  const bad = await lvsd(['status', '--bogus']);
  assert.equal(bad.code, 64);
  assert.match(bad.err, /unknown option --bogus/);
  assert.equal((await lvsd(['status', 'extra'])).code, 64);
  assert.equal((await lvsd(['status', '--timeout', 'soon'])).code, 64);
  assert.match((await lvsd(['--help'])).out, /\n {2}status +show the running daemon's VRRP instances and virtual servers\n/);
});
