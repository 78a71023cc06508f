// Test support: run `lvsd check-config --no-host-checks` on a configuration text; the temporary
// file's path is replaced by `K` in the output, so expected lines read `K:LINE:COL: ...`.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkConfig } from '../../../src/cli/commands/config.js';

export async function checkText(text: string): Promise<{ code: number; out: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'lvsd-cc-'));
  const f = join(dir, 'k.conf');
  writeFileSync(f, text);
  let out = '';
  try {
    const code = await checkConfig.run(['-f', f, '--no-host-checks'], { out: (s) => (out += `${s}\n`), err: () => undefined });
    return { code, out: out.split(f).join('K') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
