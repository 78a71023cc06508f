// keepalived.conf read in pieces of whole lines (nodeFileSystem.readChunks) parses exactly as the
// file read whole: same model, same diagnostics with the same lines and columns, whatever the piece
// size: CRLF endings, a $definition continued across pieces, UTF-8 text, a line longer than the
// buffer, an include, a last line without its newline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeFileSystem, readFileChunks } from '../../../src/config/keepalived/fs.js';
import { parseKeepalivedFile } from '../../../src/config/keepalived/parse.js';
import type { ConfigFileSystem } from '../../../src/config/keepalived/preprocess.js';

function files(dir: string): string {
  const inc = join(dir, 'inc.conf');
  writeFileSync(inc, ['virtual_server 10.0.0.9 80 {', '  lvs_sched rr', '  lvs_method DR', '  protocol TCP', '  real_server 10.1.0.9 80 {', '    weight 3', '  }', '}', ''].join('\n'));
  const lines = [
    '! lvsd chunked read: ünïcödé comment ✓ and more',
    'global_defs {',
    '  router_id lb-1',
    '  notification_email_from lvsd@example.org',
    '}',
    '$RS=real_server 10.1.0.1 80 { \\',
    '  weight 2 \\',
    '}',
    `# ${'x'.repeat(5000)} a long comment`,
    ...Array.from({ length: 40 }, (_, i) => [
      `virtual_server 10.0.${i}.1 80 {`,
      '  lvs_sched wrr',
      '  lvs_method NAT',
      '  protocol TCP',
      i % 7 === 3 ? '  frobnicate 1' : '  delay_loop 3',
      '  $RS',
      `  real_server 10.2.${i}.1 80 {\r`,
      `    weight ${i + 1}\r`,
      '  }',
      '}',
    ]).flat(),
    `include ${join(dir, 'inc.conf')}`,
    'virtual_server 10.0.99.1 80 { lvs_sched rr',
    '  protocol TCP',
    '  real_server 10.3.0.1 80 { weight 1 }',
    '}',
  ];
  const main = join(dir, 'main.conf');
  writeFileSync(main, lines.join('\n')); // no newline at the end
  return main;
}

test('readFileChunks: pieces of whole lines that add up to the file, for any buffer size', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lvsd-chunks-'));
  try {
    const main = files(dir);
    const whole = readFileSync(main, 'utf8');
    for (const size of [1, 7, 64, 1000, 4096, 256 << 10]) {
      const pieces: string[] = [];
      readFileChunks(main, (t) => pieces.push(t), size);
      assert.equal(pieces.join(''), whole, `size ${size}`);
      pieces.slice(0, -1).forEach((p) => assert.ok(p.endsWith('\n'), `size ${size}: a piece ends inside a line`));
      if (size < 5000) assert.ok(pieces.length > 1, `size ${size}: ${pieces.length} piece(s)`);
    }
    assert.throws(() => readFileChunks(join(dir, 'missing.conf'), () => undefined), /ENOENT/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a keepalived.conf read in pieces parses exactly as the file read whole', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lvsd-chunks-'));
  try {
    const main = files(dir);
    const wholeFs: ConfigFileSystem = { ...nodeFileSystem, readChunks: undefined };
    delete wholeFs.readChunks;
    const want = parseKeepalivedFile(main, wholeFs, { configId: 'x' });
    assert.equal(want.model.virtual_servers.length, 42);
    assert.ok(want.diagnostics.some((d) => /frobnicate/.test(d.message)), 'the file has diagnostics to compare');
    for (const size of [1, 7, 100, 4096, 256 << 10]) {
      const fs: ConfigFileSystem = { ...nodeFileSystem, readChunks: (p, on) => readFileChunks(p, on, size) };
      const got = parseKeepalivedFile(main, fs, { configId: 'x' });
      assert.deepEqual(got.model, want.model, `size ${size}`);
      assert.deepEqual(got.diagnostics, want.diagnostics, `size ${size}`);
      assert.deepEqual(got.files, want.files);
      // Where each virtual server and its real servers' weights were written: the same file:line:col.
      const where = (c: typeof got, i: number) => {
        const vs = c.model.virtual_servers[i] as object & { real_servers: object[] };
        return [c.locs.get(vs, ''), ...vs.real_servers.map((r) => c.locs.get(r, 'weight'))];
      };
      for (const i of [0, 5, 39, 40, 41]) {
        assert.ok(where(want, i)[0]?.line, `location of virtual server ${i}`);
        assert.deepEqual(where(got, i), where(want, i), `size ${size}, virtual server ${i}`);
      }
    }
    // The default file system reads in pieces.
    assert.equal(typeof nodeFileSystem.readChunks, 'function');
    assert.deepEqual(parseKeepalivedFile(main, nodeFileSystem, { configId: 'x' }).diagnostics, want.diagnostics);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
