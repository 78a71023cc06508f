// Kernel/OS edge: the real file system for the keepalived.conf preprocessor (with glob and {a,b}).
import { closeSync, openSync, readFileSync, readSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { ConfigFileSystem } from './preprocess.js';

function braceExpand(p: string): string[] {
  const m = /\{([^{}]*,[^{}]*)\}/.exec(p);
  if (!m) return [p];
  const pre = p.slice(0, m.index);
  const post = p.slice(m.index + m[0].length);
  return (m[1] as string).split(',').flatMap((alt) => braceExpand(pre + alt + post));
}

function segmentRegex(seg: string): RegExp {
  let re = '';
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i] as string;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = seg.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        const cls = seg.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\');
        re += `[${cls}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

function globOne(pattern: string): string[] {
  const parts = pattern.split('/').filter((s, i) => s !== '' || i === 0);
  let paths = [parts[0] === '' ? '/' : parts[0] as string];
  for (const seg of parts.slice(1)) {
    const next: string[] = [];
    const magic = /[*?[]/.test(seg);
    for (const base of paths) {
      if (!magic) {
        next.push(join(base, seg));
        continue;
      }
      let names: string[];
      try {
        names = readdirSync(base);
      } catch {
        continue;
      }
      const re = segmentRegex(seg);
      for (const n of names.sort()) if (re.test(n) && (seg.startsWith('.') || !n.startsWith('.'))) next.push(join(base, n));
    }
    paths = next;
  }
  return paths.filter((p) => {
    try {
      return statSync(p).isFile();
    } catch {
      return false;
    }
  });
}

/**
 * A file in pieces of whole lines through one reused buffer (256 KiB, doubled for a longer line):
 * a 5 MB keepalived.conf is never a 5 MB buffer and a 5 MB string at once (in a VM where each new
 * page costs, reading it whole took 2.5x as long). A piece ends after a newline byte, which never
 * falls inside a UTF-8 sequence, so each piece decodes on its own.
 */
export function readFileChunks(path: string, onChunk: (text: string) => void, bytes = 256 << 10): void {
  const fd = openSync(path, 'r');
  try {
    let buf = Buffer.allocUnsafe(bytes);
    let held = 0; // bytes of an unfinished line at the start of buf
    for (;;) {
      if (held === buf.length) {
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, held);
        buf = bigger;
      }
      const got = readSync(fd, buf, held, buf.length - held, null);
      const end = held + got;
      if (got === 0) {
        if (end > 0) onChunk(buf.toString('utf8', 0, end));
        return;
      }
      const cut = buf.lastIndexOf(10, end - 1) + 1;
      if (cut === 0) {
        held = end; // no newline yet: read on
        continue;
      }
      onChunk(buf.toString('utf8', 0, cut));
      buf.copy(buf, 0, cut, end);
      held = end - cut;
    }
  } finally {
    closeSync(fd);
  }
}

export const nodeFileSystem: ConfigFileSystem = {
  readFile: (p) => readFileSync(p, 'utf8'),
  readChunks: (p, onChunk) => readFileChunks(p, onChunk),
  glob: (pattern) => {
    const abs = isAbsolute(pattern) ? pattern : resolve(pattern);
    return [...new Set(braceExpand(abs).flatMap(globOne))];
  },
  realpath: (p) => realpathSync(p),
  dirname: (p) => dirname(p),
  resolve: (d, p) => resolve(d, p),
};
