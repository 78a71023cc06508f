// Config layer (pure): schema-driven walks over model values: canonical key order and
// canonical address text, so YAML and keepalived.conf input produce identical models.
import { Kind, type TSchema } from '@sinclair/typebox';
import { canonicalIp } from './keepalived/context.js';

type Any = Record<string, unknown>;

function isObject(v: unknown): v is Any {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** For a union of objects, the member whose literal discriminant (e.g. `type`) matches. */
export function unionMember(schema: TSchema, value: unknown): TSchema | undefined {
  const anyOf = (schema as { anyOf?: TSchema[] }).anyOf;
  if (!anyOf) return undefined;
  if (!isObject(value)) return anyOf[0];
  for (const m of anyOf) {
    const props = (m as { properties?: Record<string, TSchema> }).properties;
    if (!props) continue;
    const lit = Object.entries(props).find(([, p]) => (p as { const?: unknown }).const !== undefined);
    if (!lit) continue;
    if (value[lit[0]] === (lit[1] as { const?: unknown }).const) return m;
  }
  return anyOf.find((m) => m[Kind] === 'Object');
}

/**
 * Rebuild `value` following `schema`: object keys in schema order (unknown keys dropped),
 * `format: ip*` strings in canonical form. Returns a new value; the input is not changed.
 */
export function normalize(schema: TSchema, value: unknown): unknown {
  if (schema.anyOf) {
    const m = unionMember(schema, value);
    return m ? normalize(m, value) : value;
  }
  const kind = schema[Kind];
  if (kind === 'Object' && isObject(value)) {
    const props = (schema as unknown as { properties: Record<string, TSchema> }).properties;
    const out: Any = {};
    for (const [k, ps] of Object.entries(props)) {
      if (value[k] !== undefined) out[k] = normalize(ps, value[k]);
    }
    return out;
  }
  if (kind === 'Array' && Array.isArray(value)) {
    const items = (schema as unknown as { items: TSchema }).items;
    return value.map((v) => normalize(items, v));
  }
  if (kind === 'String' && typeof value === 'string' && typeof schema.format === 'string' && schema.format.startsWith('ip')) {
    return canonicalIp(value) ?? value;
  }
  return value;
}
