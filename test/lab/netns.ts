// Test lab, kernel edge: named hosts (network namespaces with a per-run prefix) linked by veth
// pairs and bridges, built in bulk with `ip -batch` (a fork costs ~0.1 s inside UML), and torn
// down with every process they ran. The same code runs on the host kernel and inside UML.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LabError } from './errors.js';
import { LabProcess, run, suiteId, waitFor, onExitCleanup, type RunOptions, type RunResult, type SpawnOptions } from './proc.js';
import { Capture, type CaptureOptions } from './capture.js';

/** Every lab namespace starts with this; then the suite id, the test file's pid and a counter. */
export const NS_PREFIX = 'lvsdt-';
let labCounter = 0;

/** One interface of a host: veth end named `ifname` with the given addresses (CIDR). */
export interface IfSpec {
  host: string;
  ifname: string;
  addrs?: string[];
  mac?: string;
}

export interface HostSpec {
  name: string;
  /** sysctl key (dotted) -> value, set inside the host's namespace. */
  sysctls?: Record<string, string | number>;
  /** `ip -batch` lines run after links and addresses are up (routes, extra addresses). */
  ip?: string[];
}

/** A LAN segment: a bridge in its own switch namespace; each member gets a veth to it. */
export interface LanSpec {
  name: string;
  members: IfSpec[];
}

export interface TopologySpec {
  hosts: HostSpec[];
  lans?: LanSpec[];
  /** Point-to-point veth pairs between two hosts. */
  links?: [IfSpec, IfSpec][];
}

export interface AddrInfo {
  ifname: string;
  family: 'inet' | 'inet6';
  local: string;
  prefixlen: number;
}

