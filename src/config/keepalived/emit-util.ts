// Config layer (pure): helpers for writing the model back as keepalived.conf text.

/** A word needs quotes when it is empty or holds white space, braces, quotes or comment starters. */
export function q(s: string | number): string {
  const t = String(s);
  if (t === '' || /[\s{}"#!\\]/.test(t)) return `"${t}"`;
  return t;
}

/** Collects indented lines: `w.line('priority', 100)`, `w.block('vrrp_instance', 'VI_1', () => ...)`. */
export class ConfWriter {
  private readonly lines: string[] = [];
  private depth = 0;

  /** A keyword and its arguments; undefined arguments are dropped, so optional fields can be passed as they are. */
  line(kw: string, ...args: (string | number | undefined)[]): void {
    const words = args.filter((a): a is string | number => a !== undefined).map(q);
    this.lines.push(`${'    '.repeat(this.depth)}${[kw, ...words].join(' ')}`);
  }

  /** A raw line (already quoted where needed). */
  raw(text: string): void {
    this.lines.push(`${'    '.repeat(this.depth)}${text}`);
  }

  /** Emit `kw` only when `v` is true; `kw off` when false and `explicitFalse` is set. */
  flag(kw: string, v: boolean | undefined, explicitFalse = false): void {
    if (v === true) this.line(kw);
    else if (v === false && explicitFalse) this.line(kw, 'off');
  }

  block(kw: string, args: (string | number | undefined)[], body: () => void): void {
    this.line(kw, ...args, undefined);
    const last = this.lines.length - 1;
    this.lines[last] = `${this.lines[last]} {`;
    this.depth++;
    body();
    this.depth--;
    this.lines.push(`${'    '.repeat(this.depth)}}`);
  }

  blank(): void {
    this.lines.push('');
  }

  toString(): string {
    return `${this.lines.join('\n')}\n`;
  }
}
