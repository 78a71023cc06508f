// Pure helper: split a keepalived script line into argv the way keepalived does (no shell): words
// separated by blanks, "double" and 'single' quotes group, a backslash escapes the next character.

export class CommandLineError extends Error {
  readonly code = 'bad_command_line';
  constructor(message: string) {
    super(message);
    this.name = 'CommandLineError';
  }
}

export function splitCommandLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < line.length) cur += line[++i];
      else cur += c;
      continue;
    }
    if (c === ' ' || c === '\t') {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
      continue;
    }
    inWord = true;
    if (c === '"' || c === "'") quote = c;
    else if (c === '\\' && i + 1 < line.length) cur += line[++i];
    else cur += c;
  }
  if (quote) throw new CommandLineError(`unterminated ${quote} quote in: ${line}`);
  if (inWord) out.push(cur);
  if (out.length === 0) throw new CommandLineError('empty command line');
  return out;
}
