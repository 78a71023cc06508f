// The pool's allocation-free timer heap: pops in due order, equal times in push order, with each
// entry's tag, against a plain sort; interleaved pushes and pops as the pool makes them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TimerHeap } from '../../../src/check/timer-queue.js';

test('property: pops come out sorted by time, then by push order, with their items and tags', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 50 }), fc.boolean()), { maxLength: 300 }), (ops) => {
      const h = new TimerHeap<{ n: number }>();
      const model: { at: number; n: number }[] = [];
      let n = 0;
      for (const [at, popToo] of ops) {
        h.push(at, { n }, n * 3);
        model.push({ at, n });
        n++;
        if (popToo) {
          model.sort((a, b) => a.at - b.at || a.n - b.n);
          const want = model.shift() as { at: number; n: number };
          assert.equal(h.peekAt(), want.at);
          assert.equal(h.pop(), true);
          assert.equal(h.poppedItem?.n, want.n);
          assert.equal(h.poppedTag, want.n * 3);
        }
      }
      model.sort((a, b) => a.at - b.at || a.n - b.n);
      assert.equal(h.size, model.length);
      for (const want of model) {
        assert.equal(h.pop(), true);
        assert.equal(h.poppedItem?.n, want.n);
      }
      assert.equal(h.pop(), false);
      assert.equal(h.peekAt(), Infinity);
    }),
    { numRuns: 300 },
  );
});

test('clear empties the heap; it is usable again', () => {
  const h = new TimerHeap<string>();
  h.push(5, 'a');
  h.push(1, 'b');
  h.clear();
  assert.equal(h.size, 0);
  assert.equal(h.peekAt(), Infinity);
  h.push(3, 'c', 7);
  assert.equal(h.pop(), true);
  assert.equal(h.poppedItem, 'c');
  assert.equal(h.poppedTag, 7);
});
