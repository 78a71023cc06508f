import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs, UsageError, flag, has } from '../../src/cli/args.js';

const specs = [
  { name: 'file', short: 'f', value: true, help: 'config file' },
  { name: 'no-host-checks', value: false, help: 'skip host checks' },
];

test('parses long, short, inline and positional arguments', () => {
  const p = parseArgs(['-f', 'a.conf', '--no-host-checks', 'x'], specs);
  assert.equal(flag(p, 'file'), 'a.conf');
  assert.equal(has(p, 'no-host-checks'), true);
  assert.deepEqual(p.positionals, ['x']);
  assert.equal(flag(parseArgs(['--file=b.conf'], specs), 'file'), 'b.conf');
  assert.equal(flag(parseArgs(['-fc.conf'], specs), 'file'), 'c.conf');
});

test('rejects unknown flags, missing values and repeats', () => {
  assert.throws(() => parseArgs(['--bogus'], specs), UsageError);
  assert.throws(() => parseArgs(['-x'], specs), UsageError);
  assert.throws(() => parseArgs(['-f'], specs), /needs a value/);
  assert.throws(() => parseArgs(['-f', 'a', '-f', 'b'], specs), /more than once/);
  assert.throws(() => parseArgs(['--no-host-checks=1'], specs), /takes no value/);
});
