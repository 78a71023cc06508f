// Config layer (pure over an injected file system): turns keepalived.conf files into logical token
// lines, as keepalived's read_line() does: comments, `@id` / `@^id` conditional lines,
// `$NAME=value` definitions (multi-line with a trailing `\`), `$NAME` / `${NAME}` substitution,
// `~SEQ(var,start,step,end)` repetition and `include <glob>` relative to the including file.
import { ConfigError, Diagnostics } from '../diagnostics.js';
import type { SourceLoc, Token } from '../source.js';
import { scanPlainLine, stripComment, tokenize } from './lexer.js';

/** The file access the preprocessor needs; `nodeFileSystem` (fs.ts) is the real one. */
export interface ConfigFileSystem {
  /** Read a whole file as UTF-8; throw with a message on failure. */
  readFile(path: string): string;
  /**
   * Optional: read a file as UTF-8 in pieces, each made of whole lines (the last may lack its
   * newline), so a large file is never held whole; throw with a message on failure.
   */
  readChunks?(path: string, onChunk: (text: string) => void): void;
  /** Absolute, sorted paths of regular files matching a glob (absolute pattern). */
  glob(pattern: string): string[];
  /** Canonical path, to detect include loops. */
  realpath(path: string): string;
  dirname(path: string): string;
  resolve(dir: string, path: string): string;
}

export interface PreprocessOptions {
  /** `@id` lines apply when id equals this (keepalived's --config-id; default: short hostname). */
  configId?: string;
  /** Seed for $_RANDOM, for reproducible tests. */
  random?: () => number;
  /** Limit on generated lines (guards against ~SEQ / definition explosions). */
  maxLines?: number;
}

export interface LogicalLine {
  tokens: Token[];
}

interface Definition {
  lines: string[];
  builtin?: (params: number[]) => string;
}

const MAX_INCLUDE_DEPTH = 32;
const MAX_SUBST_ROUNDS = 64;

/** Where the reading of one file is: lines read so far, and a $definition still taking lines. */
interface TextState {
  lineNo: number;
  pendingDef: { name: string; def: Definition } | undefined;
}

export class Preprocessor {
  private readonly defs = new Map<string, Definition>();
  private readonly out: LogicalLine[] = [];
  private emitted = 0;
  private readonly includeStack: string[] = [];
  /** Tokens of the line being read by the fast path; handed to the sink, which must not keep the array. */
  private readonly scratch: Token[] = [];
  private readonly maxLines: number;
  /** Files read, in order (for reload diffing and `dump-config`). */
  readonly files: string[] = [];

  /**
   * With a `sink`, each logical line is handed to it as soon as it is read (and `run` returns
   * an empty list); without one, `run` returns all lines. The sink gets the line's tokens as
   * tokens[0..n); it may keep the tokens but not the array, which is reused for the next line.
   */
  constructor(
    private readonly fs: ConfigFileSystem,
    private readonly diags: Diagnostics,
    private readonly opts: PreprocessOptions = {},
    private readonly sink?: (tokens: readonly Token[], n: number) => void,
  ) {
    this.maxLines = opts.maxLines ?? 5_000_000;
    const rnd = opts.random ?? Math.random;
    this.defs.set('_INSTANCE', { lines: [opts.configId ?? ''] });
    this.defs.set('_RANDOM', {
      lines: [''],
      builtin: (p) => {
        const min = p.length >= 2 ? (p[0] as number) : 0;
        const max = p.length >= 2 ? (p[1] as number) : p.length === 1 ? (p[0] as number) : 32767;
        return String(min + Math.floor(rnd() * (max - min + 1)));
      },
    });
  }

  /** Read the top-level file (a path or a glob) and everything it includes. */
  run(path: string): LogicalLine[] {
    const matches = this.fs.glob(path);
    if (matches.length === 0) throw new ConfigError('file-not-found', `configuration file ${path} not found`);
    for (const m of matches) this.readFile(m, undefined);
    return this.out;
  }

  /** Preprocess text held in memory (tests, `--stdin`). */
  runText(text: string, file: string): LogicalLine[] {
    this.files.push(file);
    this.includeStack.push(file);
    this.processText(text, file);
    this.includeStack.pop();
    return this.out;
  }

