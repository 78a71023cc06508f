// Config layer (pure): splits one keepalived.conf line into tokens, as keepalived's decomment()
// and alloc_strvec() do: `#` and `!` outside quotes start a comment (`\#`, `\!` escape them),
// double quotes group words, and `{` / `}` outside quotes are tokens of their own.
import type { SourceLoc, Token } from '../source.js';

/**
 * A token that is its own location (it has `file`, `line` and `col`), so recording where a
 * value came from allocates nothing: a large configuration has millions of tokens. Diagnostics
 * and LocationTable.get() hand out plain copies.
 */
export class LazyToken implements Token, SourceLoc {
  constructor(
    readonly text: string,
    readonly file: string,
    readonly line: number,
    readonly col: number,
    readonly quoted: boolean,
  ) {}

  get loc(): SourceLoc {
    return this;
  }
}

const SPECIAL = /["\\#!]/;

/** V8 keeps a substring of 13 characters or more as a view into the whole string it came from. */
const SLICED_MIN = 13;

/**
 * A copy of `s` that does not hold on to the text it was cut from: a long token cut from an 18 MB
 * file would otherwise keep the whole file alive as long as the model holds the value.
 */
function own(s: string): string {
  return (' ' + s).slice(1);
}

/** Strip a comment from a raw line: returns the text before it (quotes respected). */
export function stripComment(raw: string): { text: string; continued: boolean; unterminatedQuote: boolean } {
  if (!SPECIAL.test(raw)) return { text: raw.trimEnd(), continued: false, unterminatedQuote: false };
  let out = '';
  let quote = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] as string;
    if (c === '"') {
      quote = !quote;
      out += c;
    } else if (c === '\\') {
      const n = raw[i + 1];
      if (n === undefined) return { text: out.trimEnd(), continued: true, unterminatedQuote: quote };
      if (!quote && (n === '#' || n === '!')) {
        out += n;
      } else {
        out += c + n;
      }
      i++;
    } else if (!quote && (c === '#' || c === '!')) {
      break;
    } else {
      out += c;
    }
  }
  return { text: out.trimEnd(), continued: false, unterminatedQuote: quote };
}

// A quoted string (to the closing quote or the end of the line), a brace, or a run of other
// characters up to white space, a brace or a quote (a backslash keeps the next character).
const TOKEN_RE = /"([^"]*)"?|[{}]|(?:\\.|[^\s{}"\\]|\\$)+/g;

/**
 * Tokenise a line (already comment-stripped). `colOffset` maps positions back to the raw line
 * (1-based column of text[0]). Quoted tokens keep their inner text, without the quotes.
 */
export function tokenize(text: string, file: string, line: number, colOffset = 1): Token[] {
  const tokens: Token[] = [];
  TOKEN_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = TOKEN_RE.exec(text)) !== null) {
    const quoted = m[0].charCodeAt(0) === 34; /* " */
    const word = quoted ? (m[1] as string) : m[0];
    tokens.push(new LazyToken(tokens.length && word.length >= SLICED_MIN ? own(word) : word, file, line, m.index + colOffset, quoted));
  }
  return tokens;
}

/** Character classes of the fast path: 0 a word character, 1 white space, 2 a brace, 3 general path. */
const WORD = 0;
const BLANK = 1;
const BRACE = 2;
const CLASS = new Uint8Array(128);
for (const c of [9, 10, 11, 12, 13, 32]) CLASS[c] = BLANK; // ASCII white space as \s sees it
CLASS[123] = BRACE;
CLASS[125] = BRACE;
// Quotes, escapes, comments and $definitions; anything beyond ASCII (Unicode white space) too.
for (const c of '"\\#!$') CLASS[c.charCodeAt(0)] = 3;
CLASS[127] = 3;

function classOf(c: number): number {
  return c < 128 ? (CLASS[c] as number) : 3;
}

/**
 * The common case of `tokenize(stripComment(line))` without building the line: a line of plain
 * ASCII words and braces, with no quote, backslash, comment, `$`, and no `@` or `~` first. Writes
 * its tokens to out[0], out[1], ... (columns counted from `start`) and returns how many; entries
 * past that are left over from earlier lines (the array is reused, never truncated). Returns -1
 * when the line needs the general path. `end` excludes the newline (and a final CR).
 */
export function scanPlainLine(text: string, start: number, end: number, file: string, line: number, out: Token[]): number {
  let n = 0;
  let i = start;
  while (i < end && classOf(text.charCodeAt(i)) === BLANK) i++;
  if (i < end) {
    const c0 = text.charCodeAt(i);
    if (c0 === 64 /* @ */ || c0 === 126 /* ~ */) return -1;
  }
  while (i < end) {
    const c = text.charCodeAt(i);
    const k = classOf(c);
    if (k === BLANK) {
      i++;
    } else if (k === BRACE) {
      out[n++] = new LazyToken(c === 123 ? '{' : '}', file, line, i - start + 1, false);
      i++;
    } else if (k === WORD) {
      const from = i;
      let d = WORD;
      for (i++; i < end; i++) {
        d = classOf(text.charCodeAt(i));
        if (d !== WORD) break;
      }
      if (d === 3) break;
      // Arguments may end up in the model: keep them from pinning the file text (see own()).
      const word = text.slice(from, i);
      out[n++] = new LazyToken(n > 0 && i - from >= SLICED_MIN ? own(word) : word, file, line, from - start + 1, false);
    } else {
      break;
    }
  }
  return i < end ? -1 : n;
}
