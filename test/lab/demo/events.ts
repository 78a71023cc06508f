// Lab demo (pure): the line protocol between the demo's program inside UML and the host side:
// one JSON object per stdout line after a fixed marker; every other line is plain output.
import type { Status } from './report.js';

export const EVENT_MARK = '@@lvsd-demo ';

/** The steps the program inside UML runs, by number, with their names in the report. */
export const UML_STEPS: Readonly<Record<number, string>> = { 2: 'election, IPVS tables', 3: 'steady traffic', 4: 'crash and takeover', 5: 'sorry server', 6: 'metrics' };

export type DemoEvent =
  /** A step starts (the host prints its progress line). */
  | { t: 'begin'; n: number; title: string }
  /** Detail text of the running step. */
  | { t: 'say'; n: number; text: string }
  /** A step ends with its verdict and figures. */
  | { t: 'end'; n: number; name: string; status: Status; figures: string }
  /** The guest's teardown: lvsd stopped, tables empty, lab closed. */
  | { t: 'cleanup'; ok: boolean; text: string };

export function formatEvent(e: DemoEvent): string {
  return `${EVENT_MARK}${JSON.stringify(e)}`;
}

/** The event on `line`, or undefined for plain output. */
export function parseEvent(line: string): DemoEvent | undefined {
  if (!line.startsWith(EVENT_MARK)) return undefined;
  try {
    const e = JSON.parse(line.slice(EVENT_MARK.length)) as DemoEvent;
    return typeof e === 'object' && e !== null && typeof e.t === 'string' ? e : undefined;
  } catch {
    return undefined;
  }
}
