// Lab demo (pure): the client's steady traffic as the demo reads it back: one record per request
// (which VIP, when sent, when it ended, who answered, through which MAC the client sent it),
// requests sent / answered / failed per second, and what a takeover cost (time to the first
// request answered through the other director, requests lost on the way).

/** One request of the traffic generator (guest/traffic.ts), as printed on its `r ` lines. */
export interface Req {
  /** Index of the VIP in the generator's URL list. */
  v: number;
  /** Wall-clock ms when the request was started, and when it ended (answer, error or deadline). */
  s: number;
  e: number;
  /** The real server that answered (its `x-real-server` header); absent on failure. */
  srv?: string;
  /** Why the request failed; absent when it was answered. */
  err?: string;
  /** The client's neighbour entry for the VIP when the request left (the director it went to). */
  mac?: string;
}

export const REQ_MARK = 'r ';

export function formatReq(r: Req): string {
  return `${REQ_MARK}${JSON.stringify(r)}`;
}

/** The request on a generator output line, or undefined for any other line. */
export function parseReq(line: string): Req | undefined {
  if (!line.startsWith(REQ_MARK)) return undefined;
  try {
    const r = JSON.parse(line.slice(REQ_MARK.length)) as Req;
    return typeof r.v === 'number' && typeof r.s === 'number' && typeof r.e === 'number' ? r : undefined;
  } catch {
    return undefined;
  }
}

export const answered = (r: Req): boolean => r.err === undefined;

export interface SecondRow {
  /** Start of the second, ms relative to the origin given to perSecond. */
  at: number;
  sent: number[];
  answered: number[];
  failed: number[];
}

/**
 * Requests grouped by the second they were sent in, for `vips` VIPs, over [from, to) in ms of
 * wall clock, seconds counted from `origin` (so the second starting at the kill is at = 0).
 */
export function perSecond(reqs: readonly Req[], vips: number, origin: number, from: number, to: number): SecondRow[] {
  const first = Math.floor((from - origin) / 1000);
  const last = Math.ceil((to - origin) / 1000);
  const rows: SecondRow[] = [];
  for (let k = first; k < last; k++) rows.push({ at: k * 1000, sent: Array(vips).fill(0), answered: Array(vips).fill(0), failed: Array(vips).fill(0) });
  for (const r of reqs) {
    if (r.s < from || r.s >= to || r.v >= vips) continue;
    const row = rows[Math.floor((r.s - origin) / 1000) - first];
    if (!row) continue;
    row.sent[r.v]! += 1;
    if (answered(r)) row.answered[r.v]! += 1;
    else row.failed[r.v]! += 1;
  }
  return rows;
}

/** The per-second rows as a small table: one column group (sent / answered / failed) per VIP. */
export function formatPerSecond(rows: readonly SecondRow[], names: readonly string[], mark?: (row: SecondRow) => string): string {
  const head = `  second  ${names.map((n) => `${n.padEnd(22)}`).join('')}`;
  const sub = `          ${names.map(() => 'sent answ fail         ').join('')}`;
  const lines = rows.map((r) => {
    const t = `${r.at >= 0 ? '+' : ''}${(r.at / 1000).toFixed(0)}`.padStart(6);
    const cols = names.map((_, i) => `${String(r.sent[i]).padStart(4)} ${String(r.answered[i]).padStart(4)} ${String(r.failed[i]).padStart(4)}         `).join('');
    return `  ${t}  ${cols}${mark ? mark(r) : ''}`.trimEnd();
  });
  return [head.trimEnd(), sub.trimEnd(), ...lines].join('\n');
}

/** Answers per real server (and failures under "failed") among requests to VIP `v` sent in [from, to). */
export function servedBy(reqs: readonly Req[], v: number, from = -Infinity, to = Infinity): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of reqs) {
    if (r.v !== v || r.s < from || r.s >= to) continue;
    const k = answered(r) ? r.srv || '?' : 'failed';
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}

export function fmtCounts(c: Record<string, number>): string {
  const e = Object.entries(c).sort(([a], [b]) => a.localeCompare(b));
  return e.length ? e.map(([k, n]) => `${k} ${n}`).join(', ') : 'none';
}

export interface TakeoverCost {
  /** The first request to the VIP sent after the kill and answered through the new director. */
  first?: Req;
  /** ms from the kill to that answer. */
  firstAnswerMs?: number;
  /** Requests to the VIP that failed, among those in flight at the kill or sent before `first`. */
  lost: number;
  /** Requests to the VIP sent in that window (lost ones included). */
  sentInWindow: number;
  /** Failures of the VIP outside that window, up to `until` (there should be none). */
  strayFailures: number;
  /** The longest run of consecutive failures of the VIP (requests in send order). */
  longestGapMs: number;
  /** Send times of the first and the last lost request. */
  lostFrom?: number;
  lostTo?: number;
}

/**
 * What the takeover of VIP `v` cost: a request counts as through the new director when the
 * client's neighbour entry named `newMac` as it left. In flight at the kill = sent within
 * `timeoutMs` before it (the generator gives every request that deadline).
 */
export function takeoverCost(reqs: readonly Req[], v: number, killAt: number, newMac: string, timeoutMs: number, until: number): TakeoverCost {
  const mine = reqs.filter((r) => r.v === v && r.s < until).sort((a, b) => a.s - b.s);
  const first = mine.find((r) => r.s >= killAt && answered(r) && r.mac === newMac);
  const windowEnd = first ? first.s : until;
  const inWindow = (r: Req): boolean => r.s >= killAt - timeoutMs && r.s < windowEnd;
  const win = mine.filter(inWindow);
  const lostReqs = win.filter((r) => !answered(r));
  const lost = lostReqs.length;
  const strayFailures = mine.filter((r) => r.s >= killAt - timeoutMs && !inWindow(r) && !answered(r)).length;
  let longestGapMs = 0;
  let runStart: number | undefined;
  for (const r of mine) {
    if (!answered(r)) {
      runStart ??= r.s;
      longestGapMs = Math.max(longestGapMs, r.s - runStart);
    } else runStart = undefined;
  }
  const span = lost ? { lostFrom: lostReqs[0]!.s, lostTo: lostReqs[lost - 1]!.s } : {};
  return { ...(first ? { first, firstAnswerMs: first.e - killAt } : {}), lost, sentInWindow: win.length, strayFailures, longestGapMs, ...span };
}

/** Failed requests to VIP `v` sent in [from, to). */
export function failures(reqs: readonly Req[], v: number, from: number, to: number): number {
  return reqs.filter((r) => r.v === v && r.s >= from && r.s < to && !answered(r)).length;
}

/** The first request to VIP `v` sent at or after `from` and answered by `server`. */
export function firstAnsweredBy(reqs: readonly Req[], v: number, server: string, from: number): Req | undefined {
  return reqs
    .filter((r) => r.v === v && r.s >= from && answered(r) && r.srv === server)
    .sort((a, b) => a.s - b.s)[0];
}

/** Totals per VIP over every request: sent, answered, failed. */
export function totals(reqs: readonly Req[], vips: number): { sent: number; answered: number; failed: number }[] {
  return Array.from({ length: vips }, (_, v) => {
    const m = reqs.filter((r) => r.v === v);
    const a = m.filter(answered).length;
    return { sent: m.length, answered: a, failed: m.length - a };
  });
}
