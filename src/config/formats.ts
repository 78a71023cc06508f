// Config layer (pure): the string formats used by the model schema, registered with TypeBox so
// YAML input is validated the way the keepalived.conf parser reads the same values.
import { FormatRegistry } from '@sinclair/typebox';
import { canonicalIp } from './keepalived/context.js';

/** A word keepalived.conf can hold unquoted: no white space, quotes, braces or comment starters. */
export const WORD_RE = /^[^\s"{}#!\\]+$/;

export const formats: Record<string, (v: string) => boolean> = {
  ip: (v) => canonicalIp(v) !== undefined,
  ipv4: (v) => canonicalIp(v) !== undefined && !v.includes(':'),
  ipv6: (v) => canonicalIp(v)?.includes(':') === true,
  ifname: (v) => /^[^\s/"{}#!\\]{1,15}$/.test(v),
  path: (v) => v.length > 0 && !/["\n\r]/.test(v),
  word: (v) => WORD_RE.test(v),
};

let registered = false;
export function registerFormats(): void {
  if (registered) return;
  for (const [name, fn] of Object.entries(formats)) FormatRegistry.Set(name, fn);
  registered = true;
}
