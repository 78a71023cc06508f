// Config model (pure): the health checkers of a real_server, one schema variant per checker type
// (a tagged union on `type`, `type` declared first), and the top-level SSL section of SSL_GET.
// keepalived.conf(5) "Virtual server(s)" and keepalived's check_*.c parsers are the reference.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Fmt, Obj, Opt, Seconds } from './common.js';

export const U32_MAX = 4294967295;
/** lvsd's upper bound for TIMER values (31 days, IPVS's LVS_MAX_TIMEOUT). */
export const TIMER_MAX = 2678400;
/** keepalived TIMER resolution: one microsecond. */
export const TIMER_MIN = 0.000001;

/**
 * Free text keepalived.conf can carry in double quotes: no quote, no newline, no backslash and no
 * `$` (the preprocessor would try to substitute it).
 */
export const TEXT_PATTERN = '^[^"\\n\\r\\\\$]+$';
/** A regular expression: backslash escapes allowed (never before a quote or at the end); `$` only where it cannot start a $NAME. */
export const REGEX_PATTERN = '^(?:[^"\\n\\r\\\\$]|\\\\[^"\\n\\r$]|\\$[^A-Za-z_{"\\n\\r\\\\$])+\\$?$';

export function Text(description: string, opts: Record<string, unknown> = {}) {
  return Type.String({ pattern: TEXT_PATTERN, description, ...opts });
}
export function Word(description: string) {
  return Type.String({ ...Fmt.word, description });
}
/** A keyword that takes no argument: present means on; there is no way to write "off". */
export function Flag(description: string) {
  return Type.Literal(true, { description: `${description} (a flag: true when present)`, 'x-flag': true });
}
/** keepalived's `<BOOL>` keywords: bare means true; on/off, true/false, yes/no. */
export function Bool(description: string) {
  return Type.Boolean({ description });
}
export function U32(description: string, minimum = 0) {
  return Type.Integer({ minimum, maximum: U32_MAX, description });
}
export function Timer(description: string, minimum = 0, maximum = TIMER_MAX) {
  return Seconds(description, { minimum, maximum });
}
export function PortNZ(description: string) {
  return Type.Integer({ minimum: 1, maximum: 65535, description });
}
export function Ip(description: string) {
  return Type.String({ ...Fmt.ip, description });
}

/** Timing options shared by virtual_server, real_server and checkers (the inner one wins). */
export const timingProps = {
  connect_timeout: Opt(Timer('connection timeout (default 5; inherited virtual_server -> real_server -> checker)', TIMER_MIN, U32_MAX / 1e6)),
  delay_before_retry: Opt(Timer('delay before a retry after a failure (default 1; HTTP_GET/SSL_GET 3; DNS_CHECK delay_loop)')),
  warmup: Opt(Timer('random delay before the first check, at most this long (default delay_loop; 0 disables)')),
  delay_loop: Opt(Timer('interval between checks (default 60)', TIMER_MIN)),
};

/** Options every checker but FILE_CHECK and BFD_CHECK has (MISC_CHECK has only these). */
const checkerTiming = {
  alpha: Opt(Bool('start in the failed state until the first success (default: the real server\'s alpha)')),
  retry: Opt(U32('retries after a failed check before the server is declared down (default 1; DNS_CHECK 3; MISC_CHECK 0)')),
  delay_before_retry: timingProps.delay_before_retry,
  warmup: timingProps.warmup,
  delay_loop: timingProps.delay_loop,
  log_all_failures: Opt(Bool('log every failure, not only state changes')),
};

/** Connection options of the network checkers. */
export const connectionProps = {
  connect_ip: Opt(Ip('address to connect to (default: the real server address)')),
  connect_port: Opt(PortNZ('port to connect to (default: the real server port)')),
  bindto: Opt(Ip('source address of the check connection')),
  bind_port: Opt(PortNZ('source port of the check connection')),
  bind_if: Opt(Type.String({ ...Fmt.ifname, maxLength: 15, description: 'source interface (needed for an IPv6 link-local address)' })),
  fwmark: Opt(U32('firewall mark set on the checker\'s packets')),
  connect_timeout: timingProps.connect_timeout,
};

export const StatusRange = Obj(
  {
    from: Type.Integer({ minimum: 100, maximum: 599, description: 'first status code' }),
    to: Type.Integer({ minimum: 100, maximum: 599, description: 'last status code (equal to from for a single code)' }),
  },
  { description: 'an HTTP status code range, both ends included' },
);
export type StatusRange = Static<typeof StatusRange>;

