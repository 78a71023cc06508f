// Test helper: an in-memory ConfigFileSystem for preprocessor tests.
import type { ConfigFileSystem } from '../../../src/config/keepalived/preprocess.js';

export function memFs(files: Record<string, string>): ConfigFileSystem {
  const norm = (p: string): string => {
    const out: string[] = [];
    for (const seg of p.split('/')) {
      if (seg === '' || seg === '.') continue;
      if (seg === '..') out.pop();
      else out.push(seg);
    }
    return `/${out.join('/')}`;
  };
  const globRe = (pattern: string): RegExp =>
    new RegExp(
      `^${pattern
        .split('')
        .map((c) => (c === '*' ? '[^/]*' : c === '?' ? '[^/]' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
        .join('')}$`,
    );
  return {
    readFile: (p) => {
      const v = files[norm(p)];
      if (v === undefined) throw new Error('ENOENT: no such file');
      return v;
    },
    glob: (pattern) => {
      const re = globRe(norm(pattern));
      return Object.keys(files)
        .filter((f) => re.test(f))
        .sort();
    },
    realpath: (p) => norm(p),
    dirname: (p) => norm(p).replace(/\/[^/]*$/, '') || '/',
    resolve: (d, p) => (p.startsWith('/') ? norm(p) : norm(`${d}/${p}`)),
  };
}
