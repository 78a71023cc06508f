// OS edge: the JavaScript side of the native stream probes (native/lvsd_stream.h), shared by
// every TCP_CHECK and HTTP_GET of the process. Gives each probe an id (a slot and a generation,
// unique among the probes in flight), queues it for the worker thread (one wake-up per event
// loop turn, not per probe), keeps its deadline in an allocation-free heap on one coarse timer,
// and hands each finished probe to its sink. A probe past its deadline is cancelled in the
// worker and its sink told at once; its slot is reused only once the worker has reported it.
// Deadlines of probes that ended are dropped from the head of the heap as results come in, so
// the timer wakes for deadlines that can still pass, not every few ms for ones that cannot.
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { isLinkLocal6, type ConnectionOptions } from './connect.js';
import { probesAddon, type ProbesAddon } from './native.js';
import { TimerHeap } from './timer-queue.js';

export const STAGE_CONNECT = 0;
export const STAGE_SEND = 1;
export const STAGE_READ = 2;

/** Where one probe's outcome goes. */
export interface StreamSink {
  /** A piece of a response longer than the worker's chunk; more follows. */
  data(buf: Buffer, start: number, end: number): void;
  /**
   * The probe ended: errno 0 (connected, for a connect-only probe; the response ended by
   * EOF or its Content-Length), or the errno of the stage it failed in; with the last bytes, how
   * long (ms) it waited for the worker thread before its connect, and how long it took from
   * there (ms, as the worker measured it: no delivery delay in it).
   */
  end(errno: number, stage: number, buf: Buffer | undefined, start: number, end: number, waitMs: number, runMs: number): void;
  /** The deadline passed first; the probe is cancelled. */
  expired(): void;
}

/** Deadlines fire on a grid this coarse: probes ending together share one timer wake-up. */
const DEADLINE_GRID_MS = 5;
/** Probes ended by their deadline per timer wake-up; more wait for the next turn of the loop. */
const MAX_EXPIRED = 256;
const SLOT_BITS = 20;
const SLOT_MASK = (1 << SLOT_BITS) - 1;

export class StreamEngine {
  private readonly handle: unknown;
  private readonly sinks: (StreamSink | undefined)[] = [];
  /** Id in flight per slot (0: free); the generation is kept when the slot is freed. */
  private readonly ids: number[] = [];
  private readonly gens: number[] = [];
  private readonly freeSlots: number[] = [];
  private readonly deadlines = new TimerHeap<StreamSink>();
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private flushDue = false;
  private readonly flushFn = (): void => {
    this.flushDue = false;
    this.a.streamFlush(this.handle);
  };
  private readonly fireFn = (): void => this.fire();
  /** Probes submitted and not yet reported by the worker. */
  inFlight = 0;

  constructor(
    private readonly a: ProbesAddon,
    /** Worker threads (a probe goes to the one of its slot). */
    readonly workers = defaultWorkers(),
  ) {
    this.handle = a.streamOpen((ids, info, offs, data) => this.onDone(ids, info, offs, data), workers);
  }

  /**
   * Starts a probe to `c` (with `request`: send it and read the response; without: connect
   * only), ending by `deadline` (performance.now() scale). Returns its id, or -errno when an
   * address does not parse (nothing started, the sink is not called).
   */
  submit(sink: StreamSink, c: ConnectionOptions, request: Buffer | undefined, deadline: number): number {
    const slot = this.freeSlots.pop() ?? this.sinks.length;
    const gen = (((this.gens[slot] ?? 0) + 1) & 0xfff) || 1;
    const id = ((gen << SLOT_BITS) | slot) >>> 0;
    const scope = c.bind_if && (isLinkLocal6(c.address) || (c.bindto !== undefined && isLinkLocal6(c.bindto))) ? c.bind_if : '';
    const rc = this.a.streamSubmit(this.handle, id, c.address, c.port, c.bindto ?? '', c.bind_port ?? 0, scope, request);
    if (rc < 0) {
      this.freeSlots.push(slot);
      return rc;
    }
    this.gens[slot] = gen;
    this.ids[slot] = id;
    this.sinks[slot] = sink;
    if (this.inFlight++ === 0) this.timer?.ref();
    this.deadlines.push(deadline, sink, id);
    if (deadline < this.timerAt) this.arm(deadline);
    this.scheduleFlush();
    return id;
  }

