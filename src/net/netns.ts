// Kernel edge: run code with this thread in another network namespace (iproute2's
// /run/netns/NAME), as keepalived's `net_namespace` does for the whole daemon. Sockets keep the
// namespace they were created in, so every socket opened inside `fn` (raw, packet, netlink)
// works in that namespace for its whole life, while the rest of the process stays where it is.
import { native } from './native.js';
import { NetError, isSysError } from './errors.js';

/** Path of a namespace name as `ip netns add` creates it; absolute paths pass through. */
export function netnsPath(nameOrPath: string): string {
  if (nameOrPath.startsWith('/')) return nameOrPath;
  if (!/^[A-Za-z0-9_.-]{1,200}$/.test(nameOrPath) || nameOrPath === '.' || nameOrPath === '..') {
    throw new NetError('LVSD_NET_BAD_ARGUMENT', `"${nameOrPath}" is not a network namespace name`);
  }
  return `/run/netns/${nameOrPath}`;
}

/** Runs `fn` synchronously inside namespace `netns` (or here when undefined) and returns its result. */
export function inNetns<T>(netns: string | undefined, fn: () => T): T {
  if (netns === undefined) return fn();
  const path = netnsPath(netns);
  try {
    return native().withNetns(path, fn);
  } catch (e) {
    if (isSysError(e) && e.syscall === 'open(netns)') {
      throw new NetError('LVSD_NET_NO_NAMESPACE', `no network namespace at ${path} (${e.code})`, { cause: e });
    }
    throw e;
  }
}
