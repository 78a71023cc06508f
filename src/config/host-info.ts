// OS edge: what host checks need to know about this machine (network interfaces, executables).
import { accessSync, constants, readdirSync } from 'node:fs';
import type { HostInfo } from './host-checks.js';

/** The real host: interfaces from /sys/class/net, executability from access(2) X_OK. */
export function nodeHostInfo(sysClassNet = '/sys/class/net'): HostInfo {
  let names: string[] = [];
  try {
    names = readdirSync(sysClassNet);
  } catch {
    names = [];
  }
  return {
    interfaces: new Set(names),
    fileExecutable(path: string): boolean {
      try {
        accessSync(path, constants.X_OK);
        return true;
      } catch {
        return false;
      }
    },
  };
}
