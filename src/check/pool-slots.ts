// Pure data structure: the pool's concurrency bound for one class of probes (network probes,
// scripts): a count of slots in use and a queue of what waits for one. A counter and an array,
// not p-limit: p-limit wraps every call in a promise and closures, an allocation per probe; a
// unit of the pool runs one probe at a time, so the queue holds units and allocates nothing.

/** A concurrency class: slots in use, and the units waiting for one, in order. */
export class Slots<U> {
  active = 0;
  private readonly waiting: U[] = [];
  private head = 0;
  constructor(readonly max: number) {}
  get pending(): number {
    return this.waiting.length - this.head;
  }
  enqueue(u: U): void {
    this.waiting.push(u);
  }
  dequeue(): U | undefined {
    if (this.head >= this.waiting.length) return undefined;
    const u = this.waiting[this.head] as U;
    this.waiting[this.head++] = undefined as unknown as U;
    if (this.head === this.waiting.length) this.waiting.length = this.head = 0;
    return u;
  }
  clear(): void {
    this.waiting.length = this.head = 0;
  }
}
