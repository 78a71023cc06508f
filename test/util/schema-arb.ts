// Test helper: fast-check arbitraries derived from the TypeBox model schema, so property tests
// cover every field the model holds without listing them by hand.
import fc from 'fast-check';
import { Kind, OptionalKind, type TSchema } from '@sinclair/typebox';
import { canonicalIp } from '../../src/config/keepalived/context.js';

type Any = Record<string, unknown>;

const word = fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.:@%+=,-]{0,11}$/);
const ifname = fc.stringMatching(/^[a-z][a-z0-9]{0,6}(\.[0-9]{1,3})?$/);
const ipv4 = fc.ipV4().map((a) => canonicalIp(a) as string);
const ipv6 = fc.ipV6().map((a) => canonicalIp(a) as string);
const path = fc.array(fc.stringMatching(/^[A-Za-z0-9_.-]{1,8}$/), { minLength: 1, maxLength: 3 }).map((s) => `/${s.join('/')}`);
/** Free text: anything keepalived.conf can carry in double quotes (no quote, no newline, no backslash). */
const text = fc.string({ minLength: 1, maxLength: 16, unit: fc.constantFrom(...'abcXYZ019 _-./:#!{}$@~,'.split('')) }).filter((s) => s.trim() === s && s.length > 0 && !s.startsWith('$') && !/\$[A-Za-z_{]/.test(s));

function stringArb(s: Any): fc.Arbitrary<string> {
  const fmt = s.format as string | undefined;
  let base: fc.Arbitrary<string>;
  if (fmt === 'ip') base = fc.oneof(ipv4, ipv6);
  else if (fmt === 'ipv4') base = ipv4;
  else if (fmt === 'ipv6') base = ipv6;
  else if (fmt === 'ifname') base = ifname;
  else if (fmt === 'path') base = path;
  else if (fmt === 'word') base = word;
  else if (typeof s.pattern === 'string') base = fc.stringMatching(new RegExp(s.pattern));
  else base = text;
  const min = (s.minLength as number | undefined) ?? 0;
  const max = (s.maxLength as number | undefined) ?? Infinity;
  // keepalived substitutes `$NAME` anywhere on a line, quoted or not, when NAME is defined: such
  // text cannot be written so that it reads back literally, so the generator leaves it out.
  return base.filter((v) => v.length >= min && v.length <= max && !/\$\{?[A-Za-z_]/.test(v));
}

function numberArb(s: Any, integer: boolean): fc.Arbitrary<number> {
  const min = (s.minimum as number | undefined) ?? (s.exclusiveMinimum !== undefined ? (s.exclusiveMinimum as number) + (integer ? 1 : 0.001) : integer ? -1000 : 0);
  const max = (s.maximum as number | undefined) ?? (s.exclusiveMaximum !== undefined ? (s.exclusiveMaximum as number) - (integer ? 1 : 0.001) : integer ? 100000 : 1000);
  if (integer) return fc.integer({ min: Math.ceil(min), max: Math.floor(max) });
  const step = (s.multipleOf as number | undefined) ?? 0.001;
  const lo = Math.ceil(min / step - 1e-9);
  const hi = Math.floor(max / step + 1e-9);
  return fc.integer({ min: lo, max: hi }).map((k) => Number((k * step).toFixed(6)));
}

/** Which field makes array items distinct (a named block's name, else the whole item). */
function identity(item: TSchema): ((v: unknown) => unknown) | undefined {
  const props = (item as unknown as { properties?: Any }).properties;
  if (props && 'name' in props) return (v) => (v as Any).name;
  return (v) => JSON.stringify(v);
}

export function arbitraryOf(schema: TSchema, depth = 0): fc.Arbitrary<unknown> {
  const s = schema as unknown as Any;
  if (s.anyOf) return fc.oneof(...(s.anyOf as TSchema[]).map((m) => arbitraryOf(m, depth)));
  if (s.const !== undefined) return fc.constant(s.const);
  switch (schema[Kind]) {
    case 'Object': {
      const props = s.properties as Record<string, TSchema>;
      const required = new Set((s.required as string[] | undefined) ?? []);
      const rec: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [k, p] of Object.entries(props)) rec[k] = arbitraryOf(p, depth + 1);
      const dep = (s.dependentRequired as Record<string, string[]> | undefined) ?? {};
      return fc
        .record(rec, { requiredKeys: Object.keys(props).filter((k) => required.has(k) && props[k]?.[OptionalKind] === undefined) })
        .filter((v) => Object.entries(dep).every(([k, needs]) => (v as Any)[k] === undefined || needs.every((n) => (v as Any)[n] !== undefined)))
        .filter((v) => Object.keys(v as Any).length >= ((s.minProperties as number | undefined) ?? 0));
    }
    case 'Array': {
      const item = s.items as TSchema;
      const minLength = (s.minItems as number | undefined) ?? 0;
      const maxLength = Math.min((s.maxItems as number | undefined) ?? 3, depth > 2 ? 2 : 3);
      const sel = identity(item);
      return sel
        ? fc.uniqueArray(arbitraryOf(item, depth + 1), { minLength, maxLength: Math.max(minLength, maxLength), selector: sel })
        : fc.array(arbitraryOf(item, depth + 1), { minLength, maxLength: Math.max(minLength, maxLength) });
    }
    case 'String':
      return stringArb(s);
    case 'Integer':
      return numberArb(s, true);
    case 'Number':
      return numberArb(s, false);
    case 'Boolean':
      return fc.boolean();
    case 'Literal':
      return fc.constant(s.const);
    default:
      throw new Error(`schema-arb: unsupported schema kind ${String(schema[Kind])}`);
  }
}