  private readFile(path: string, from: SourceLoc | undefined): void {
    let real: string;
    let text: string | undefined;
    const unreadable = (e: unknown): ConfigError => new ConfigError('file-unreadable', `cannot read ${path}: ${(e as Error).message}`, from);
    try {
      real = this.fs.realpath(path);
      if (!this.fs.readChunks) text = this.fs.readFile(path);
    } catch (e) {
      throw unreadable(e);
    }
    if (this.includeStack.includes(real)) {
      throw new ConfigError('include-loop', `include loop: ${path} includes itself`, from);
    }
    if (this.includeStack.length >= MAX_INCLUDE_DEPTH) {
      throw new ConfigError('include-depth', `includes nested more than ${MAX_INCLUDE_DEPTH} deep`, from);
    }
    this.files.push(path);
    this.includeStack.push(real);
    const st: TextState = { lineNo: 0, pendingDef: undefined };
    if (text !== undefined) this.processText(text, path, st);
    else {
      const chunks = this.fs.readChunks as NonNullable<ConfigFileSystem['readChunks']>;
      let failed: unknown;
      try {
        chunks(path, (chunk) => {
          try {
            this.processText(chunk, path, st);
          } catch (e) {
            failed = e;
            throw e;
          }
        });
      } catch (e) {
        // A reading error, or one from the configuration (an include, a definition) passed on.
        throw e === failed ? e : unreadable(e);
      }
    }
    this.includeStack.pop();
  }

  /** Lines of `text`, numbered on from `st.lineNo` (a file read in pieces carries its state over). */
  private processText(text: string, file: string, st: TextState = { lineNo: 0, pendingDef: undefined }): void {
    let pendingDef = st.pendingDef;
    let pos = 0;
    let lineNo = st.lineNo;
    const n = text.length;
    const scratch = this.scratch;
    while (pos < n) {
      let nl = text.indexOf('\n', pos);
      if (nl < 0) nl = n;
      const start = pos;
      let end = nl;
      pos = nl + 1;
      lineNo++;
      if (end > start && text.charCodeAt(end - 1) === 13 /* \r */) end--;
      if (!pendingDef) {
        // Most lines are plain words and braces: tokens straight from the file text.
        const count = scanPlainLine(text, start, end, file, lineNo, scratch);
        if (count >= 0) {
          if (count) this.emit(scratch, count, undefined);
          continue;
        }
      }
      const stripped = stripComment(text.slice(start, end));
      const lead = stripped.text.search(/\S/);
      if (stripped.unterminatedQuote) {
        this.diags.error('unterminated-quote', 'unterminated quote', { file, line: lineNo, col: lead + 1 });
      }
      if (pendingDef) {
        // Continuation lines of a multi-line $definition.
        if (lead >= 0) pendingDef.def.lines.push(stripped.text.slice(lead));
        if (!stripped.continued) pendingDef = undefined;
        continue;
      }
      if (lead < 0) continue;
      const body = lead === 0 ? stripped.text : stripped.text.slice(lead);
      if (body.charCodeAt(0) === 36 /* $ */) {
        const def = this.definition(body, stripped.continued);
        if (def) {
          if (stripped.continued) pendingDef = def;
          continue;
        }
      }
      this.line(body, { file, line: lineNo, col: lead + 1 }, 0);
    }
    st.lineNo = lineNo;
    st.pendingDef = pendingDef;
  }

