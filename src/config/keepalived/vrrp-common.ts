// Config layer (pure): pieces of the VRRP grammar shared by instances, sync groups, scripts and
// global_defs: named blocks, track_* entry blocks, notify commands, block walking with typo hints.
import { FILE_WEIGHT_MAX, WEIGHT_MAX, type TrackInterface, type TrackScriptRef } from '../model/vrrp.js';
import type { Token } from '../source.js';
import { suggest, type ParseContext } from './context.js';
import type { Stmt } from './tree.js';
import { readCommand } from './command.js';

/** The single name of `vrrp_instance NAME {`, `vrrp_script NAME {`, ... */
export function blockName(s: Stmt, ctx: ParseContext): Token | undefined {
  if (s.args.length !== 1) {
    ctx.diags.error('missing-argument', `'${s.kw.text}' needs exactly one name; the block is ignored`, s.kw.loc);
    return undefined;
  }
  return s.args[0];
}

/**
 * Add a named block to its list unless the name is taken: keepalived reports "already defined"
 * and skips the whole block, so the first definition stays.
 */
export function addNamed<T extends { name: string }>(list: T[], item: T, nameTok: Token, ctx: ParseContext, what: string): boolean {
  const prev = list.find((x) => x.name === item.name);
  if (prev) {
    const at = ctx.locs.get(prev, 'name');
    ctx.diags.error('duplicate-name', `${what} ${item.name} is already defined${at ? ` at line ${at.line}` : ''}; keepalived ignores this block`, nameTok.loc);
    return false;
  }
  list.push(item);
  ctx.at(item, '', nameTok.loc);
  ctx.at(item, 'name', nameTok.loc);
  return true;
}

/** Set a notify command field, keeping the first one as keepalived does. */
export function setCommand<T extends object>(obj: T, field: keyof T & string, s: Stmt, ctx: ParseContext): void {
  if ((obj as Record<string, unknown>)[field] !== undefined) {
    const at = ctx.locs.get(obj, field);
    ctx.diags.warn('duplicate-keyword', `'${s.kw.text}' set again${at ? ` (first at line ${at.line})` : ''}; keepalived keeps the first script`, s.kw.loc);
    return;
  }
  const cmd = readCommand(s, ctx);
  if (!cmd) return;
  (obj as Record<string, unknown>)[field] = cmd;
  ctx.at(obj, field, s.kw.loc);
}

export type TrackKind = 'track_interface' | 'track_script' | 'track_file' | 'track_process' | 'track_bfd';

/**
 * A `track_*` block: one `NAME [weight W [reverse|noreverse]]` per line (keepalived's alloc_track_*).
 * Bad entries are reported and skipped, as keepalived skips them.
 */
export function readTrackBlock(s: Stmt, ctx: ParseContext, kind: TrackKind, owner: string): TrackScriptRef[] {
  const out: TrackScriptRef[] = [];
  const fileLike = kind === 'track_file' || kind === 'track_process';
  const max = fileLike ? FILE_WEIGHT_MAX : WEIGHT_MAX;
  const what = kind.replace('_', ' ');
  for (const e of s.block ?? []) {
    const name = e.kw.text;
    if (e.block) ctx.diags.warn('unexpected-block', `${what} ${name}: a tracked entry takes no block; the block is ignored`, e.blockLoc ?? e.kw.loc);
    if (out.some((x) => x.name === name)) {
      ctx.diags.warn('duplicate-entry', `(${owner}) duplicate ${kind} ${name}; ignored`, e.kw.loc);
      continue;
    }
    const ref: TrackScriptRef = { name };
    ctx.at(ref, '', e.kw.loc);
    ctx.at(ref, 'name', e.kw.loc);
    const [w, val, rev, ...extra] = e.args;
    if (w) {
      if (w.text !== 'weight') {
        ctx.diags.warn('unknown-option', `(${owner}) unknown ${what} option '${w.text}' for ${name}; the entry is ignored`, w.loc);
        continue;
      }
      if (!val) {
        ctx.diags.warn('missing-argument', `(${owner}) 'weight' without a value for ${what} ${name}; the entry is ignored`, w.loc);
        continue;
      }
      const n = /^[+-]?\d+$/.test(val.text) ? Number(val.text) : NaN;
      // keepalived reads -254..254 and turns +/-254 into +/-253 where the limit is 253.
      if (Number.isNaN(n) || Math.abs(n) > FILE_WEIGHT_MAX) {
        ctx.diags.error('out-of-range', `(${owner}) weight ${val.text} of ${what} ${name} is out of range [-${max}, ${max}]; ignored`, val.loc);
      } else if (Math.abs(n) > max) {
        ctx.diags.warn('weight-clamped', `(${owner}) weight of ${name} cannot be ${n}; using ${n > 0 ? max : -max}`, val.loc);
        ref.weight = n > 0 ? max : -max;
      } else ref.weight = n;
      if (ref.weight !== undefined) ctx.at(ref, 'weight', w.loc);
      if (rev) {
        if (rev.text === 'reverse') ref.reverse = true;
        else if (rev.text === 'noreverse' && kind !== 'track_interface') ref.reverse = false;
        else ctx.diags.warn('unknown-option', `(${owner}) unknown ${kind} ${name} weight option '${rev.text}'; ignored`, rev.loc);
        if (ref.reverse !== undefined && ref.weight === undefined) delete ref.reverse;
      }
      if (extra.length) ctx.diags.warn('extra-arguments', `(${owner}) extra words after ${what} ${name} ignored: ${extra.map((x) => x.text).join(' ')}`, (extra[0] as Token).loc);
    }
    out.push(ref);
  }
  return out;
}

/** Emit-side words of a track entry. */
export function trackEntryWords(t: TrackScriptRef | TrackInterface): string[] {
  const out = [t.name];
  if (t.weight !== undefined) {
    out.push('weight', String(t.weight));
    if (t.reverse === true) out.push('reverse');
    else if (t.reverse === false) out.push('noreverse');
  }
  return out;
}

/** The words of a `{ }` value block (notification_email, group): every word of every line. */
export function valueBlock(s: Stmt, ctx: ParseContext): Token[] {
  const out: Token[] = [];
  for (const e of s.block ?? []) {
    out.push(e.kw, ...e.args);
    if (e.block) ctx.diags.warn('unexpected-block', `'${e.kw.text}' in ${s.kw.text}: a nested block is ignored`, e.blockLoc ?? e.kw.loc);
  }
  return out;
}

/** A plain integer argument with keepalived's range, or undefined after an error. */
export function intArg(s: Stmt, ctx: ParseContext, min: number, max: number, what = s.kw.text): number | undefined {
  return ctx.int(ctx.arg(s), what, { min, max });
}

/** `did you mean` for a word in a fixed set. */
export function hint(word: string, known: readonly string[]): string {
  const h = suggest(word, known);
  return h ? ` (did you mean '${h}'?)` : '';
}
