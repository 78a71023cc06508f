// The bundled `lvsd` program as packages ship it (dist/src/cli/lvsd.mjs): --version matches
// package.json, and every command it lists answers --help, -h and `help CMD` with its usage, exit 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageVersion, requireBundle, ROOT } from './support.js';

function lvsd(...args: string[]) {
  const r = spawnSync(process.execPath, [requireBundle(), ...args], { encoding: 'utf8', cwd: ROOT, timeout: 30_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** The command names `lvsd --help` lists under "commands:". */
function listedCommands(help: string): string[] {
  const lines = help.split('\n');
  const at = lines.indexOf('commands:');
  assert.ok(at >= 0, `no 'commands:' section in:\n${help}`);
  const out: string[] = [];
  for (const l of lines.slice(at + 1)) {
    const m = /^ {2}([a-z][a-z0-9-]*) {2,}\S/.exec(l);
    if (!m) break;
    out.push(m[1] as string);
  }
  return out;
}

test('--version, -V and `version` print "lvsd VERSION" with the version of package.json, exit 0', () => {
  const want = `lvsd ${packageVersion()}\n`;
  for (const arg of ['--version', '-V', 'version']) {
    const r = lvsd(arg);
    assert.equal(r.code, 0, `${arg}: ${r.err}`);
    assert.equal(r.out, want, arg);
    assert.equal(r.err, '', arg);
  }
});

test('--help lists the commands, exit 0; no arguments prints the same list on a usage error (64)', () => {
  const h = lvsd('--help');
  assert.equal(h.code, 0, h.err);
  assert.match(h.out, /^usage: lvsd <command> \[options\]\n/);
  const cmds = listedCommands(h.out);
  for (const c of ['run', 'check-config', 'dump-config', 'convert', 'schema', 'ipvsadm']) assert.ok(cmds.includes(c), `${c} not listed: ${cmds.join(', ')}`);
  assert.equal(new Set(cmds).size, cmds.length, `a command listed twice: ${cmds.join(', ')}`);
  const none = lvsd();
  assert.equal(none.code, 64);
  assert.deepEqual(listedCommands(none.out), cmds);
});

test('every listed command answers --help, -h and `help CMD` with the same usage text, exit 0', () => {
  const cmds = listedCommands(lvsd('--help').out);
  const seen = new Map<string, string>();
  for (const c of cmds) {
    const r = lvsd(c, '--help');
    assert.equal(r.code, 0, `${c} --help: exit ${r.code}: ${r.err}`);
    assert.equal(r.err, '', `${c} --help wrote to stderr`);
    assert.match(r.out, new RegExp(`^usage: lvsd ${c}\\b`), `${c} --help:\n${r.out}`);
    // The options table follows the usage text: one row per flag, the flag then its help.
    for (const row of r.out.split('\n\n').at(-1)!.split('\n').filter(Boolean)) {
      assert.match(row, /^ {2}(-\w, | {4})--[a-z][a-z0-9-]*\b.{2,}\s\S+/, `${c} --help option row: '${row}'`);
    }
    assert.equal(lvsd(c, '-h').out, r.out, `${c} -h`);
    assert.equal(lvsd('help', c).out, r.out, `help ${c}`);
    for (const [other, text] of seen) assert.notEqual(text, r.out, `${c} --help prints the text of ${other}`);
    seen.set(c, r.out);
  }
  const bad = lvsd('help', 'no-such-command');
  assert.equal(bad.code, 64);
  assert.match(bad.err, /unknown command 'no-such-command'/);
});

test("README's command synopsis names every command the program lists", () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Commands'));
  const block = /```\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  assert.ok(block.length > 0, 'README has a ## Commands section with a code block');
  for (const c of listedCommands(lvsd('--help').out)) assert.match(block, new RegExp(`^lvsd ${c}\\b`, 'm'), `README's Commands block lacks 'lvsd ${c}'`);
});
