// Test lab, process edge: packet captures with tcpdump on a lab host's link, read back as pcap.
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Host } from './netns.js';
import type { LabProcess } from './proc.js';
import { parsePcap, ipv4Packets, type PcapFile, type IPv4Packet } from './pcap.js';

export interface CaptureOptions {
  /** Snap length in bytes (default 256: headers and small payloads). */
  snapLen?: number;
  /** How long to wait for tcpdump to listen (default 10 s; more inside UML). */
  startTimeoutMs?: number;
}

let captureCounter = 0;

/** A running tcpdump writing a pcap file in the lab folder. */
export class Capture {
  private constructor(
    readonly host: Host,
    readonly ifname: string,
    readonly file: string,
    private readonly proc: LabProcess,
  ) {}

  static async start(host: Host, ifname: string, filter: string, opts: CaptureOptions = {}): Promise<Capture> {
    captureCounter += 1;
    const file = join(host.lab.dir, `cap-${host.name}-${ifname}-${captureCounter}.pcap`);
    // -U and --immediate-mode: deliver and write each packet as it arrives (else the kernel ring
    // holds them up to a second and SIGINT may drop them); -Z root: no privilege drop (the file is ours);
    // no -p (promiscuous) needed on a veth.
    const argv = ['tcpdump', '-n', '-U', '--immediate-mode', '-Z', 'root', '-s', String(opts.snapLen ?? 256), '-i', ifname, '-w', file];
    if (filter) argv.push(...filter.split(/\s+/).filter(Boolean));
    const proc = host.spawn(argv, { name: `${host.name}: tcpdump ${ifname}` });
    await proc.waitForLine(/listening on/, opts.startTimeoutMs ?? 10_000, 'stderr');
    return new Capture(host, ifname, file, proc);
  }

  /** Packets written so far (the capture keeps running). */
  read(): PcapFile {
    if (!existsSync(this.file)) return { linkType: 1, snapLen: 0, packets: [] };
    return parsePcap(readFileSync(this.file));
  }

  ipv4(): (IPv4Packet & { time: number })[] {
    return ipv4Packets(this.read());
  }

  /** Stops tcpdump (SIGINT flushes the file) and returns everything captured. */
  async stop(): Promise<PcapFile> {
    if (this.proc.alive) {
      this.proc.kill('SIGINT');
      await this.proc.stop(2000);
    }
    return this.read();
  }
}