  /** Ends probe `id` from outside (abort): its sink hears nothing more. */
  cancel(id: number): void {
    const slot = id & SLOT_MASK;
    if (this.ids[slot] !== id || this.sinks[slot] === undefined) return;
    this.sinks[slot] = undefined;
    this.a.streamCancel(this.handle, id);
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushDue) return;
    this.flushDue = true;
    queueMicrotask(this.flushFn);
  }

  private onDone(ids: Uint32Array, info: Int32Array, offs: Uint32Array, data: Buffer | undefined): void {
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i] as number;
      const slot = id & SLOT_MASK;
      if (this.ids[slot] !== id) continue;
      const sink = this.sinks[slot];
      const start = offs[i] as number;
      const end = offs[i + 1] as number;
      if (info[5 * i + 2] === 1) {
        if (sink && data) sink.data(data, start, end);
        continue;
      }
      // Final: the slot is free before the sink runs (it may start the next probe at once).
      this.ids[slot] = 0;
      this.sinks[slot] = undefined;
      this.freeSlots.push(slot);
      if (--this.inFlight === 0) this.timer?.unref();
      sink?.end(info[5 * i] as number, info[5 * i + 1] as number, data, start, end, (info[5 * i + 3] as number) / 1000, (info[5 * i + 4] as number) / 1000);
    }
    this.dropEnded();
  }

  /** Pops the deadlines of probes that already ended from the head of the heap. */
  private dropEnded(): void {
    const h = this.deadlines;
    if (this.inFlight === 0) return h.clear();
    for (let item = h.peekItem(); item !== undefined; item = h.peekItem()) {
      const id = h.peekTag();
      const slot = id & SLOT_MASK;
      if (this.ids[slot] === id && this.sinks[slot] === item) return;
      h.pop();
    }
  }

  private arm(at: number): void {
    const grid = Math.ceil(at / DEADLINE_GRID_MS) * DEADLINE_GRID_MS;
    if (this.timer !== undefined) {
      if (grid >= this.timerAt) return;
      clearTimeout(this.timer);
    }
    this.timerAt = grid;
    this.timer = setTimeout(this.fireFn, Math.max(0, grid - performance.now()));
    // Only probes in flight keep the process alive, not the stale deadlines of finished ones.
    if (this.inFlight === 0) this.timer.unref();
  }

  private fire(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = performance.now();
    const h = this.deadlines;
    let n = 0;
    while (h.peekAt() <= now && n < MAX_EXPIRED) {
      h.pop();
      const id = h.poppedTag;
      const slot = id & SLOT_MASK;
      const sink = h.poppedItem as StreamSink;
      // Entries of probes that already ended are stale: skipped here, never searched for.
      if (this.ids[slot] !== id || this.sinks[slot] !== sink) continue;
      this.sinks[slot] = undefined;
      this.a.streamCancel(this.handle, id);
      this.scheduleFlush();
      n++;
      sink.expired();
    }
    this.dropEnded();
    if (h.size > 0) this.arm(h.peekAt());
  }
}

/**
 * One worker thread; LVSD_STREAM_WORKERS (1-4, at most the CPUs there are) sets more. A second
 * worker did not lower the lateness at 10,000 TCP probes a second on two CPUs (the tail came
 * from other processes taking both CPUs, which delays any number of workers), so one it is.
 */
export function defaultWorkers(): number {
  const env = Number(process.env.LVSD_STREAM_WORKERS);
  if (Number.isInteger(env) && env >= 1 && env <= 4) return Math.min(env, Math.max(1, availableParallelism()));
  return 1;
}

let engine: StreamEngine | null | undefined;

/** The process's stream engine, or undefined without the addon (or an addon built before it). */
export function streamEngine(): StreamEngine | undefined {
  if (engine === undefined) {
    const a = probesAddon();
    engine = a && typeof a.streamOpen === 'function' ? new StreamEngine(a) : null;
  }
  return engine ?? undefined;
}
