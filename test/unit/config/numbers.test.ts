// Unit and property tests: the number readers of the keyword walker (int, num, seconds) give the
// same value or the same error for plain digit runs (read by a fast path) as for every other
// spelling (the general path): signs, leading zeros, decimals, exponents, long runs, padding.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ParseContext, type IntOpts } from '../../../src/config/keepalived/context.js';
import type { Token } from '../../../src/config/source.js';

const runs = Number(process.env.LVSD_PROPERTY_RUNS ?? 200);
const tok = (text: string): Token => ({ text, loc: { file: 'n.conf', line: 2, col: 9 }, quoted: true });

type Reader = 'int' | 'num' | 'seconds';
function read(kind: Reader, text: string, o?: IntOpts): [number | undefined, string[]] {
  const ctx = new ParseContext();
  const v = ctx[kind](tok(text), 'weight', o);
  return [v, ctx.diags.list.map((d) => `${d.code}: ${d.message} @${d.loc?.line}:${d.loc?.col}`)];
}

test('whole numbers: digit runs, signs, zeros, long runs, padding, non-ASCII digits', () => {
  const range = { min: 0, max: 65535 };
  assert.deepEqual(read('int', '0', range), [0, []]);
  assert.deepEqual(read('int', '007', range), [7, []]);
  assert.deepEqual(read('int', '65535', range), [65535, []]);
  assert.deepEqual(read('int', '65536', range), [undefined, ['out-of-range: weight 65536 is out of range [0, 65535] @2:9']]);
  assert.deepEqual(read('int', '+12', range), [12, []]);
  assert.deepEqual(read('int', '-1', range), [undefined, ['out-of-range: weight -1 is out of range [0, 65535] @2:9']]);
  assert.deepEqual(read('int', '123456789'), [123456789, []]);
  assert.deepEqual(read('int', '4294967295', { min: 0, max: 4294967295 }), [4294967295, []]);
  assert.deepEqual(read('int', '4294967296', { min: 0, max: 4294967295 }), [undefined, ['out-of-range: weight 4294967296 is out of range [0, 4294967295] @2:9']]);
  assert.deepEqual(read('int', ' 42 '), [42, []]);
  assert.deepEqual(read('int', '1.5'), [undefined, ["invalid-number: weight: '1.5' is not a whole number @2:9"]]);
  assert.deepEqual(read('int', ''), [undefined, ["invalid-number: weight: '' is not a whole number @2:9"]]);
  assert.deepEqual(read('int', '\u0663'), [undefined, ["invalid-number: weight: '\u0663' is not a whole number @2:9"]]);
  assert.deepEqual(read('int', '12a'), [undefined, ["invalid-number: weight: '12a' is not a whole number @2:9"]]);
});

test('decimals and timers: fractions, exponents, microsecond rounding, default minimum 0', () => {
  assert.deepEqual(read('num', '3'), [3, []]);
  assert.deepEqual(read('num', '.5'), [0.5, []]);
  assert.deepEqual(read('num', '5.'), [5, []]);
  assert.deepEqual(read('num', '1e3'), [1000, []]);
  assert.deepEqual(read('seconds', '6'), [6, []]);
  assert.deepEqual(read('seconds', '0.0000014'), [0.000001, []]);
  assert.deepEqual(read('seconds', '-1'), [undefined, ['out-of-range: weight -1 is out of range [0, inf] @2:9']]);
  assert.deepEqual(read('seconds', '7', { max: 5 }), [undefined, ['out-of-range: weight 7 is out of range [0, 5] @2:9']]);
  assert.deepEqual(read('seconds', 'x'), [undefined, ["invalid-number: weight: 'x' is not a number @2:9"]]);
});

test('any digit run reads as Number() of it, with the same range verdict, for every reader', () => {
  fc.assert(
    fc.property(fc.stringMatching(/^[0-9]{1,12}$/), fc.constantFrom<Reader>('int', 'num', 'seconds'), fc.nat(2 ** 32), (text, kind, max) => {
      const [v, errs] = read(kind, text, { min: 0, max });
      const want = Number(text);
      if (want <= max) assert.deepEqual([v, errs], [want, []]);
      else assert.deepEqual([v, errs], [undefined, [`out-of-range: weight ${text} is out of range [0, ${max}] @2:9`]]);
    }),
    { numRuns: runs },
  );
});
