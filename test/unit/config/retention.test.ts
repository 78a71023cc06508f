// Memory test: the model read from keepalived.conf does not keep the file's text alive. V8 keeps a
// substring of 13+ characters as a view into its source, so a long address taken straight from
// an 18 MB file would pin all of it for as long as the daemon holds the model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parseKeepalivedText } from '../../../src/config/keepalived/parse.js';
import type { ConfigModel } from '../../../src/config/model/index.js';
import { memFs } from './memfs.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

test('after parsing, dropping the file text frees it: long model strings are copies, not views', () => {
  // 20 MB of comment, then real servers whose addresses (13+ characters) become model strings,
  // on a plain line and on a line that takes the general path (a trailing comment).
  const pad = `# ${'x'.repeat(20_000_000)}\n`;
  const servers = Array.from({ length: 50 }, (_, i) => `  real_server 172.16.100.${100 + i} 8080 {${i % 2 ? ' # odd' : ''}\n    weight 1\n  }`).join('\n');
  let text: string | undefined = `${pad}virtual_server 10.0.0.1 80 {\n  lvs_sched rr\n  lvs_method DR\n  protocol TCP\n${servers}\n}\n`;
  const before = heapAfterGc();
  const model: ConfigModel = parseKeepalivedText(text, '/big.conf', memFs({}), { configId: 'x' }).model;
  text = undefined;
  // V8 remembers the subject of the last regular expression match (RegExp.input): a line of the
  // file. Match once on something else, as any later code would.
  /x/.test('y');
  const grown = heapAfterGc() - before;
  const rs = model.virtual_servers[0]?.real_servers ?? [];
  assert.equal(rs.length, 50);
  assert.equal(rs[49]?.address, '172.16.100.149');
  // The text was created before `before` was taken, so dropping it should leave the heap below
  // where it started; keeping it would leave ~20 MB more.
  assert.ok(grown < 5_000_000, `heap grew by ${(grown / 1e6).toFixed(1)} MB after the text was dropped`);
});
