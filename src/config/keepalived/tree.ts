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

export function buildTree(lines: readonly LogicalLine[], diags: Diagnostics): Stmt[] {
  const root: Stmt[] = [];
  // Stack of open blocks: the statement that owns it and its children.
  const stack: { owner: Stmt | undefined; children: Stmt[] }[] = [{ owner: undefined, children: root }];
  let lastStmt: Stmt | undefined; // statement a following `{` would attach to
  for (const line of lines) {
    let cur: Stmt | undefined;
    for (const tok of line.tokens) {
      const top = stack[stack.length - 1] as { owner: Stmt | undefined; children: Stmt[] };
      if (!tok.quoted && tok.text === '{') {
        cur = undefined;
        if (!lastStmt || lastStmt.block) {
          diags.error('unexpected-brace', "unexpected '{' with no keyword before it", tok.loc);
          // Still track nesting so the matching '}' does not close an outer block.
          const orphan: Stmt = { kw: { ...tok, text: '{' }, args: [], block: [], blockLoc: tok.loc };
          stack.push({ owner: orphan, children: orphan.block as Stmt[] });
          lastStmt = undefined;
          continue;
        }
        lastStmt.block = [];
        lastStmt.blockLoc = tok.loc;
        stack.push({ owner: lastStmt, children: lastStmt.block });
        lastStmt = undefined;
        continue;
      }
      if (!tok.quoted && tok.text === '}') {
        cur = undefined;
        lastStmt = undefined;
        if (stack.length === 1) {
          diags.error('extra-brace', "extra '}' with no block open", tok.loc);
          continue;
        }
        const closed = stack.pop() as { owner: Stmt | undefined; children: Stmt[] };
        lastStmt = undefined;
        void closed;
        continue;
      }
      if (!cur) {
        cur = { kw: tok, args: [] };
        top.children.push(cur);
        lastStmt = cur;
      } else {
        cur.args.push(tok);
      }
    }
  }
  for (let i = stack.length - 1; i >= 1; i--) {
    const owner = stack[i]?.owner as Stmt;
    diags.error(
      'missing-brace',
      `missing '}' for the block of '${owner.kw.text}' opened at line ${owner.blockLoc?.line}`,
      owner.blockLoc ?? owner.kw.loc,
    );
  }
  return root;
}
