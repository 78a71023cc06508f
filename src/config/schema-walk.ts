// Config layer (pure): schema-driven walks over model values: canonical key order and
// canonical address text, so YAML and keepalived.conf input produce identical models.
import { Kind, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { canonicalIp } from './keepalived/context.js';
import { registerFormats } from './formats.js';

// Union members are told apart with Value.Check, which needs the model's string formats.
registerFormats();

type Any = Record<string, unknown>;

function isObject(v: unknown): v is Any {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * For a union, the member the value belongs to: the first that accepts it; else the one whose
 * literal discriminant (e.g. `type`) matches; else the object member sharing the most keys.
 */
export function unionMember(schema: TSchema, value: unknown): TSchema | undefined {
  const anyOf = (schema as { anyOf?: TSchema[] }).anyOf;
  if (!anyOf) return undefined;
  const accepting = anyOf.find((m) => Value.Check(m, value));
  if (accepting) return accepting;
  if (!isObject(value)) return anyOf[0];
  for (const m of anyOf) {
    const props = (m as { properties?: Record<string, TSchema> }).properties;
    if (!props) continue;
    const lit = Object.entries(props).find(([, p]) => (p as { const?: unknown }).const !== undefined);
    if (!lit) continue;
    if (value[lit[0]] === (lit[1] as { const?: unknown }).const) return m;
  }
  let best: TSchema | undefined;
  let bestScore = -1;
  for (const m of anyOf) {
    const props = (m as { properties?: Record<string, TSchema> }).properties;
    if (!props) continue;
    const required = (m as { required?: string[] }).required ?? [];
    const score = Object.keys(value).filter((k) => k in props).length * 2 + required.filter((k) => k in value).length;
    if (score > bestScore) {
      bestScore = score;
      best = m;
    }
  }
  return best;
}

/** JSON Schema `dependentRequired` (which TypeBox does not check): the paths that break it. */
export function dependentRequiredProblems(schema: TSchema, value: unknown, path: (string | number)[] = []): { path: (string | number)[]; message: string }[] {
  const out: { path: (string | number)[]; message: string }[] = [];
  if (schema.anyOf) {
    const m = unionMember(schema, value);
    return m ? dependentRequiredProblems(m, value, path) : out;
  }
  const kind = schema[Kind];
  if (kind === 'Object' && isObject(value)) {
    const dep = (schema as { dependentRequired?: Record<string, string[]> }).dependentRequired ?? {};
    for (const [k, needs] of Object.entries(dep)) {
      if (value[k] === undefined) continue;
      for (const n of needs) if (value[n] === undefined) out.push({ path: [...path, k], message: `'${k}' needs '${n}'` });
    }
    const props = (schema as unknown as { properties: Record<string, TSchema> }).properties;
    for (const [k, ps] of Object.entries(props)) if (value[k] !== undefined) out.push(...dependentRequiredProblems(ps, value[k], [...path, k]));
  } else if (kind === 'Array' && Array.isArray(value)) {
    const items = (schema as unknown as { items: TSchema }).items;
    value.forEach((v, i) => out.push(...dependentRequiredProblems(items, v, [...path, i])));
  }
  return out;
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

/**
 * keepalived's flag keywords (`ha_suspend`, `nopreempt`...) are `true` or absent in the model:
 * keepalived.conf cannot say "off". In YAML, `false` on such a field means the same as leaving it
 * out; this drops those `false` values before validation. Changes `value` in place.
 */
export function dropFalseFlags(schema: TSchema, value: unknown): void {
  if (schema.anyOf) {
    for (const m of schema.anyOf as TSchema[]) dropFalseFlags(m, value);
    return;
  }
  const kind = schema[Kind];
  if (kind === 'Object' && isObject(value)) {
    const props = (schema as unknown as { properties: Record<string, TSchema> }).properties;
    for (const [k, ps] of Object.entries(props)) {
      const v = value[k];
      if (v === false && (ps as { const?: unknown }).const === true) delete value[k];
      else if (v !== undefined) dropFalseFlags(ps, v);
    }
  } else if (kind === 'Array' && Array.isArray(value)) {
    const items = (schema as unknown as { items: TSchema }).items;
    for (const v of value) dropFalseFlags(items, v);
  }
}
