// Config layer (pure): splits one keepalived.conf line into tokens, as keepalived's decomment()
// and alloc_strvec() do: `#` and `!` outside quotes start a comment (`\#`, `\!` escape them),
// double quotes group words, and `{` / `}` outside quotes are tokens of their own.
import type { Token } from '../source.js';

export interface LexedLine {
  tokens: Token[];
  /** An unterminated double quote was found (keepalived: "Unterminated quote"). */
  unterminatedQuote: boolean;
  /** The line ends with a backslash (continuation, used by multi-line $definitions). */
  continued: boolean;
}

/** Strip a comment from a raw line: returns the text before it (quotes respected). */
export function stripComment(raw: string): { text: string; continued: boolean; unterminatedQuote: boolean } {
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

/**
 * Tokenise a line (already comment-stripped). `colOffset` maps positions back to the raw line
 * (1-based column of text[0]). Quoted tokens keep their inner text, without the quotes.
 */
export function tokenize(text: string, file: string, line: number, colOffset = 1): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i] as string;
    if (c === ' ' || c === '\t' || c === '\f' || c === '\v' || c === '\r') {
      i++;
      continue;
    }
    const loc = { file, line, col: i + colOffset };
    if (c === '{' || c === '}') {
      tokens.push({ text: c, loc, quoted: false });
      i++;
      continue;
    }
    if (c === '"') {
      const end = text.indexOf('"', i + 1);
      const stop = end < 0 ? n : end;
      tokens.push({ text: text.slice(i + 1, stop), loc, quoted: true });
      i = stop + 1;
      continue;
    }
    let j = i;
    while (j < n) {
      const d = text[j] as string;
      if (d === ' ' || d === '\t' || d === '\f' || d === '\v' || d === '\r' || d === '{' || d === '}' || d === '"') break;
      if (d === '\\' && j + 1 < n) j++;
      j++;
    }
    tokens.push({ text: text.slice(i, j), loc, quoted: false });
    i = j;
  }
  return tokens;
}
