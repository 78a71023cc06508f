// Pure data structures: min-heaps of due times with stable order for equal times, so the pool
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

/**
 * The same min-heap kept in parallel arrays: due time, insertion order, item and a numeric tag
 * (a generation, say) per entry. Pushing and popping allocate nothing (JavaScript arrays of
 * numbers hold them unboxed), so an entry that waits a whole delay_loop leaves no object behind
 * for the garbage collector to copy and promote: the pool pushes one entry per probe.
 */
export class TimerHeap<T> {
  private readonly at: number[] = [];
  private readonly seq: number[] = [];
  private readonly tag: number[] = [];
  private readonly item: T[] = [];
  private n = 0;
  private nextSeq = 0;
  /** Item and tag of the entry the last pop() removed. */
  poppedItem: T | undefined;
  poppedTag = 0;

  get size(): number {
    return this.n;
  }

  /** Due time of the first entry, or Infinity when empty. */
  peekAt(): number {
    return this.n > 0 ? (this.at[0] as number) : Infinity;
  }

  /** Item and tag of the first entry (undefined / 0 when empty). */
  peekItem(): T | undefined {
    return this.n > 0 ? this.item[0] : undefined;
  }

  peekTag(): number {
    return this.n > 0 ? (this.tag[0] as number) : 0;
  }

  push(at: number, item: T, tag = 0): void {
    const s = this.nextSeq++;
    let i = this.n++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pa = this.at[p] as number;
      if (pa < at || (pa === at && (this.seq[p] as number) < s)) break;
      this.move(p, i);
      i = p;
    }
    this.set(i, at, s, tag, item);
  }

  /** Removes the first entry into poppedItem / poppedTag; false when empty. */
  pop(): boolean {
    if (this.n === 0) return false;
    this.poppedItem = this.item[0];
    this.poppedTag = this.tag[0] as number;
    const last = --this.n;
    const at = this.at[last] as number;
    const s = this.seq[last] as number;
    const tag = this.tag[last] as number;
    const item = this.item[last] as T;
    this.item[last] = undefined as T; // no reference kept past the end
    if (last === 0) return true;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= last) break;
      const r = l + 1;
      const c = r < last && this.before(r, l) ? r : l;
      const ca = this.at[c] as number;
      if (ca > at || (ca === at && (this.seq[c] as number) > s)) break;
      this.move(c, i);
      i = c;
    }
    this.set(i, at, s, tag, item);
    return true;
  }

  clear(): void {
    this.at.length = this.seq.length = this.tag.length = this.item.length = 0;
    this.n = 0;
    this.poppedItem = undefined;
  }

  private before(a: number, b: number): boolean {
    const x = this.at[a] as number;
    const y = this.at[b] as number;
    return x < y || (x === y && (this.seq[a] as number) < (this.seq[b] as number));
  }

  private move(from: number, to: number): void {
    this.at[to] = this.at[from] as number;
    this.seq[to] = this.seq[from] as number;
    this.tag[to] = this.tag[from] as number;
    this.item[to] = this.item[from] as T;
  }

  private set(i: number, at: number, s: number, tag: number, item: T): void {
    this.at[i] = at;
    this.seq[i] = s;
    this.tag[i] = tag;
    this.item[i] = item;
  }
}
