// Config model (pure): shared building blocks of the schema. One TypeBox definition yields the
// TypeScript type, the defaults, the ranges and the published JSON Schema.
import { Type, type Static, type TSchema, type ObjectOptions, type TProperties } from '@sinclair/typebox';

/** A closed object: unknown keys are errors in YAML (keepalived.conf reports them as unknown keywords). */
export function Obj<T extends TProperties>(props: T, opts: ObjectOptions = {}) {
  return Type.Object(props, { additionalProperties: false, ...opts });
}

/** Optional field with a description and (documentation-only) keepalived default. */
export function Opt<T extends TSchema>(schema: T) {
  return Type.Optional(schema);
}

/** String formats understood by the YAML validator and the property-test generators. */
export const Fmt = {
  ip: { format: 'ip' },
  ipv4: { format: 'ipv4' },
  ipv6: { format: 'ipv6' },
  ifname: { format: 'ifname' },
  path: { format: 'path' },
  word: { format: 'word' },
} as const;

export const IpAddress = Type.String({ ...Fmt.ip, description: 'IPv4 or IPv6 address' });
export const IfName = Type.String({ ...Fmt.ifname, description: 'network interface name', maxLength: 15 });
export const Port = Type.Integer({ minimum: 0, maximum: 65535 });

/** Seconds, fractions allowed (keepalived TIMER). */
export function Seconds(description: string, opts: { minimum?: number; maximum?: number; default?: number } = {}) {
  return Type.Number({ minimum: 0, ...opts, description: `${description} (seconds)` });
}

/** A command line run by lvsd (notify scripts, check scripts), with an optional user and group. */
export const Command = Obj(
  {
    // keepalived.conf writes it quoted: no double quote or line break, no white space at either
    // end, no backslash at the end (it would escape the closing quote), and not a lone brace
    // (keepalived closes the block on a quoted `}`).
    command: Type.String({ minLength: 1, pattern: '^(?:[^"\\s{}\\\\]|[^"\\s][^"\\n\\r]*[^"\\s\\\\])$', description: 'command line; the first word is the program' }),
    user: Opt(Type.String({ ...Fmt.word, description: 'run as this user (default: script_user)' })),
    group: Opt(Type.String({ ...Fmt.word, description: "run with this group (default: the user's group)" })),
  },
  // keepalived's syntax is `"command" [user [group]]`: a group can only follow a user.
  { description: 'a script or program and the user/group to run it as', dependentRequired: { group: ['user'] } },
);
export type Command = Static<typeof Command>;
