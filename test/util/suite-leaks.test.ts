// The suite's last file (make test runs files in path order, one at a time; dist/test/util sorts
// last): after every lab test of this run, no namespace, process or temporary folder it created
// may be left. Run alone, it checks only itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findLeftovers, removeLeftovers } from '../lab/leaks.js';
import { Lab } from '../lab/netns.js';
import { suiteId, SUITE_ENV, waitFor } from '../lab/proc.js';
import { rootMissing } from './env.js';

test('the suite left no namespace, process or lab folder behind', async (t) => {
  const why = rootMissing(['ip']);
  if (why) {
    process.stderr.write(`# skipped: ${why}\n`);
    return t.skip(why);
  }
  const left = await findLeftovers(suiteId());
  t.diagnostic(`suite ${suiteId()}: ${JSON.stringify(left)}`);
  await removeLeftovers(left); // clean first, so one bad test does not leave the machine dirty
  assert.deepEqual(left, { ns: [], pids: [], dirs: [] });
});

test('the leak check finds a lab that was never closed, and removes it', async (t) => {
  const why = rootMissing(['ip', 'sleep']);
  if (why) return t.skip(why);
  const id = `selftest${process.pid}`;
  const saved = process.env[SUITE_ENV];
  process.env[SUITE_ENV] = id;
  let lab: Lab | undefined;
  try {
    lab = Lab.create('leak');
    await lab.build({ hosts: [{ name: 'h' }] });
    const p = lab.host('h').spawn(['sleep', '30']);
    const left = await findLeftovers(id);
    assert.deepEqual(left.ns, [`${lab.prefix}h`]);
    assert.ok(left.pids.includes(p.pid), `pids ${left.pids} lack ${p.pid}`);
    assert.equal(left.dirs.length, 1);
    await removeLeftovers(left);
    assert.ok(await waitFor(async () => JSON.stringify(await findLeftovers(id)) === JSON.stringify({ ns: [], pids: [], dirs: [] }), 3000));
  } finally {
    if (saved === undefined) delete process.env[SUITE_ENV];
    else process.env[SUITE_ENV] = saved;
    await lab?.close().catch(() => undefined);
  }
});