  /** `$NAME=value`: defines NAME; returns it so continuation lines can be appended. */
  private definition(body: string, continued: boolean): { name: string; def: Definition } | undefined {
    const m = /^\$([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(body);
    if (!m) return undefined;
    const name = m[1] as string;
    const value = (m[2] as string).trim();
    const def: Definition = { lines: value || !continued ? [value] : [] };
    this.defs.set(name, def);
    return { name, def };
  }

  /** One logical line: conditional, ~SEQ, substitution, include; then tokens. */
  private line(body: string, loc: SourceLoc, depth: number): void {
    if (depth > MAX_SUBST_ROUNDS) {
      this.diags.error('substitution-depth', 'definitions expand into each other too deeply', loc);
      return;
    }
    let text = body;
    // RFC-less keepalived extension: `@id rest` keeps `rest` only on the node whose config id is
    // `id`; `@^id rest` keeps it everywhere else.
    if (text.startsWith('@')) {
      const neg = text[1] === '^';
      const m = /^@\^?(\S+)\s+(.*)$/.exec(text);
      if (!m) return; // nothing after the id: keepalived drops the line
      const match = m[1] === this.opts.configId;
      if (match === neg) return;
      text = m[2] as string;
    }
    if (text.charCodeAt(0) === 36 /* $ */ && this.definition(text, false)) return;
    if (text.startsWith('~SEQ')) {
      this.seq(text, loc, depth);
      return;
    }
    if (text.includes('$')) {
      const expanded = this.substitute(text, loc);
      if (expanded) {
        for (const l of expanded) {
          if (l.trim()) this.line(l.trim(), loc, depth + 1);
        }
        return;
      }
    }
    const tokens = tokenize(text, loc.file, loc.line, loc.col);
    if (tokens.length) this.emit(tokens, tokens.length, loc);
  }

  /**
   * One line's tokens, tokens[0..n) with n >= 1: an include, or a line for the sink. `loc` is where
   * the line starts, undefined when it starts with its first token; `tokens` may be the scratch array.
   */
  private emit(tokens: Token[], n: number, loc: SourceLoc | undefined): void {
    const first = tokens[0] as Token;
    if (n === 2 && first.text === 'include' && !first.quoted) {
      this.include((tokens[1] as Token).text, loc ?? lineLoc(first));
      return;
    }
    if (++this.emitted > this.maxLines) {
      throw new ConfigError('too-large', `configuration expands to more than ${this.maxLines} lines`, loc ?? lineLoc(first));
    }
    if (this.sink) this.sink(tokens, n);
    else this.out.push({ tokens: tokens === this.scratch ? tokens.slice(0, n) : tokens });
  }

  private include(pattern: string, loc: SourceLoc): void {
    const dir = this.fs.dirname(loc.file);
    const abs = this.fs.resolve(dir, pattern);
    const matches = this.fs.glob(abs);
    if (matches.length === 0) {
      this.diags.warn('include-no-match', `include ${pattern}: no files matched`, loc);
      return;
    }
    for (const m of matches) this.readFile(m, loc);
  }

  /**
   * Replace `$NAME` and `${NAME}` (and `${_RANDOM a b}`) with their definitions. Returns the
   * resulting lines (a multi-line definition yields several), or undefined when nothing changed.
   */
  private substitute(text: string, loc: SourceLoc): string[] | undefined {
    const re = /\$\{([A-Za-z_][A-Za-z0-9_]*)((?: +\d+)*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;
    let changed = false;
    let tail: string[] = [];
    const result = text.replace(re, (all, braced: string | undefined, params: string | undefined, bare: string | undefined) => {
      const name = (braced ?? bare) as string;
      const def = this.defs.get(name);
      if (!def) return all;
      changed = true;
      if (def.builtin) {
        const p = (params ?? '').trim() ? (params as string).trim().split(/ +/).map(Number) : [];
        return def.builtin(p);
      }
      if (def.lines.length > 1) tail = def.lines.slice(1);
      return def.lines[0] ?? '';
    });
    if (!changed) {
      if (/\$\{?[A-Za-z_]/.test(text)) {
        const m = /\$\{?([A-Za-z_][A-Za-z0-9_]*)/.exec(text);
        this.diags.warn('undefined-definition', `\$${m?.[1]} is not defined; the text is used as written`, loc);
      }
      return undefined;
    }
    return [result, ...tail];
  }

  /** `~SEQ(var, start, step, end) text` / `~SEQx(...)`: text repeated with $var = each value. */
  private seq(text: string, loc: SourceLoc, depth: number): void {
    const m = /^~SEQ(x?)\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*,([^)]*)\)\s*(.*)$/.exec(text);
    if (!m) {
      this.diags.error('invalid-seq', `invalid ~SEQ specification '${text}'`, loc);
      return;
    }
    const hex = m[1] === 'x';
    const v = m[2] as string;
    const nums = (m[3] as string).split(',').map((s) => Number(s.trim()));
    let start: number;
    let step: number;
    let end: number;
    if (nums.some((x) => !Number.isInteger(x)) || nums.length < 1 || nums.length > 3) {
      this.diags.error('invalid-seq', `invalid ~SEQ values '${text}'`, loc);
      return;
    }
    if (nums.length === 1) {
      end = nums[0] as number;
      step = end < 1 ? -1 : 1;
      start = end < 0 ? -1 : 1;
    } else if (nums.length === 2) {
      [start, end] = nums as [number, number];
      step = start <= end ? 1 : -1;
    } else {
      [start, step, end] = nums as [number, number, number];
      if (step === 0 || (start < end && step < 0) || (start > end && step > 0)) {
        this.diags.error('invalid-seq', `invalid ~SEQ values '${text}'`, loc);
        return;
      }
    }
    if (hex && (start < 0 || end < 0)) {
      this.diags.error('invalid-seq', `~SEQx is only valid for positive numbers '${text}'`, loc);
      return;
    }
    const body = m[4] as string;
    const prev = this.defs.get(v);
    for (let x = start; step > 0 ? x <= end : x >= end; x += step) {
      this.defs.set(v, { lines: [hex ? x.toString(16) : String(x)] });
      this.line(body, loc, depth + 1);
    }
    if (prev) this.defs.set(v, prev);
    else this.defs.delete(v);
  }
}

function lineLoc(t: Token): SourceLoc {
  return { file: t.loc.file, line: t.loc.line, col: t.loc.col };
}
