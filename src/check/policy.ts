// Pure policy: the retry / delay_before_retry / delay_loop / warmup / alpha state machine of one
// checker, written once for every checker type. keepalived copies this logic into each
// check_*.c with small differences that change timing; lvsd keeps them as four "flavors" of
// one function so a migrated configuration times out, retries and recovers as it did:
//  - generic: check_tcp.c tcp_epilog (also check_udp.c, check_ping.c; check_dns.c dns_final
//    behaves the same in every reachable state)
//  - misc:    check_misc.c misc_check_child_thread (no retries while down; the next run is
//             timed from the start of the last one)
//  - smtp:    check_smtp.c smtp_final (each delay_loop cycle retries afresh, even while down)
//  - http:    check_http.c epilog / timeout_epilog (a server that went down needs the failed url
//             to pass and then a full pass: two successes to come back, the second immediately
//             with fast_recovery; while down it is probed every max(delay_before_retry, delay_loop))
// The state machine never reads a clock: `step` returns the delay to the next probe.

export type Flavor = 'generic' | 'misc' | 'smtp' | 'http';

export interface CheckerTiming {
  flavor: Flavor;
  delayLoopMs: number;
  delayBeforeRetryMs: number;
  /** Upper bound of the random delay before the first probe (0: probe at once). */
  warmupMs: number;
  /** Failed probes tolerated (retried) before the checker goes down. */
  retry: number;
  /** Start down until the first success. */
  alpha: boolean;
  /** HTTP_GET/SSL_GET fast_recovery: re-probe at once while coming up. */
  fastRecovery?: boolean;
}

export interface CheckerState {
  /** keepalived checker->is_up. */
  isUp: boolean;
  /** keepalived checker->has_run: a result has been reported to the real server. */
  hasRun: boolean;
  /** keepalived checker->retry_it: failures counted towards `retry`. */
  retryIt: number;
  /** HTTP: a failed url must pass before a full pass brings the checker up (failed_url). */
  failedPending: boolean;
}

/**
 * What a probe result means for the real server:
 *  - up / down: the checker changed state (keepalived update_svr_checker_state with a change);
 *  - initial-down: an alpha checker's first result confirms it down (keepalived runs the real
 *    server's notifiers then, once).
 */
export type CheckerEvent = 'up' | 'down' | 'initial-down';

export interface StepResult {
  state: CheckerState;
  event?: CheckerEvent;
  /** Delay before the next probe, ms. */
  delayMs: number;
  /** `start`: the delay counts from the start of the probe just made (MISC_CHECK); else from its end. */
  from: 'start' | 'end';
}

/**
 * check_data.c validate_check_config: an alpha checker starts failed; any checker starts with
 * retry_it = retry ("for non alpha mode, one failure is enough initially"). SMTP resets the
 * counter at every cycle start (smtp_start_check_thread), so it starts at 0.
 */
export function initialState(t: CheckerTiming): CheckerState {
  return { isUp: !t.alpha, hasRun: false, retryIt: t.flavor === 'smtp' ? 0 : t.retry, failedPending: false };
}

/** check_api.c register_checkers_thread: the first probe waits warmup * random(). */
export function firstDelay(t: CheckerTiming, random: () => number): number {
  return t.warmupMs > 0 ? Math.floor(t.warmupMs * random()) : 0;
}

/** keepalived update_svr_checker_state as seen by the checker: the event and has_run. */
function report(s: CheckerState, alive: boolean): CheckerEvent | undefined {
  if (s.isUp === alive) {
    const first = !s.hasRun;
    s.hasRun = true;
    // keepalived notifies when (alpha || !alive); with is_up == alive that is only a first
    // failure confirmed while already down.
    return first && !alive ? 'initial-down' : undefined;
  }
  s.isUp = alive;
  s.hasRun = true;
  return alive ? 'up' : 'down';
}

/**
 * True when `step(t, prev, ok)` changes nothing: a pass of a checker that is up, has run,
 * counts no failure and waits for no failed url (the steady state of every flavor but misc,
 * whose delay counts from the start). The next probe is then due delay_loop after this one's
 * end, with no event; the pool skips `step` and the objects it makes.
 */
export function steadyPass(t: CheckerTiming, prev: CheckerState, ok: boolean): boolean {
  return ok && prev.isUp && prev.hasRun && prev.retryIt === 0 && !prev.failedPending && t.flavor !== 'misc';
}