export const REGEX_OPTIONS = [
  'allow_empty_class', 'alt_bsux', 'auto_callout', 'caseless', 'dollar_endonly', 'dotall', 'dupnames', 'extended',
  'firstline', 'match_unset_backref', 'multiline', 'never_ucp', 'never_utf', 'no_auto_capture', 'no_auto_possess',
  'no_dotstar_anchor', 'no_start_optimize', 'ucp', 'ungreedy', 'utf', 'never_backslash_c', 'alt_circumflex',
  'alt_verbnames', 'use_offset_limit',
] as const;
export type RegexOption = (typeof REGEX_OPTIONS)[number];

export const HttpUrl = Obj(
  {
    path: Opt(Type.String({ ...Fmt.path, description: 'path of the request, e.g. / or /status?full' })),
    digest: Opt(Type.String({ pattern: '^[0-9a-f]{32}$', description: 'MD5 of the body (as genhash prints it)' })),
    status_code: Opt(Type.Array(StatusRange, { minItems: 1, description: 'accepted status codes (default 200-299)' })),
    virtualhost: Opt(Word('Host header for this url (default: the checker\'s, real server\'s, virtual server\'s)')),
    regex: Opt(Type.String({ pattern: REGEX_PATTERN, description: 'PCRE2 expression the body must match' })),
    regex_no_match: Opt(Flag('the check fails when the body matches the regex')),
    regex_options: Opt(Type.Array(Type.Union(REGEX_OPTIONS.map((o) => Type.Literal(o))), { minItems: 1, description: 'PCRE2 options' })),
    regex_stack: Opt(
      Obj(
        { start: U32('initial JIT stack size (bytes)'), max: U32('maximum JIT stack size (bytes)') },
        { description: 'PCRE2 JIT stack sizes' },
      ),
    ),
    regex_min_offset: Opt(U32('first offset in the body where a match may start')),
    regex_max_offset: Opt(U32('last offset in the body where a match may start')),
  },
  { description: 'url: one request of an HTTP_GET / SSL_GET check' },
);
export type HttpUrl = Static<typeof HttpUrl>;

const httpProps = {
  virtualhost: Opt(Word('Host header (default: the real server\'s, then the virtual server\'s virtualhost)')),
  http_protocol: Opt(Type.Union([Type.Literal('1.0'), Type.Literal('1.0C'), Type.Literal('1.1')], { description: 'HTTP version; 1.0C = 1.0 with Connection: close (default 1.0)' })),
  fast_recovery: Opt(Bool('check all urls back to back when starting or recovering')),
  url: Opt(Type.Array(HttpUrl, { minItems: 1, description: 'urls to request, in order; all must pass' })),
};

function checker<T extends string, P extends Record<string, TSchema>>(type: T, description: string, props: P) {
  return Obj({ type: Type.Literal(type), ...props }, { description });
}

export const HttpGetCheck = checker('HTTP_GET', 'HTTP_GET: GET each url over HTTP', { ...connectionProps, ...checkerTiming, ...httpProps });
export const SslGetCheck = checker('SSL_GET', 'SSL_GET: GET each url over TLS', {
  ...connectionProps,
  ...checkerTiming,
  ...httpProps,
  enable_sni: Opt(Bool('send the virtualhost as TLS SNI')),
  sni_name: Opt(Word('the TLS SNI name to send (lvsd; keepalived sends the virtualhost when enable_sni is set); implies enable_sni')),
});
export const TcpCheck = checker('TCP_CHECK', 'TCP_CHECK: a TCP connection succeeds', { ...connectionProps, ...checkerTiming });

export const SmtpHost = Obj(connectionProps, { description: 'host: an extra address to check (deprecated: use several SMTP_CHECKs)' });
export type SmtpHost = Static<typeof SmtpHost>;
export const SmtpCheck = checker('SMTP_CHECK', 'SMTP_CHECK: greeting, HELO and QUIT succeed', {
  ...connectionProps,
  ...checkerTiming,
  helo_name: Opt(Word('name sent with HELO (default smtpchecker.keepalived.org)')),
  host: Opt(Type.Array(SmtpHost, { minItems: 1, description: 'deprecated host blocks: each is checked as its own checker' })),
});

export const DNS_TYPES = ['A', 'NS', 'CNAME', 'SOA', 'MX', 'TXT', 'AAAA'] as const;
/** DNS_CHECK's `type` keyword is stored as `query_type`: `type` is the checker discriminant. */
export const DnsCheck = checker('DNS_CHECK', 'DNS_CHECK: a query over UDP gets an answer', {
  ...connectionProps,
  ...checkerTiming,
  query_type: Opt(Type.Union(DNS_TYPES.map((t) => Type.Literal(t)), { description: "the 'type' keyword: query type (default SOA)" })),
  name: Opt(Type.String({ pattern: '^(\\.|([A-Za-z0-9_-]{1,63}\\.)*[A-Za-z0-9_-]{1,63}\\.?)$', description: 'name to query (default .)' })),
});

