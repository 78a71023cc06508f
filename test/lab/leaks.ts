// Test lab: what a test run left behind (namespaces, processes, temporary folders), found by the
// run's suite id, and removed.
import { readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suiteNamespaces } from './netns.js';
import { pidsOfSuite, run } from './proc.js';

export interface Leftovers {
  ns: string[];
  pids: number[];
  dirs: string[];
}

export async function findLeftovers(id: string): Promise<Leftovers> {
  const ns = await suiteNamespaces(id);
  const pids = pidsOfSuite(id);
  const dirs = readdirSync(tmpdir()).filter((d) => d.startsWith(`lvsd-lab-${id}-`) || d.startsWith(`lvsd-uml-${id}-`));
  return { ns, pids, dirs };
}

/** Kills the processes (SIGKILL), deletes the namespaces and folders. */
export async function removeLeftovers(l: Leftovers): Promise<void> {
  for (const p of l.pids) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  if (l.ns.length > 0) await run(['ip', '-force', '-b', '-'], { input: l.ns.map((n) => `netns del ${n}`).join('\n') + '\n', allowFail: true });
  for (const d of l.dirs) rmSync(join(tmpdir(), d), { recursive: true, force: true });
}
