// Pure data structure: a min-heap of due times with stable order for equal times, so the pool
// keeps one armed timer for thousands of checkers instead of one per checker.

export interface Entry<T> {
  at: number;
  seq: number;
  item: T;
}

export class TimerQueue<T> {
  private readonly heap: Entry<T>[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  push(at: number, item: T): void {
    const e: Entry<T> = { at, seq: this.seq++, item };
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(e, h[p] as Entry<T>)) break;
      h[i] = h[p] as Entry<T>;
      i = p;
    }
    h[i] = e;
  }

  peek(): Entry<T> | undefined {
    return this.heap[0];
  }

  pop(): Entry<T> | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (!top || !last || h.length === 0) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= h.length) break;
      const r = l + 1;
      const c = r < h.length && less(h[r] as Entry<T>, h[l] as Entry<T>) ? r : l;
      if (!less(h[c] as Entry<T>, last)) break;
      h[i] = h[c] as Entry<T>;
      i = c;
    }
    h[i] = last;
    return top;
  }

  clear(): void {
    this.heap.length = 0;
  }
}

function less<T>(a: Entry<T>, b: Entry<T>): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