/** Quotes one word for /bin/sh. */
export function shq(s: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function sysctlPath(key: string): string {
  if (!/^[a-z0-9_]+(\.[A-Za-z0-9_-]+)+$/.test(key)) throw new LabError('LAB_COMMAND_FAILED', `bad sysctl key ${key}`);
  return `/proc/sys/${key.replace(/\./g, '/')}`;
}

export class Lab {
  /** Prefix of every namespace of this lab. */
  readonly prefix: string;
  /** A private folder for config files, captures and pid files; removed on close. */
  readonly dir: string;
  readonly hosts = new Map<string, Host>();
  private readonly switches: string[] = [];
  private readonly procs = new Set<LabProcess>();
  private closed = false;
  private readonly dropExitCleanup: () => void;

  private constructor(label: string) {
    labCounter += 1;
    this.prefix = `${NS_PREFIX}${suiteId()}-${process.pid}-${labCounter}-`;
    this.dir = mkdtempSync(join(tmpdir(), `lvsd-lab-${suiteId()}-${label}-`));
    // If the test process exits without close() (crash, signal), delete what we made anyway.
    this.dropExitCleanup = onExitCleanup(() => {
      const names = [...[...this.hosts.values()].map((h) => h.ns), ...this.switches];
      if (names.length > 0) {
        execFileSync('ip', ['-force', '-b', '-'], { input: names.map((n) => `netns del ${n}`).join('\n') + '\n', stdio: ['pipe', 'ignore', 'ignore'] });
      }
      rmSync(this.dir, { recursive: true, force: true });
    });
  }

  /** Creates an empty lab (root needed to add hosts). */
  static create(label = 'lab'): Lab {
    return new Lab(label.replace(/[^A-Za-z0-9_-]/g, '_'));
  }

  /** Creates a lab that is closed (and checked for leaks) after test `t`. */
  static forTest(t: { after(fn: () => Promise<void> | void): void; name?: string }, label?: string): Lab {
    const lab = Lab.create(label ?? t.name ?? 'lab');
    t.after(() => lab.close());
    return lab;
  }

  host(name: string): Host {
    const h = this.hosts.get(name);
    if (!h) throw new LabError('LAB_COMMAND_FAILED', `no host ${name} in this lab (have ${[...this.hosts.keys()].join(', ')})`);
    return h;
  }

  /** Creates hosts, LANs and links of `spec` in a handful of processes. */
  async build(spec: TopologySpec): Promise<void> {
    this.assertOpen();
    const root: string[] = [];
    const perNs = new Map<string, string[]>();
    const post = new Map<string, string[]>();
    const lines = (ns: string): string[] => {
      let l = perNs.get(ns);
      if (!l) perNs.set(ns, (l = ['link set lo up']));
      return l;
    };
    for (const h of spec.hosts) {
      if (this.hosts.has(h.name)) throw new LabError('LAB_COMMAND_FAILED', `host ${h.name} exists`);
      if (!/^[A-Za-z0-9_-]{1,20}$/.test(h.name)) throw new LabError('LAB_COMMAND_FAILED', `bad host name ${h.name}`);
      const host = new Host(this, h.name, this.prefix + h.name);
      this.hosts.set(h.name, host);
      root.push(`netns add ${host.ns}`);
      lines(host.ns);
      if (h.ip?.length) post.set(host.ns, [...h.ip]);
    }
    const iface = (s: IfSpec): void => {
      const ns = this.host(s.host).ns;
      const l = lines(ns);
      if (s.mac) l.push(`link set ${s.ifname} address ${s.mac}`);
      for (const a of s.addrs ?? []) l.push(`addr add ${a} dev ${s.ifname}${a.includes(':') ? ' nodad' : ''}`);
      l.push(`link set ${s.ifname} up`);
    };
    for (const lan of spec.lans ?? []) {
      const sw = `${this.prefix}sw-${lan.name}`;
      this.switches.push(sw);
      root.push(`netns add ${sw}`);
      const l = lines(sw);
      // No STP and no multicast snooping: every frame reaches every member at once.
      l.push('link add br0 type bridge stp_state 0 forward_delay 0 mcast_snooping 0', 'link set br0 up');
      lan.members.forEach((m, i) => {
        const port = `p${i + 1}`;
        root.push(`link add ${m.ifname} netns ${this.host(m.host).ns} type veth peer name ${port} netns ${sw}`);
        l.push(`link set ${port} master br0`, `link set ${port} up`);
        iface(m);
      });
    }
    for (const [a, b] of spec.links ?? []) {
      root.push(`link add ${a.ifname} netns ${this.host(a.host).ns} type veth peer name ${b.ifname} netns ${this.host(b.host).ns}`);
      iface(a);
      iface(b);
    }
    // One shell script does it all: root batch, then per namespace sysctls and its batch.
    const script: string[] = ['set -e'];
    const batchFile = (n: string, body: string[]): string => {
      const f = join(this.dir, `build-${n}.ip`);
      writeFileSync(f, body.join('\n') + '\n');
      return f;
    };
    script.push(`ip -b ${shq(batchFile('root', root))}`);
    for (const h of spec.hosts) {
      const sets = Object.entries(h.sysctls ?? {});
      if (sets.length === 0) continue;
      const ns = this.host(h.name).ns;
      const cmd = sets.map(([k, v]) => `echo ${shq(String(v))} > ${sysctlPath(k)}`).join('; ');
      script.push(`ip netns exec ${ns} sh -c ${shq(cmd)}`);
    }
    // Switches first: a host link that comes up before its bridge port loses its first ARP.
    const order = [...perNs.keys()].sort((x, y) => Number(this.switches.includes(y)) - Number(this.switches.includes(x)));
    for (const ns of order) {
      const all = [...perNs.get(ns)!, ...(post.get(ns) ?? [])];
      script.push(`ip -n ${ns} -b ${shq(batchFile(ns.slice(this.prefix.length), all))}`);
    }
    await run(['sh', '-c', script.join('\n')], { timeoutMs: 60_000, name: 'lab build' });
  }

  /** Tracks a process so close() ends it. */
  track(p: LabProcess): LabProcess {
    this.procs.add(p);
    void p.exited.then(() => this.procs.delete(p));
    return p;
  }

  /** Namespaces of this lab still present in `ip netns list`. */
  async leftoverNamespaces(): Promise<string[]> {
    return (await listNamespaces()).filter((n) => n.startsWith(this.prefix));
  }

  /**
   * Kills every process started through this lab (process group, SIGKILL), deletes its
   * namespaces and folder, and throws LAB_LEAK if a namespace or process survived.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.dropExitCleanup();
    const t0 = performance.now();
    const trace = (what: string): void => {
      if (process.env.LVSD_LAB_TRACE) process.stderr.write(`# lab ${this.prefix}: ${what} at +${(performance.now() - t0).toFixed(0)} ms\n`);
    };
    const procs = [...this.procs];
    for (const p of procs) p.killGroup('SIGKILL');
    await Promise.all(procs.map((p) => p.exited));
    const stuck = procs.filter((p) => p.groupMembers().length > 0);
    for (const p of stuck) p.killGroup('SIGKILL');
    const names = [...[...this.hosts.values()].map((h) => h.ns), ...this.switches];
    const present = new Set(await listNamespaces());
    const del = names.filter((n) => present.has(n)).map((n) => `netns del ${n}`);
    if (del.length > 0) await run(['ip', '-force', '-b', '-'], { input: del.join('\n') + '\n', allowFail: true });
    if (!process.env.LVSD_LAB_KEEP) rmSync(this.dir, { recursive: true, force: true });
    const leftNs = await this.leftoverNamespaces();
    const leftPids = (
      await Promise.all(stuck.map(async (p) => ((await waitFor(() => p.groupMembers().length === 0, 2000)) ? [] : p.groupMembers())))
    ).flat();
    trace('closed');
    if (leftNs.length > 0 || leftPids.length > 0) {
      throw new LabError('LAB_LEAK', `lab teardown left namespaces [${leftNs.join(', ')}] and pids [${leftPids.join(', ')}]`);
    }
  }

  assertOpen(): void {
    if (this.closed) throw new LabError('LAB_CLOSED', 'the lab is closed');
  }
}

/** A network namespace of a lab: run commands and programs in it, read and change its network. */
export class Host {
  constructor(
    readonly lab: Lab,
    /** Short name given in the topology (e.g. "d1"). */
    readonly name: string,
    /** Full namespace name (lab prefix + name). */
    readonly ns: string,
  ) {}

  /** argv that runs `argv` inside this host. */
  wrap(argv: readonly string[]): string[] {
    return ['ip', 'netns', 'exec', this.ns, ...argv];
  }

  /** Runs a command inside this host to completion (throws on non-zero unless allowFail). */
  exec(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    this.lab.assertOpen();
    return run(this.wrap(argv), { name: `${this.name}: ${argv[0]}`, ...opts });
  }

  /** Runs a /bin/sh script inside this host. */
  sh(script: string, opts: RunOptions = {}): Promise<RunResult> {
    return this.exec(['sh', '-c', script], opts);
  }

  /** Runs `ip -batch` lines (without the leading "ip") in this host, in one process. */
  async ip(lines: string | readonly string[]): Promise<void> {
    this.lab.assertOpen();
    const body = (typeof lines === 'string' ? [lines] : lines).join('\n') + '\n';
    await run(['ip', '-n', this.ns, '-b', '-'], { input: body, name: `${this.name}: ip` });
  }

  /** Sets sysctls (dotted keys) inside this host's namespace. */
  async sysctl(settings: Record<string, string | number>): Promise<void> {
    const cmd = Object.entries(settings).map(([k, v]) => `echo ${shq(String(v))} > ${sysctlPath(k)}`);
    await this.sh(cmd.join(' && '));
  }

  async readSysctl(key: string): Promise<string> {
    return (await this.exec(['cat', sysctlPath(key)])).stdout.trim();
  }

  /** Starts a program inside this host, tracked by the lab (killed on close). */
  spawn(argv: readonly string[], opts: SpawnOptions = {}): LabProcess {
    this.lab.assertOpen();
    return this.lab.track(new LabProcess(this.wrap(argv), { name: `${this.name}: ${argv[0]}`, ...opts }));
  }

  /** Addresses of this host (all interfaces, or one). */
  async addrs(ifname?: string): Promise<AddrInfo[]> {
    const argv = ['ip', '-n', this.ns, '-j', 'addr', 'show', ...(ifname ? ['dev', ifname] : [])];
    const res = await run(argv);
    const links = JSON.parse(res.stdout || '[]') as { ifname: string; addr_info?: { family: string; local: string; prefixlen: number }[] }[];
    return links.flatMap((l) =>
      (l.addr_info ?? []).map((a) => ({ ifname: l.ifname, family: a.family as 'inet' | 'inet6', local: a.local, prefixlen: a.prefixlen })),
    );
  }

  async hasAddr(addr: string): Promise<boolean> {
    return (await this.addrs()).some((a) => a.local === addr);
  }

  /**
   * Waits until `addr` is present (or absent) on this host; resolves with the time it took in
   * ms (polling every `intervalMs`), or throws LAB_TIMEOUT.
   */
  async waitForAddr(addr: string, opts: { present?: boolean; timeoutMs?: number; intervalMs?: number } = {}): Promise<number> {
    const present = opts.present ?? true;
    const t0 = performance.now();
    const ok = await waitFor(async () => (await this.hasAddr(addr)) === present, opts.timeoutMs ?? 10_000, opts.intervalMs ?? 20);
    if (!ok) throw new LabError('LAB_TIMEOUT', `${this.name}: ${addr} still ${present ? 'absent' : 'present'} after ${opts.timeoutMs ?? 10_000} ms`);
    return performance.now() - t0;
  }

  /** Starts tcpdump on `ifname`; resolves once it listens. */
  capture(ifname: string, filter = '', opts: CaptureOptions = {}): Promise<Capture> {
    return Capture.start(this, ifname, filter, opts);
  }
}

/** Names from `ip netns list`. */
export async function listNamespaces(): Promise<string[]> {
  const res = await run(['ip', 'netns', 'list'], { allowFail: true });
  return res.stdout
    .split('\n')
    .map((l) => l.split(' ')[0]!)
    .filter((n) => n.length > 0);
}

/** Lab namespaces of suite `id` (any test file of that run). */
export async function suiteNamespaces(id: string = suiteId()): Promise<string[]> {
  return (await listNamespaces()).filter((n) => n.startsWith(`${NS_PREFIX}${id}-`));
}
