// Edge: the state file of the IPVS services lvsd created, so that a restart after a crash still
// knows them: a service removed from the configuration while lvsd was down is removed at the first
// sync instead of staying in the kernel for ever (keepalived leaves it, unless lvs_flush). IPVS
// tables are per network namespace, so the file is too (named by the namespace's inode); it lives
// on /run, cleared at boot like the tables themselves. Written atomically; a missing or unreadable
// file means nothing is known (the safe side: others' services are never touched).
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const OWNED_DIR = '/run/lvsd';

/** The state file for this process's network namespace. */
export function ownedFile(dir = OWNED_DIR): string {
  let ns = 'default';
  try {
    ns = String(statSync('/proc/self/ns/net').ino);
  } catch {
    /* no /proc: one file */
  }
  return join(dir, `ipvs-owned.net${ns}.json`);
}

export function loadOwned(file: string): string[] {
  try {
    const j = JSON.parse(readFileSync(file, 'utf8')) as { services?: unknown };
    return Array.isArray(j.services) ? j.services.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

/** Saves the ids (an empty list removes the file). Throws on I/O errors (the caller retries later). */
export function saveOwned(file: string, ids: readonly string[]): void {
  if (ids.length === 0) {
    rmSync(file, { force: true });
    return;
  }
  mkdirSync(dirname(file), { recursive: true, mode: 0o755 });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify({ pid: process.pid, at: new Date().toISOString(), services: ids }), { mode: 0o600 });
  renameSync(tmp, file);
}
