// Test helper: what the schema says and the generic generator (test/util/schema-arb.ts) does not
// enforce yet: `dependentRequired` (reverse needs weight, group needs user) and `minProperties`.
import { Kind, type TSchema } from '@sinclair/typebox';
import { unionMember } from '../../../src/config/schema-walk.js';

type Any = Record<string, unknown>;

/** JSON Schema `dependentRequired` (e.g. reverse needs weight, group needs user): drop what a generator made without its dependency. */
export function satisfyDependencies(schema: TSchema, value: unknown): unknown {
  if (schema.anyOf) {
    const m = unionMember(schema, value);
    return m ? satisfyDependencies(m, value) : value;
  }
  if (schema[Kind] === 'Array' && Array.isArray(value)) {
    const items = (schema as unknown as { items: TSchema }).items;
    const fixed = value.map((v) => satisfyDependencies(items, v));
    // `minProperties` on items: a rule line cannot be empty.
    return fixed.filter((v) => {
      const m = items.anyOf ? unionMember(items, v) : items;
      const min = (m as { minProperties?: number } | undefined)?.minProperties;
      return min === undefined || !v || typeof v !== 'object' || Object.keys(v).length >= min;
    });
  }
  if (schema[Kind] === 'Object' && value && typeof value === 'object') {
    const props = (schema as unknown as { properties: Record<string, TSchema> }).properties;
    const out: Any = {};
    for (const [k, v] of Object.entries(value as Any)) out[k] = props[k] ? satisfyDependencies(props[k], v) : v;
    // common.ts Command has no dependentRequired yet (requested): `SCRIPT [user [group]]` cannot carry a group alone.
    const commandLike = props.command && props.user && props.group ? { group: ['user'] } : {};
    const deps = (schema as unknown as { dependentRequired?: Record<string, string[]> }).dependentRequired ?? commandLike;
    for (const [k, need] of Object.entries(deps)) if (out[k] !== undefined && need.some((n: string) => out[n] === undefined)) delete out[k];
    // `minProperties`: an optional object with too few fields is dropped (keepalived.conf cannot write `static: {}`).
    for (const [k, v] of Object.entries(out)) {
      const min = (props[k] as { minProperties?: number } | undefined)?.minProperties;
      if (min !== undefined && v && typeof v === 'object' && Object.keys(v).length < min) delete out[k];
    }
    return out;
  }
  return value;
}

