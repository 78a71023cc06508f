// Runtime definitions (interfaces only): what the VRRP runtime needs besides the kernel ports of
// src/net/ports.ts: a monotonic clock with timers, the shared script runner, and a file reader.
// Production wires real ones (runtime/real-ports.ts); unit tests inject fakes.

/** A monotonic clock in milliseconds with one-shot timers (production: performance.now + setTimeout). */
export interface Clock {
  now(): number;
  /** Call `fn` once, `delayMs` from now (never before). */
  setTimer(fn: () => void, delayMs: number): TimerHandle;
  clearTimer(h: TimerHandle): void;
}

export type TimerHandle = { readonly id: number } | object;

/** The options of src/exec/run.ts `runScript` (the shared script runner). */
export interface RunScriptOptions {
  argv?: string[];
  command?: string;
  timeoutMs: number;
  user?: string;
  group?: string;
  signal?: AbortSignal;
  maxOutputBytes?: number;
}

export interface RunScriptResult {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  durationMs: number;
  output: string;
  /** The program could not be started (ENOENT, EACCES, unknown user). */
  error?: { message: string };
}

/** Runs one script to completion or its deadline (the whole process group is killed at the deadline). */
export type ScriptRunner = (o: RunScriptOptions) => Promise<RunScriptResult>;

/** Reads a small text file (track_file); undefined when it does not exist or cannot be read. */
export interface FileAccess {
  read(path: string): string | undefined;
  /** init_file: write `text` (creating the file). */
  write(path: string, text: string): void;
}
