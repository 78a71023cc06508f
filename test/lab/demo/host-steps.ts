// Lab demo, host kernel (step 1): `lvsd check-config` on both directors' files, each in a
// namespace shaped like that director (eth0 on the front LAN of the lab's `lvs` topology), so the
// host checks (interfaces named exist) run as they would on the machine; `keepalived -t` agrees.
import { Lab } from '../netns.js';
import { lvs } from '../topologies.js';
import { which } from '../../util/env.js';
import { confFile, lvsdArgv } from './lvsd.js';
import type { Status } from './report.js';

export interface StepOutcome {
  status: Status;
  figures: string;
}

export type Say = (text: string) => void;

export async function checkConfigStep(say: Say): Promise<StepOutcome> {
  const lab = Lab.create('demo');
  const problems: string[] = [];
  const summaries: string[] = [];
  try {
    const topo = await lvs(lab, { realServers: 0, mode: 'dr' });
    for (const [i, d] of (['a', 'b'] as const).entries()) {
      const host = topo.directors[i]!;
      const file = confFile(d);
      const r = await host.exec(lvsdArgv(['check-config', '-f', file]), { allowFail: true, timeoutMs: 30_000 });
      const summary = [...r.stdout.split('\n'), ...r.stderr.split('\n')].find((l) => /\d+ errors?, \d+ warnings?/.test(l)) ?? '(no summary line)';
      const notes = [...r.stdout.split('\n'), ...r.stderr.split('\n')].filter((l) => /: (info|note): /.test(l));
      say(
        `$ lvsd check-config -f test/lab/demo/conf/director-${d}.conf   (in ${d === 'a' ? 'A' : 'B'}'s namespace)\n  exit ${r.code}: ${summary.replace(/^.*?: (\d+ error)/, '$1')}` +
          notes.map((n) => `\n  ${n.replace(/^.*?director-.\.conf:/, '')}`).join(''),
      );
      summaries.push(`${d}: exit ${r.code}`);
      if (r.code !== 0) problems.push(`director-${d}.conf: exit ${r.code}\n${r.stderr || r.stdout}`);
      if (which('keepalived')) {
        const k = await host.exec(['keepalived', '-t', '-f', file], { allowFail: true, timeoutMs: 30_000 });
        say(`  keepalived -t (Debian's keepalived, the reference) on the same file: exit ${k.code}`);
        if (k.code !== 0) problems.push(`keepalived -t director-${d}.conf: exit ${k.code}\n${k.stderr}`);
      }
    }
  } finally {
    await lab.close();
  }
  if (problems.length) say(problems.join('\n'));
  return { status: problems.length ? 'FAIL' : 'PASS', figures: `both files clean (${summaries.join(', ')})` };
}
