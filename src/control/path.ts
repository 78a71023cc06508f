// Edge: where the control socket is by default. Network namespaces share one file system, so a
// daemon in a named network namespace (`ip netns exec NAME lvsd run ...`) uses a socket named after
// it, /run/lvsd/lvsd.NAME.sock: `ip netns exec NAME lvsd status` finds it, and two lvsd processes in
// two namespaces of one host do not collide. Anywhere else: /run/lvsd/lvsd.sock.
import { readdirSync, statSync } from 'node:fs';
import { DEFAULT_SOCKET_PATH } from './protocol.js';

/** The name `ip netns` knows this process's network namespace by, if any (as `ip netns identify`). */
export function netnsName(dir = '/run/netns'): string | undefined {
  let mine: number;
  try {
    mine = statSync('/proc/self/ns/net').ino;
  } catch {
    return undefined;
  }
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return undefined;
  }
  for (const n of names) {
    try {
      if (statSync(`${dir}/${n}`).ino === mine) return n;
    } catch {
      /* a stale entry */
    }
  }
  return undefined;
}

export function defaultSocketPath(): string {
  const name = netnsName();
  return name && /^[A-Za-z0-9._-]+$/.test(name) ? DEFAULT_SOCKET_PATH.replace(/\.sock$/, `.${name}.sock`) : DEFAULT_SOCKET_PATH;
}
