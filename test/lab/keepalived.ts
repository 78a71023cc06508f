// Test lab, process edge: Debian's keepalived (2.2.7) as a peer and yardstick, run in a lab host
// with its own config and pid files; stopped gracefully (SIGTERM) or crashed (SIGKILL of its
// process group: killing only the parent lets its VRRP child leave gracefully).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Host } from './netns.js';
import type { LabProcess, ExitStatus } from './proc.js';

export interface VrrpInstanceSpec {
  name: string;
  iface: string;
  vrid: number;
  priority: number;
  /** Seconds; v2 needs whole seconds, v3 allows centiseconds. */
  advertInt: number;
  vips: string[];
  state?: 'MASTER' | 'BACKUP';
  nopreempt?: boolean;
  /** Extra lines inside the vrrp_instance block. */
  extra?: string[];
}

export interface KeepalivedConfSpec {
  routerId: string;
  /** VRRP version for every instance (global vrrp_version); default 2. */
  version?: 2 | 3;
  instances: VrrpInstanceSpec[];
  /** Extra global_defs lines. */
  globalDefs?: string[];
  /** Blocks appended verbatim (virtual_server ...). */
  tail?: string;
}

/** A keepalived.conf for the given instances (RFC 5798 names in comments where they differ). */
export function keepalivedConf(spec: KeepalivedConfSpec): string {
  const out: string[] = [
    'global_defs {',
    `  router_id ${spec.routerId}`,
    `  vrrp_version ${spec.version ?? 2}`,
    // Adverts at once after a transition; no delayed or repeated gratuitous ARP bursts.
    '  vrrp_garp_master_delay 0',
    '  vrrp_garp_master_repeat 1',
    ...(spec.globalDefs ?? []).map((l) => `  ${l}`),
    '}',
  ];
  for (const i of spec.instances) {
    out.push(
      `vrrp_instance ${i.name} {`,
      `  state ${i.state ?? 'BACKUP'}`,
      `  interface ${i.iface}`,
      `  virtual_router_id ${i.vrid}`,
      `  priority ${i.priority}`,
      `  advert_int ${i.advertInt}`,
      ...(i.nopreempt ? ['  nopreempt'] : []),
      ...(i.extra ?? []).map((l) => `  ${l}`),
      '  virtual_ipaddress {',
      ...i.vips.map((v) => `    ${v}`),
      '  }',
      '}',
    );
  }
  if (spec.tail) out.push(spec.tail);
  return out.join('\n') + '\n';
}

export interface KeepalivedStartOptions {
  /** Run only the VRRP subsystem (-P) or only the checker (-C); default both. */
  only?: 'vrrp' | 'check';
  /** Name used for its files (default: the host name). */
  id?: string;
  extraArgs?: string[];
}

let kaCounter = 0;

export class Keepalived {
  private constructor(
    readonly host: Host,
    readonly proc: LabProcess,
    readonly confFile: string,
  ) {}

  /** Writes `config` into the lab folder and starts keepalived in `host` (foreground, console log). */
  static start(host: Host, config: string, opts: KeepalivedStartOptions = {}): Keepalived {
    kaCounter += 1;
    const id = `${opts.id ?? host.name}-${kaCounter}`;
    const f = (suffix: string): string => join(host.lab.dir, `keepalived-${id}${suffix}`);
    const conf = f('.conf');
    writeFileSync(conf, config);
    const argv = [
      'keepalived', '--dont-fork', '--log-console', '--no-syslog', '--log-detail',
      '-f', conf, '-p', f('.pid'), '-r', f('-vrrp.pid'), '-c', f('-check.pid'), '-b', f('-bfd.pid'),
      ...(opts.only === 'vrrp' ? ['--vrrp'] : opts.only === 'check' ? ['--check'] : []),
      ...(opts.extraArgs ?? []),
    ];
    const proc = host.spawn(argv, { name: `${host.name}: keepalived` });
    return new Keepalived(host, proc, conf);
  }

  get pid(): number {
    return this.proc.pid;
  }

  /** Resolves when its log says instance `name` entered `state` (MASTER, BACKUP, FAULT). */
  waitForState(name: string, state: 'MASTER' | 'BACKUP' | 'FAULT', timeoutMs = 15_000): Promise<string> {
    return this.proc.waitForLine(new RegExp(`\\(${name}\\) Entering ${state} STATE`), timeoutMs);
  }

  /** Graceful stop: SIGTERM to the parent (a VRRP master sends priority 0 first). */
  async stop(graceMs = 8000): Promise<ExitStatus> {
    return this.proc.stop(graceMs);
  }

  /** A crash: SIGKILL to the whole process group; the VIPs stay on the dead node's interface. */
  async crash(): Promise<ExitStatus> {
    this.proc.killGroup('SIGKILL');
    return this.proc.stop(0);
  }

  /** Log lines so far (stdout and stderr). */
  log(): string {
    return this.proc.output();
  }
}
