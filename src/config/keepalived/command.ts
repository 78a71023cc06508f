// Config layer (pure): the `SCRIPT [user [group]]` form keepalived uses for every script keyword
// (notify_*, quorum_up/down, notify_up/down, startup_script, ...), read and written in one place.
import type { Command } from '../model/common.js';
import type { Token } from '../source.js';
import type { ParseContext } from './context.js';
import type { Stmt } from './tree.js';

/**
 * `KEYWORD SCRIPT [user [group]]`: the script (quote it when it has arguments) and who runs it.
 * keepalived keeps the first of two definitions.
 */
export function readCommand(s: Stmt, ctx: ParseContext): Command | undefined {
  if (!ctx.arity(s, 1, 3)) return undefined;
  const [c, u, g] = s.args as [Token, Token | undefined, Token | undefined];
  if (c.text.trim() === '') {
    ctx.diags.error('invalid-value', `'${s.kw.text}': the script is empty`, c.loc);
    return undefined;
  }
  const cmd: Command = { command: c.text };
  if (u) cmd.user = u.text;
  if (g) cmd.group = g.text;
  ctx.at(cmd, '', s.kw.loc);
  ctx.at(cmd, 'command', c.loc);
  return cmd;
}

/** Emit-side words of a Command: `SCRIPT [user [group]]`. */
export function commandArgs(c: Command): string[] {
  const out = [c.command];
  if (c.user !== undefined) {
    out.push(c.user);
    if (c.group !== undefined) out.push(c.group);
  }
  return out;
}
