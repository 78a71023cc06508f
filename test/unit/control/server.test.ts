// The control socket for real: a server in this process on a temporary path, clients over the socket.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from '../../../src/control/client.js';
import { ControlError } from '../../../src/control/errors.js';
import { dumpText } from '../../../src/control/format.js';
import { parseRequest } from '../../../src/control/protocol.js';
import { startControl, type ControlOptions } from '../../../src/control/server.js';
import { sampleStatus } from './sample.js';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'lvsd-ctl-'));
}

async function withServer(o: Partial<ControlOptions>, fn: (path: string, dir: string) => Promise<void>): Promise<void> {
  const dir = tempDir();
  const path = join(dir, 'lvsd.sock');
  const srv = await startControl({ path, status: sampleStatus, ...o });
  try {
    await fn(path, dir);
  } finally {
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Writes raw bytes and collects every response line until the server closes the connection. */
function raw(path: string, data: string | Buffer, opts: { end?: boolean; timeoutMs?: number } = {}): Promise<{ lines: string[]; closedMs: number }> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const s = connect({ path });
    let buf = '';
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`connection still open after ${opts.timeoutMs ?? 5000} ms; got ${JSON.stringify(buf)}`));
    }, opts.timeoutMs ?? 5000);
    s.on('connect', () => {
      if (data.length) s.write(data);
      if (opts.end) s.end();
    });
    s.on('data', (c: Buffer) => (buf += c.toString('utf8')));
    s.on('error', () => {});
    s.on('close', () => {
      clearTimeout(timer);
      resolve({ lines: buf.split('\n').filter((l) => l !== ''), closedMs: Date.now() - t0 });
    });
  });
}

