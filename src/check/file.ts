// OS edge: FILE_CHECK. The number in a track file (keepalived trackers/track_file.c) sets the
// real server's state and weight: with weight 0, any non-zero value is a failure (reversed:
// zero is); otherwise value * weight (negated with reverse) is added to the weight, and at or
// below -IPVS_WEIGHT_MAX the server is in fault. A missing or empty file reads as 0; a number
// out of range is ignored. The file's folder is watched so a change applies at once.
import { watch, type FSWatcher } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { IPVS_WEIGHT_MAX } from './aggregate.js';
import { fail, ok, type Checker, type Deadline, type ProbeResult } from './types.js';

/** C strtol(s, NULL, 0) on the first bytes of the file: sign, 0x hex, leading-0 octal, decimal. */
export function strtol0(s: string): number | undefined {
  const m = /^[\t\n\v\f\r ]*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)/.exec(s);
  if (!m) return 0;
  const sign = m[1] === '-' ? -1 : 1;
  const d = m[2] as string;
  const v = /^0[xX]/.test(d) ? parseInt(d.slice(2), 16) : d.length > 1 && d.startsWith('0') ? parseInt(d, 8) : parseInt(d, 10);
  const n = sign * v;
  return n < -2147483648 || n > 2147483647 ? undefined : n;
}

/** The weight effect of `value`: 'fault', or a delta (0 = no change). */
export function fileStatus(value: number, weight: number, reverse: boolean): 'fault' | number {
  if (weight === 0) return (value !== 0) !== reverse ? 'fault' : 0;
  const s = Math.max(-IPVS_WEIGHT_MAX, Math.min(IPVS_WEIGHT_MAX - 1, value * weight * (reverse ? -1 : 1)));
  return s <= -IPVS_WEIGHT_MAX ? 'fault' : s;
}

export class FileChecker implements Checker {
  readonly type = 'FILE_CHECK';
  readonly key: string;
  readonly target: string;
  readonly budgetMs = 1000;
  private last = 0;
  private watcher?: FSWatcher;

  constructor(
    private readonly path: string,
    private readonly weight: number,
    private readonly reverse: boolean,
  ) {
    this.target = `FILE_CHECK ${path}`;
    this.key = ['FILE_CHECK', path, weight, reverse].join('|');
  }

  async read(): Promise<number> {
    let text = '';
    try {
      const fh = await open(this.path, 'r');
      try {
        const b = Buffer.alloc(127);
        const { bytesRead } = await fh.read(b, 0, 127, 0);
        text = b.subarray(0, bytesRead).toString('latin1');
      } finally {
        await fh.close();
      }
    } catch {
      text = ''; // missing or unreadable: 0, as keepalived
    }
    const v = strtol0(text);
    if (v !== undefined) this.last = v;
    return this.last;
  }

  async probe(_signal: AbortSignal, _deadline: Deadline): Promise<ProbeResult> {
    const v = await this.read();
    const s = fileStatus(v, this.weight, this.reverse);
    if (s === 'fault') return fail('file', `${this.path}: value ${v} is a fault (weight ${this.weight}${this.reverse ? ' reverse' : ''})`);
    return ok(`${this.path}: value ${v}`, { weight: s, weightMode: 'delta' });
  }

  /** Calls `onChange` when the file is written, replaced or removed; returns a stop function. */
  watch(onChange: () => void): () => void {
    const name = basename(this.path);
    try {
      this.watcher = watch(dirname(this.path), { persistent: false }, (_ev, f) => {
        if (f === null || f === name) onChange();
      });
      this.watcher.on('error', () => undefined);
    } catch {
      /* no folder to watch: the periodic read still runs */
    }
    return () => this.close();
  }

  close(): void {
    this.watcher?.close();
    this.watcher = undefined;
  }
}
