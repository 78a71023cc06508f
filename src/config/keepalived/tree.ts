// Config layer (pure): builds the statement tree of keepalived.conf from logical token lines.
// A statement is a keyword and its arguments; a `{` (on the same or a following line) opens the
// block of the statement before it; `}` closes it. Several statements may share a line when
// braces separate them (`track_script { chk weight 20 }`).
import type { Diagnostics } from '../diagnostics.js';
import type { SourceLoc, Token } from '../source.js';
import type { LogicalLine } from './preprocess.js';

export interface Stmt {
  kw: Token;
  args: Token[];
  /** Present when the statement has a `{ ... }` block. */
  block?: Stmt[];
  /** Where the block's `{` was written. */
  blockLoc?: SourceLoc;
}

interface Frame {
  owner: Stmt | undefined;
  children: Stmt[];
}

/**
 * Builds statements line by line and hands each finished top-level statement to `onTop`, so a
 * large configuration is walked block by block instead of being held whole in memory.
 */
export class TreeBuilder {
  private readonly stack: Frame[] = [{ owner: undefined, children: [] }];
  /** The statement a following `{` would attach to. */
  private lastStmt: Stmt | undefined;
  /** A top-level statement not handed out yet: a `{` on a later line may still open its block. */
  private pendingTop: Stmt | undefined;

  constructor(
    private readonly diags: Diagnostics,
    private readonly onTop: (s: Stmt) => void,
  ) {}

  private flushTop(): void {
    if (this.pendingTop) {
      const s = this.pendingTop;
      this.pendingTop = undefined;
      this.onTop(s);
    }
  }

  push(line: LogicalLine): void {
    this.pushTokens(line.tokens, line.tokens.length);
  }

  /** One line's tokens, tokens[0..n); the array itself is not kept (the preprocessor reuses it). */
  pushTokens(tokens: readonly Token[], n: number): void {
    let i = 0;
    while (i < n) {
      const tok = tokens[i] as Token;
      const top = this.stack[this.stack.length - 1] as Frame;
      if (!tok.quoted && tok.text === '{') {
        i++;
        const last = this.lastStmt;
        if (!last || last.block) {
          this.diags.error('unexpected-brace', "unexpected '{' with no keyword before it", tok.loc);
          // Still track nesting so the matching '}' does not close an outer block.
          const orphan: Stmt = { kw: tok, args: [], block: [], blockLoc: tok.loc };
          this.stack.push({ owner: orphan, children: orphan.block as Stmt[] });
          this.lastStmt = undefined;
          continue;
        }
        last.block = [];
        last.blockLoc = tok.loc;
        this.stack.push({ owner: last, children: last.block });
        this.lastStmt = undefined;
        continue;
      }
      if (!tok.quoted && tok.text === '}') {
        i++;
        this.lastStmt = undefined;
        if (this.stack.length === 1) {
          this.diags.error('extra-brace', "extra '}' with no block open", tok.loc);
          continue;
        }
        this.stack.pop();
        if (this.stack.length === 1) this.flushTop();
        continue;
      }
      // A statement: this keyword and its arguments up to the next brace or the end of the line,
      // in an array of exactly that size.
      let j = i + 1;
      while (j < n && !isBrace(tokens[j] as Token)) j++;
      const cur: Stmt = { kw: tok, args: j === i + 1 ? [] : tokens.slice(i + 1, j) };
      if (this.stack.length === 1) {
        this.flushTop();
        this.pendingTop = cur;
      } else {
        top.children.push(cur);
      }
      this.lastStmt = cur;
      i = j;
    }
  }

  end(): void {
    for (let i = this.stack.length - 1; i >= 1; i--) {
      const owner = this.stack[i]?.owner as Stmt;
      this.diags.error(
        'missing-brace',
        `missing '}' for the block of '${owner.kw.text}' opened at line ${owner.blockLoc?.line}`,
        owner.blockLoc ?? owner.kw.loc,
      );
    }
    // An unclosed top-level block still reaches the walker, so its content is checked too.
    if (this.stack.length > 1) {
      const outer = this.stack[1]?.owner;
      this.stack.length = 1;
      if (outer && outer === this.pendingTop) this.flushTop();
    }
    this.flushTop();
  }
}

function isBrace(t: Token): boolean {
  return !t.quoted && (t.text === '{' || t.text === '}');
}

export function buildTree(lines: readonly LogicalLine[], diags: Diagnostics): Stmt[] {
  const out: Stmt[] = [];
  const b = new TreeBuilder(diags, (s) => out.push(s));
  for (const l of lines) b.push(l);
  b.end();
  return out;
}
