// Test support (packaging): reads docker/Dockerfile, its ignore file and the systemd unit, and lays
// out the runtime image's files from a built tree so its entry point can run on the host.
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, posix, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRoot } from '../../util/env.js';

export const ROOT = repoRoot();
/** The build this test file belongs to (dist/ under `make test`, dist-NAME for a helper build). */
export const BUILD = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
/** The bundled `lvsd` program of this build (Makefile BUNDLE). */
export const BUNDLE = join(BUILD, 'src', 'cli', 'lvsd.mjs');

/** Fails with the command that makes the bundle when this build has none. */
export function requireBundle(): string {
  if (!existsSync(BUNDLE)) {
    throw new Error(`${relative(ROOT, BUNDLE)} is missing: build it (make build, or node scripts/bundle.mjs ${relative(ROOT, BUNDLE)})`);
  }
  return BUNDLE;
}

export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

/* ---------- Dockerfile ---------- */

export interface Instruction {
  op: string;
  /** The text after the keyword, continuation lines joined. */
  args: string;
  line: number;
}

export interface Stage {
  from: string;
  name?: string;
  instructions: Instruction[];
}

/** Instructions grouped by stage; `\` continuations joined, comments and blank lines dropped. */
export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let l = lines[i] as string;
    if (/^\s*(#|$)/.test(l)) continue;
    while (/\\\s*$/.test(l) && i + 1 < lines.length) {
      i += 1;
      const next = lines[i] as string;
      if (/^\s*#/.test(next)) continue; // comment lines inside a continuation are dropped
      l = l.replace(/\s*\\\s*$/, ' ') + next.trim();
    }
    const m = /^\s*([A-Za-z]+)\s+(.*)$/.exec(l);
    if (!m) throw new Error(`Dockerfile line ${start + 1}: cannot read '${l}'`);
    const op = (m[1] as string).toUpperCase();
    const args = (m[2] as string).trim();
    if (op === 'FROM') {
      const f = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (!f) throw new Error(`Dockerfile line ${start + 1}: FROM '${args}'`);
      stages.push({ from: f[1] as string, ...(f[2] ? { name: f[2] } : {}), instructions: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) throw new Error(`Dockerfile line ${start + 1}: ${op} before FROM`);
    stage.instructions.push({ op, args, line: start + 1 });
  }
  return stages;
}

export interface Copy {
  from?: string;
  chown?: string;
  sources: string[];
  dest: string;
  line: number;
}

/** COPY's flags, sources and destination (shell form or JSON array form). */
export function parseCopy(ins: Instruction): Copy {
  let words: string[];
  const rest = ins.args.replace(/^((?:--\S+\s+)*)/, '');
  const flagText = ins.args.slice(0, ins.args.length - rest.length);
  if (rest.startsWith('[')) words = JSON.parse(rest) as string[];
  else words = rest.split(/\s+/).filter(Boolean);
  const flags = new Map(flagText.split(/\s+/).filter(Boolean).map((f) => {
    const eq = f.indexOf('=');
    return [f.slice(2, eq), f.slice(eq + 1)] as const;
  }));
  if (words.length < 2) throw new Error(`Dockerfile line ${ins.line}: COPY needs a source and a destination`);
  return {
    ...(flags.has('from') ? { from: flags.get('from') as string } : {}),
    ...(flags.has('chown') ? { chown: flags.get('chown') as string } : {}),
    sources: words.slice(0, -1),
    dest: words.at(-1) as string,
    line: ins.line,
  };
}

/** The stage's working directory at instruction `upTo` (exclusive). */
export function workdirAt(stage: Stage, upTo = stage.instructions.length): string {
  let wd = '/';
  for (const ins of stage.instructions.slice(0, upTo)) if (ins.op === 'WORKDIR') wd = posix.resolve(wd, ins.args);
  return wd;
}

export function readDockerfile(): Stage[] {
  return parseDockerfile(readFileSync(join(ROOT, 'docker', 'Dockerfile'), 'utf8'));
}

/* ---------- .dockerignore (the subset this project uses: *, ?, **, ! exceptions) ---------- */

function patternRegex(p: string): RegExp {
  let re = '';
  for (let i = 0; i < p.length; i++) {
    const c = p[i] as string;
    if (c === '*' && p[i + 1] === '*') {
      re += '.*';
      i += 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Whether `path` (relative to the context) is left out of the build context by `ignoreText`. */
export function ignoredByDockerignore(ignoreText: string, path: string): boolean {
  const rules = ignoreText
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => ({ negate: l.startsWith('!'), re: patternRegex(posix.normalize(l.replace(/^!/, '')).replace(/^\/|\/$/g, '')) }));
  const parts = posix.normalize(path).split('/');
  // A rule that matches the path or one of its parent folders applies; the last one wins.
  let ignored = false;
  for (const r of rules) {
    for (let n = 1; n <= parts.length; n++) {
      if (r.re.test(parts.slice(0, n).join('/'))) {
        ignored = !r.negate;
        break;
      }
    }
  }
  return ignored;
}

/* ---------- the runtime image's files, laid out from the build ---------- */

/** Top-level package folders `npm prune --omit=dev` keeps (the production dependency closure). */
export function productionPackages(): string[] {
  const r = spawnSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0 && !r.stdout) throw new Error(`npm ls --omit=dev failed: ${r.stderr}`);
  return r.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith(join(ROOT, 'node_modules') + '/'))
    .map((l) => relative(ROOT, l))
    .filter((p) => !p.slice('node_modules/'.length).includes('/node_modules/')); // nested ones come with their parent
}

/**
 * Where a path of the build stage comes from in this checkout after `make build`: dist/ is this
 * test's build tree, everything else the repository.
 */
export function buildStageSource(buildWorkdir: string, path: string): string {
  const rel = posix.relative(buildWorkdir, path);
  if (rel.startsWith('..') || isAbsolute(rel)) throw new Error(`${path} is outside the build stage's ${buildWorkdir}`);
  return rel === 'dist' || rel.startsWith('dist/') ? join(BUILD, rel.slice('dist'.length)) : join(ROOT, rel);
}

export interface StagedImage {
  /** The image's root folder. */
  root: string;
  /** LVSD_HOME: the runtime stage's WORKDIR inside `root`. */
  home: string;
  /** The ENTRYPOINT program inside `root`. */
  entry: string;
  entrypoint: string[];
  cmd: string[];
}

/**
 * Copies the final stage's COPY sources from this build into a fresh folder under `parent`, as
 * the image would hold them (node_modules: the production packages only, as after npm prune).
 */
export function stageRuntimeImage(parent = tmpdir()): StagedImage {
  const stages = readDockerfile();
  const runtime = stages.at(-1) as Stage;
  const root = mkdtempSync(join(parent, 'lvsd-image-'));
  chmodSync(root, 0o755);
  let entrypoint: string[] = [];
  let cmd: string[] = [];
  runtime.instructions.forEach((ins, idx) => {
    if (ins.op === 'ENTRYPOINT') entrypoint = JSON.parse(ins.args) as string[];
    if (ins.op === 'CMD') cmd = JSON.parse(ins.args) as string[];
    if (ins.op !== 'COPY') return;
    const c = parseCopy(ins);
    const wd = workdirAt(runtime, idx);
    const destAbs = posix.resolve(wd, c.dest);
    const intoDir = c.dest.endsWith('/') || c.sources.length > 1;
    for (const s of c.sources) {
      let src: string;
      if (c.from !== undefined) {
        const stage = stages.find((st) => st.name === c.from);
        if (!stage) throw new Error(`Dockerfile line ${c.line}: no stage named ${c.from}`);
        src = buildStageSource(workdirAt(stage), s);
      } else src = join(ROOT, s);
      const target = join(root, intoDir ? posix.join(destAbs, posix.basename(s)) : destAbs);
      mkdirSync(dirname(target), { recursive: true });
      if (posix.basename(s) === 'node_modules') {
        for (const pkg of productionPackages()) cpSync(join(ROOT, pkg), join(target, relative('node_modules', pkg)), { recursive: true });
      } else {
        cpSync(src, target, { recursive: true });
      }
    }
  });
  const home = join(root, workdirAt(runtime));
  const entry = join(root, entrypoint[0] ?? '/nonexistent');
  return { root, home, entry, entrypoint, cmd };
}

/* ---------- systemd unit ---------- */

export type Unit = Map<string, Map<string, string[]>>;

/** Sections -> keys -> values (a key may repeat); comments and blank lines dropped. */
export function parseUnit(text: string): Unit {
  const unit: Unit = new Map();
  let section: Map<string, string[]> | undefined;
  for (const raw of text.split('\n')) {
    const l = raw.trim();
    if (!l || l.startsWith('#') || l.startsWith(';')) continue;
    const s = /^\[(.+)\]$/.exec(l);
    if (s) {
      section = new Map();
      unit.set(s[1] as string, section);
      continue;
    }
    const eq = l.indexOf('=');
    if (!section || eq < 0) throw new Error(`unit line '${l}' outside a section or without '='`);
    const k = l.slice(0, eq).trim();
    section.set(k, [...(section.get(k) ?? []), l.slice(eq + 1).trim()]);
  }
  return unit;
}

export const UNIT_FILE = join(ROOT, 'configs', 'systemd', 'lvsd.service');

export function readUnit(): Unit {
  return parseUnit(readFileSync(UNIT_FILE, 'utf8'));
}

/** The last value of `key` in `section`. */
export function unitValue(unit: Unit, section: string, key: string): string | undefined {
  return unit.get(section)?.get(key)?.at(-1);
}

/** systemd time span ("30s", "1min 30s", "90") in ms. */
export function timeSpanMs(v: string): number {
  const units: Record<string, number> = { ms: 1, s: 1000, sec: 1000, m: 60_000, min: 60_000, h: 3_600_000 };
  let total = 0;
  for (const m of v.matchAll(/(\d+(?:\.\d+)?)\s*([a-z]*)/g)) {
    const mult = units[m[2] || 's'];
    if (mult === undefined) throw new Error(`time span '${v}': unknown unit '${m[2]}'`);
    total += Number(m[1]) * mult;
  }
  return total;
}
