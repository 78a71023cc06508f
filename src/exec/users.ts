// OS edge: user and group names to numeric ids, from /etc/passwd and /etc/group (no NSS).
import { readFileSync } from 'node:fs';

export interface Ids {
  uid: number;
  gid: number;
}

export class UnknownUserError extends Error {
  readonly code = 'LVSD_UNKNOWN_USER';
}

/** Parse passwd/group style text: name -> [fields]. Pure. */
export function parseColonFile(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const f = line.split(':');
    if (f[0] && !out.has(f[0])) out.set(f[0], f);
  }
  return out;
}

/** Ids for `user` (name or number) and optional `group` (default: the user's primary group). */
export function resolveIds(
  user: string,
  group?: string,
  read: (path: string) => string = (p) => readFileSync(p, 'utf8'),
): Ids {
  const passwd = parseColonFile(read('/etc/passwd'));
  let uid: number;
  let gid: number;
  const pw = passwd.get(user);
  if (pw) {
    uid = Number(pw[2]);
    gid = Number(pw[3]);
  } else if (/^\d+$/.test(user)) {
    uid = Number(user);
    gid = uid;
  } else {
    throw new UnknownUserError(`unknown user '${user}'`);
  }
  if (group !== undefined) {
    const gr = parseColonFile(read('/etc/group')).get(group);
    if (gr) gid = Number(gr[2]);
    else if (/^\d+$/.test(group)) gid = Number(group);
    else throw new UnknownUserError(`unknown group '${group}'`);
  }
  return { uid, gid };
}