export const MiscCheck = checker('MISC_CHECK', 'MISC_CHECK: a program exits 0 (or a weight with misc_dynamic)', {
  ...checkerTiming,
  misc_path: Opt(Type.String({ ...Fmt.path, description: 'the program and its arguments' })),
  misc_timeout: Opt(Type.Integer({ minimum: 0, maximum: 4294, description: 'seconds before the program is killed (default: delay_loop)' })),
  misc_dynamic: Opt(Flag('exit codes 2-255 set the weight to code - 2')),
  user: Opt(Obj({ name: Word('user to run as'), group: Opt(Word('group to run as')) }, { description: 'user [group] to run the program as (default script_user)' })),
});

export const UdpCheck = checker('UDP_CHECK', 'UDP_CHECK: a datagram is not refused (and the reply matches)', {
  ...connectionProps,
  ...checkerTiming,
  payload: Opt(Type.String({ pattern: '^(?:[0-9a-f]{2})+$', description: 'bytes to send, hex (default: random)' })),
  require_reply: Opt(
    Type.Union([Type.Literal(true), Type.String({ pattern: '^(?:[0-9a-fx]{2})+$' })], {
      description: 'a reply is required; with hex bytes (x = any nibble), its start must match',
    }),
  ),
  min_reply_length: Opt(Type.Integer({ minimum: 0, maximum: 65535, description: 'shortest acceptable reply (default 0)' })),
  max_reply_length: Opt(Type.Integer({ minimum: 0, maximum: 65535, description: 'longest acceptable reply (default 255)' })),
});

export const PingCheck = checker('PING_CHECK', 'PING_CHECK: an ICMP echo is answered', { ...connectionProps, ...checkerTiming });

export const FileCheck = checker('FILE_CHECK', 'FILE_CHECK: the value in a track_file sets the weight', {
  track_file: Opt(Word('name of a track_file block')),
  dynamic: Opt(Flag('add the value read to the quorum and the weight')),
  weight: Opt(
    Obj(
      {
        value: Type.Integer({ minimum: -2147483647, maximum: 2147483647, description: 'multiplier of the value read' }),
        reverse: Opt(Bool('reverse the sense (written as reverse / noreverse)')),
      },
      { description: 'weight <N> [reverse] (default: the track_file block\'s weight)' },
    ),
  ),
});

export const BfdCheck = checker('BFD_CHECK', 'BFD_CHECK: a BFD session is up (lvsd has no BFD)', {
  name: Opt(Word('BFD instance name')),
});

export const Checker = Type.Union([HttpGetCheck, SslGetCheck, TcpCheck, SmtpCheck, DnsCheck, MiscCheck, UdpCheck, PingCheck, FileCheck, BfdCheck], {
  description: 'a health checker of a real server',
});
export type HttpGetCheck = Static<typeof HttpGetCheck>;
export type SslGetCheck = Static<typeof SslGetCheck>;
export type TcpCheck = Static<typeof TcpCheck>;
export type SmtpCheck = Static<typeof SmtpCheck>;
export type DnsCheck = Static<typeof DnsCheck>;
export type MiscCheck = Static<typeof MiscCheck>;
export type UdpCheck = Static<typeof UdpCheck>;
export type PingCheck = Static<typeof PingCheck>;
export type FileCheck = Static<typeof FileCheck>;
export type BfdCheck = Static<typeof BfdCheck>;
export type Checker = HttpGetCheck | SslGetCheck | TcpCheck | SmtpCheck | DnsCheck | MiscCheck | UdpCheck | PingCheck | FileCheck | BfdCheck;
export type CheckerType = Checker['type'];

/** Top-level `SSL { }`: the client context of SSL_GET checks (auto-generated when absent). */
export const SslConfig = Obj(
  {
    password: Opt(Text('password of the key file', { 'x-secret': true })),
    ca: Opt(Type.String({ ...Fmt.path, description: 'CA certificate file' })),
    certificate: Opt(Type.String({ ...Fmt.path, description: 'client certificate file' })),
    key: Opt(Type.String({ ...Fmt.path, description: 'client key file' })),
  },
  { description: 'SSL: client certificate and CA for SSL_GET checks' },
);
export type SslConfig = Static<typeof SslConfig>;