async function rejectsWith(p: Promise<unknown>, code: string, msg?: RegExp): Promise<ControlError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ControlError, `not a ControlError: ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (msg) assert.match(e.message, msg);
    return e;
  }
  assert.fail(`expected ${code}`);
}

test('protocol: the three requests parse; anything else is a typed error naming the problem', () => {
  assert.deepEqual(parseRequest('{"cmd":"status"}'), { cmd: 'status' });
  assert.deepEqual(parseRequest('{"cmd":"reload"}'), { cmd: 'reload' });
  assert.deepEqual(parseRequest('{"cmd":"dump","what":"stats"}'), { cmd: 'dump', what: 'stats' });
  const bad: [string, RegExp][] = [
    ['', /not JSON/],
    ['{"cmd":', /not JSON/],
    ['[1]', /JSON object/],
    ['null', /JSON object/],
    ['{}', /no "cmd"/],
    ['{"cmd":"shutdown"}', /unknown cmd 'shutdown'/],
    ['{"cmd":"dump"}', /dump needs "what"/],
    ['{"cmd":"dump","what":"core"}', /dump needs "what"/],
    ['{"cmd":"status","x":1}', /unexpected field 'x'/],
    [`{"cmd":"${'a'.repeat(500)}"}`, /unknown cmd 'a{40}\.\.\.'/],
  ];
  for (const [line, msg] of bad) {
    assert.throws(() => parseRequest(line), (e: unknown) => e instanceof ControlError && e.code === 'LVSD_CONTROL_BAD_REQUEST' && msg.test(e.message), line);
  }
});

test('status and the three dumps over the socket', async () => {
  await withServer({ format: { utc: true } }, async (path) => {
    const s = await request(path, { cmd: 'status' }, 2000);
    assert.deepEqual(s, { ok: true, result: JSON.parse(JSON.stringify(sampleStatus())) });
    for (const what of ['data', 'stats', 'json'] as const) {
      const r = await request(path, { cmd: 'dump', what }, 2000);
      assert.deepEqual(r, { ok: true, result: dumpText(sampleStatus(), what, { utc: true }) }, what);
    }
  });
});

test('the socket file: mode 0600, a socket, owned by this process\'s user; the directory is created 0755', async () => {
  const dir = tempDir();
  const path = join(dir, 'run', 'lvsd', 'lvsd.sock');
  const srv = await startControl({ path, status: sampleStatus });
  try {
    const st = lstatSync(path);
    assert.ok(st.isSocket());
    assert.equal(st.mode & 0o777, 0o600);
    assert.equal(st.uid, process.getuid?.());
    assert.equal(statSync(join(dir, 'run', 'lvsd')).mode & 0o777, 0o755);
    assert.equal(statSync(join(dir, 'run')).mode & 0o777, 0o755);
  } finally {
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('close removes the socket file, is idempotent, and clients then see no socket', async () => {
  const dir = tempDir();
  const path = join(dir, 'lvsd.sock');
  const srv = await startControl({ path, status: sampleStatus });
  try {
    assert.ok(existsSync(path));
    // An open idle connection does not hold close() up.
    const idle = connect({ path });
    idle.on('error', () => {});
    await new Promise((r) => idle.on('connect', r));
    const t0 = Date.now();
    await srv.close();
    assert.ok(Date.now() - t0 < 1000, 'close waited for an idle client');
    assert.equal(existsSync(path), false);
    await srv.close();
    await rejectsWith(request(path, { cmd: 'status' }, 1000), 'LVSD_CONTROL_NO_SOCKET', /no control socket at .*is lvsd running/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('malformed requests get an error line; the connection and the server keep working', async () => {
  await withServer({}, async (path) => {
    const r = await raw(path, 'hello\n{"cmd":"nope"}\n\n{"cmd":"dump","what":"core"}\r\n{"cmd":"status"}\r\n\u0000\u00ff\n', { end: true });
    assert.equal(r.lines.length, 6);
    const res = r.lines.map((l) => JSON.parse(l) as { ok: boolean; error?: string; result?: { pid: number } });
    assert.deepEqual(res.slice(0, 4), [
      { ok: false, error: 'request is not JSON' },
      { ok: false, error: "unknown cmd 'nope' (status, dump, reload)" },
      { ok: false, error: 'request is not JSON' },
      { ok: false, error: 'dump needs "what": one of data, stats, json' },
    ]);
    assert.equal(res[4]!.ok, true);
    assert.equal(res[4]!.result!.pid, 4242);
    assert.deepEqual(res[5], { ok: false, error: 'request is not JSON' });
    // A last request without its newline, then EOF, is still answered.
    const last = await raw(path, '{"cmd":"dump","what":"stats"}', { end: true });
    assert.deepEqual(JSON.parse(last.lines[0]!), { ok: true, result: dumpText(sampleStatus(), 'stats') });
    assert.equal((await request(path, { cmd: 'status' }, 1000)).ok, true);
  });
});

test('an oversized request is refused with one error line and the connection closed; others are served', async () => {
  await withServer({ maxRequestBytes: 1024 }, async (path) => {
    // Within the limit, in many small writes: fine.
    const okLine = `{"cmd":"status"${' '.repeat(1000)}}\n`;
    assert.equal(JSON.parse((await raw(path, okLine, { end: true })).lines[0]!).ok, true);
    const r = await raw(path, `{"cmd":"status","pad":"${'x'.repeat(5000)}`);
    assert.deepEqual(r.lines.map((l) => JSON.parse(l)), [{ ok: false, error: 'request too large: over 1024 bytes without a newline' }]);
    // Requests before the oversized one are answered first, in order.
    const mixed = await raw(path, `{"cmd":"status"}\n${'y'.repeat(3000)}\n{"cmd":"status"}\n`);
    assert.equal(mixed.lines.length, 2);
    assert.equal(JSON.parse(mixed.lines[0]!).ok, true);
    assert.match(JSON.parse(mixed.lines[1]!).error, /too large/);
    assert.equal((await request(path, { cmd: 'status' }, 1000)).ok, true);
  });
  // The default bound is 64 KiB.
  await withServer({}, async (path) => {
    const r = await raw(path, Buffer.alloc(70 * 1024, 0x61));
    assert.deepEqual(r.lines.map((l) => JSON.parse(l)), [{ ok: false, error: 'request too large: over 65536 bytes without a newline' }]);
  });
});

test('an idle connection is told why and closed after idleMs', async () => {
  await withServer({ idleMs: 200 }, async (path) => {
    const r = await raw(path, '', { timeoutMs: 3000 });
    assert.deepEqual(r.lines.map((l) => JSON.parse(l)), [{ ok: false, error: 'no request for 200 ms; closing' }]);
    assert.ok(r.closedMs >= 180 && r.closedMs < 1500, `closed after ${r.closedMs} ms`);
  });
});

test('a failing status() or reload() becomes an error response; the daemon does not crash', async () => {
  const seen: string[] = [];
  let fail = true;
  await withServer(
    {
      status: () => {
        if (fail) throw new Error('instances are being rebuilt');
        return sampleStatus();
      },
      reload: async () => {
        throw new Error('config vanished');
      },
      onError: (e, req) => seen.push(`${req.cmd}: ${(e as Error).message}`),
    },
    async (path) => {
      assert.deepEqual(await request(path, { cmd: 'status' }, 1000), { ok: false, error: 'status failed: instances are being rebuilt' });
      assert.deepEqual(await request(path, { cmd: 'dump', what: 'data' }, 1000), { ok: false, error: 'dump failed: instances are being rebuilt' });
      assert.deepEqual(await request(path, { cmd: 'reload' }, 1000), { ok: false, error: 'reload failed: config vanished' });
      fail = false;
      assert.equal((await request(path, { cmd: 'status' }, 1000)).ok, true);
    },
  );
  assert.deepEqual(seen, ['status: instances are being rebuilt', 'dump: instances are being rebuilt', 'reload: config vanished']);
});