/** Applies one probe result. Pure: returns a new state. */
export function step(t: CheckerTiming, prev: CheckerState, ok: boolean): StepResult {
  const s: CheckerState = { ...prev };
  switch (t.flavor) {
    case 'generic': {
      let delayMs = t.delayLoopMs;
      let event: CheckerEvent | undefined;
      if (ok || ((s.isUp || !s.hasRun) && s.retryIt >= t.retry)) {
        s.retryIt = 0;
        if (ok && (!s.isUp || !s.hasRun)) event = report(s, true);
        else if (!ok && (s.isUp || !s.hasRun)) event = report(s, false);
      } else if (s.isUp) {
        delayMs = t.delayBeforeRetryMs;
        s.retryIt++;
      }
      return withEvent({ state: s, delayMs, from: 'end' }, event);
    }
    case 'misc': {
      let event: CheckerEvent | undefined;
      if (ok) {
        if (!s.isUp || !s.hasRun) event = report(s, true);
        s.retryIt = 0;
      } else if (s.isUp) {
        if (s.retryIt < t.retry) s.retryIt++;
        else {
          event = report(s, false);
          s.retryIt = 0;
        }
      }
      return withEvent({ state: s, delayMs: s.retryIt ? t.delayBeforeRetryMs : t.delayLoopMs, from: 'start' }, event);
    }
    case 'smtp': {
      let event: CheckerEvent | undefined;
      if (!ok) {
        if (++s.retryIt <= t.retry) return { state: s, delayMs: t.delayBeforeRetryMs, from: 'end' };
        if (s.isUp || !s.hasRun) event = report(s, false);
      } else {
        if (!s.isUp || !s.hasRun) event = report(s, true);
        s.hasRun = true;
      }
      s.retryIt = 0; // the next cycle starts afresh
      return withEvent({ state: s, delayMs: t.delayLoopMs, from: 'end' }, event);
    }
    case 'http': {
      let event: CheckerEvent | undefined;
      let delayMs: number;
      if (ok) {
        if (s.failedPending) {
          // The failed url passed: check every url again before coming up.
          s.failedPending = false;
        } else if (!s.isUp || !s.hasRun) {
          event = report(s, true);
        }
        s.retryIt = 0;
        delayMs = t.delayLoopMs;
      } else {
        if (s.isUp || !s.hasRun) {
          s.hasRun = true; // timeout_epilog marks the checker run before counting the retry
          if (++s.retryIt > t.retry) {
            if (s.isUp) event = report(s, false);
            s.failedPending = true;
          }
        }
        delayMs = s.failedPending ? Math.max(t.delayBeforeRetryMs, t.delayLoopMs) : t.delayBeforeRetryMs;
      }
      if (t.fastRecovery && (!s.hasRun || (!s.isUp && !s.failedPending))) delayMs = 0;
      return withEvent({ state: s, delayMs, from: 'end' }, event);
    }
  }
}

function withEvent(r: StepResult, e: CheckerEvent | undefined): StepResult {
  if (e) r.event = e;
  return r;
}

/**
 * The longest time from a fault (the server starts failing every probe) to the checker going
 * down, for a checker that is up and steady: the probe in flight when the fault came (it saw the
 * server still up; MISC_CHECK excepted, whose next run is timed from the previous start, so it
 * waits for the longer of the period and the run), the wait for the next probe, then retry + 1
 * failed probes each taking up to `probeMs`, separated by delay_before_retry. Used by tests and the side-by-side comparison to bound reaction times.
 */
export function worstDetectionMs(t: CheckerTiming, probeMs: number): number {
  const retries = t.retry;
  const between = t.flavor === 'misc' ? Math.max(t.delayBeforeRetryMs, probeMs) : t.delayBeforeRetryMs + probeMs;
  const wait = t.flavor === 'misc' ? Math.max(t.delayLoopMs, probeMs) : probeMs + t.delayLoopMs;
  return wait + probeMs + retries * between;
}

/**
 * The longest time from recovery (every probe passes) to the checker coming up again: the probe
 * in flight when the server recovered (it started while the server was still failing and fails;
 * MISC_CHECK excepted, whose next run is timed from the previous start, so it only waits for the
 * longer of the period and the run), the down-state period, the passing probe, and HTTP_GET's
 * second pass.
 */
export function worstRecoveryMs(t: CheckerTiming, probeMs: number): number {
  const downPeriod = t.flavor === 'http' || t.flavor === 'smtp' ? Math.max(t.delayBeforeRetryMs, t.delayLoopMs) : t.delayLoopMs;
  const wait = t.flavor === 'misc' ? Math.max(downPeriod, probeMs) : probeMs + downPeriod;
  const second = t.flavor === 'http' ? (t.fastRecovery ? probeMs : t.delayLoopMs + probeMs) : 0;
  return wait + probeMs + second;
}