test('reload: runs the daemon\'s reload, one at a time; refused when the run mode has none', async () => {
  let calls = 0;
  let release: () => void = () => {};
  await withServer(
    {
      reload: async () => {
        calls++;
        await new Promise<void>((r) => (release = r));
        return { ok: false, message: 'VI_9: unknown interface eth9; running configuration kept' };
      },
    },
    async (path) => {
      const first = request(path, { cmd: 'reload' }, 3000);
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(await request(path, { cmd: 'reload' }, 1000), { ok: false, error: 'a reload is already running' });
      release();
      assert.deepEqual(await first, { ok: true, result: { ok: false, message: 'VI_9: unknown interface eth9; running configuration kept' } });
      assert.equal(calls, 1);
    },
  );
  await withServer({}, async (path) => {
    assert.deepEqual(await request(path, { cmd: 'reload' }, 1000), { ok: false, error: 'reload is not available in this run mode' });
  });
});

test('a second server on the same path is refused with LVSD_CONTROL_IN_USE; the first keeps serving', async () => {
  await withServer({}, async (path) => {
    const ino = lstatSync(path).ino;
    await rejectsWith(startControl({ path, status: sampleStatus }), 'LVSD_CONTROL_IN_USE', new RegExp(`another lvsd \\(pid 4242\\) is listening on the control socket ${path}`));
    assert.equal(lstatSync(path).ino, ino, 'the live socket file was left alone');
    assert.equal((await request(path, { cmd: 'status' }, 1000)).ok, true);
  });
  // Something that accepts but is not lvsd: in use all the same.
  const dir = tempDir();
  const path = join(dir, 'other.sock');
  const other = createServer((s) => s.resume());
  await new Promise<void>((r) => other.listen(path, r));
  try {
    await rejectsWith(startControl({ path, status: sampleStatus }), 'LVSD_CONTROL_IN_USE', /another process is listening/);
  } finally {
    await new Promise((r) => other.close(r));
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a dead daemon\'s socket file is replaced; a path that is not a socket is refused and left alone', async () => {
  const dir = tempDir();
  const path = join(dir, 'lvsd.sock');
  try {
    // A daemon killed with SIGKILL leaves its socket file behind.
    const child = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(path)}, () => console.log('up'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((r) => child.stdout.once('data', () => r()));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    assert.ok(lstatSync(path).isSocket(), 'the stale socket file is there');
    await rejectsWith(request(path, { cmd: 'status' }, 1000), 'LVSD_CONTROL_REFUSED', /connection refused on .*stale socket/);
    const srv = await startControl({ path, status: sampleStatus });
    try {
      assert.equal(lstatSync(path).mode & 0o777, 0o600);
      assert.equal((await request(path, { cmd: 'status' }, 1000)).ok, true);
    } finally {
      await srv.close();
    }
    const file = join(dir, 'not-a-socket');
    writeFileSync(file, 'precious');
    await rejectsWith(startControl({ path: file, status: sampleStatus }), 'LVSD_CONTROL_PATH', /exists and is not a socket; not removing it/);
    assert.equal(readFileSync(file, 'utf8'), 'precious');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad paths: relative, or too long for sun_path', async () => {
  await rejectsWith(startControl({ path: 'lvsd.sock', status: sampleStatus }), 'LVSD_CONTROL_PATH', /must be absolute/);
  await rejectsWith(startControl({ path: `/tmp/${'x'.repeat(120)}.sock`, status: sampleStatus }), 'LVSD_CONTROL_PATH', /longer than 107 bytes/);
});

test('client: a server that never answers times out; a non-response line is BAD_RESPONSE', async () => {
  const dir = tempDir();
  const silent = createServer((s) => s.resume());
  const liar = createServer((s) => s.resume().end('{"hello":1}\n'));
  const closer = createServer((s) => s.resume().end());
  const sp = join(dir, 'silent.sock');
  const lp = join(dir, 'liar.sock');
  const cp = join(dir, 'closer.sock');
  await new Promise<void>((r) => silent.listen(sp, r));
  await new Promise<void>((r) => liar.listen(lp, r));
  await new Promise<void>((r) => closer.listen(cp, r));
  try {
    const t0 = Date.now();
    await rejectsWith(request(sp, { cmd: 'status' }, 300), 'LVSD_CONTROL_TIMEOUT', /no answer from .* within 300 ms/);
    assert.ok(Date.now() - t0 < 1000);
    await rejectsWith(request(lp, { cmd: 'status' }, 1000), 'LVSD_CONTROL_BAD_RESPONSE');
    await rejectsWith(request(cp, { cmd: 'status' }, 1000), 'LVSD_CONTROL_BAD_RESPONSE', /closed the connection without a response/);
  } finally {
    for (const s of [silent, liar, closer]) {
      await new Promise((r) => s.close(r));
    }
    rmSync(dir, { recursive: true, force: true });
  }
});
