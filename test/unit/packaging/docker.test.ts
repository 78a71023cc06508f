// The container image files (docker/): the Dockerfile read as Docker reads it and checked against
// this checkout (every COPY source exists and is in the build context, the bundle is built as the
// Makefile builds it), the entry point's shell syntax, and the runtime image's files laid out from
// this build with the entry point run directly on the host.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { which } from '../../util/env.js';
import {
  buildStageSource,
  ignoredByDockerignore,
  packageVersion,
  parseCopy,
  parseDockerfile,
  readDockerfile,
  requireBundle,
  ROOT,
  stageRuntimeImage,
  workdirAt,
  type StagedImage,
} from './support.js';

const DOCKER = join(ROOT, 'docker');
const ENTRY_SCRIPT = join(DOCKER, 'entrypoint.sh');

test('Dockerfile reader: continuations, stages, COPY flags and forms (checked on a sample)', () => {
  const stages = parseDockerfile(
    ['FROM a:1 AS b', 'WORKDIR /x', '# c', 'RUN one \\', '  && two', 'FROM c', 'WORKDIR y', 'COPY --from=b --chown=u /x/f /x/g ./d/', 'COPY ["s t", "/u"]'].join('\n'),
  );
  assert.deepEqual(stages.map((s) => [s.from, s.name]), [['a:1', 'b'], ['c', undefined]]);
  assert.equal(stages[0]!.instructions[1]!.args, 'one && two');
  assert.equal(workdirAt(stages[1]!), '/y');
  assert.deepEqual(parseCopy(stages[1]!.instructions[1]!), { from: 'b', chown: 'u', sources: ['/x/f', '/x/g'], dest: './d/', line: 8 });
  assert.deepEqual(parseCopy(stages[1]!.instructions[2]!).sources, ['s t']);
  assert.throws(() => parseDockerfile('RUN x'), /before FROM/);
});

test('.dockerignore reader: the last matching rule wins, a rule on a folder covers its files', () => {
  const ign = '*\n!src\n!native/*.c\n';
  assert.equal(ignoredByDockerignore(ign, 'node_modules/x/y.js'), true);
  assert.equal(ignoredByDockerignore(ign, 'src/cli/main.ts'), false);
  assert.equal(ignoredByDockerignore(ign, 'native/lvsd_net.c'), false);
  assert.equal(ignoredByDockerignore(ign, 'native/build/Release/lvsd_net.node'), true);
  assert.equal(ignoredByDockerignore('dist*\n', 'dist-x/a'), true);
  assert.equal(ignoredByDockerignore('', 'anything'), false);
});

test('Dockerfile: a non-root build stage, then a runtime stage on the same Node major the bundle targets', () => {
  const stages = readDockerfile();
  assert.equal(stages.length, 2, 'build and runtime stages');
  const [build, runtime] = stages as [(typeof stages)[0], (typeof stages)[0]];
  assert.equal(build.name, 'build');
  const firstRun = build.instructions.findIndex((i) => i.op === 'RUN');
  const user = build.instructions.slice(0, firstRun).filter((i) => i.op === 'USER').at(-1);
  assert.ok(user && user.args !== 'root' && user.args !== '0', `the build stage runs its RUN steps as ${user?.args ?? 'root'}`);
  for (const c of build.instructions.filter((i) => i.op === 'COPY').map(parseCopy)) {
    assert.equal(c.chown?.split(':')[0], user.args, `build stage COPY at line ${c.line} is owned by the build user`);
  }
  const major = (img: string) => /^node:(\d+)-/.exec(img)?.[1];
  assert.equal(major(build.from), major(runtime.from), `${build.from} vs ${runtime.from}`);
  const bundler = readFileSync(join(ROOT, 'scripts', 'bundle.mjs'), 'utf8');
  assert.equal(`node${major(runtime.from)}`, /target: '(node\d+)'/.exec(bundler)?.[1], "the runtime image's Node is the bundle's target (scripts/bundle.mjs)");
  assert.match(runtime.from, /-slim$/, 'the runtime stage uses the slim image (no compilers)');
});

test('Dockerfile: the bundle is built with the Makefile\'s command (scripts/bundle.mjs); the native sources copied are binding.gyp\'s', () => {
  const [build, runtime] = readDockerfile() as [ReturnType<typeof readDockerfile>[0], ReturnType<typeof readDockerfile>[0]];
  const bundler = /(?:\$\(NODE\)|node) (scripts\/bundle\.mjs) (\S+)/;
  const makefile = readFileSync(join(ROOT, 'Makefile'), 'utf8');
  const made = bundler.exec(makefile);
  assert.ok(made, 'the Makefile builds the bundle with node scripts/bundle.mjs');
  assert.equal(made[2], '$(BUNDLE)');
  assert.equal(/^BUNDLE = (\S+)$/m.exec(makefile)?.[1], 'dist/src/cli/lvsd.mjs');
  const dockerRun = build.instructions.filter((i) => i.op === 'RUN').map((i) => i.args).join('\n');
  const docker = bundler.exec(dockerRun);
  assert.ok(docker, 'the build stage runs node scripts/bundle.mjs');
  assert.equal(docker[2], 'dist/src/cli/lvsd.mjs', 'the build stage writes the bundle where the runtime stage copies it from');
  // Its script is copied into the build stage (and is not left out of the build context).
  assert.ok(build.instructions.filter((i) => i.op === 'COPY').some((i) => parseCopy(i).sources.includes('scripts/bundle.mjs')), 'COPY scripts/bundle.mjs');
  assert.doesNotMatch(dockerRun, /esbuild src\/cli\/main\.ts/, 'no second, different bundling command');

  const gyp = readFileSync(join(ROOT, 'native', 'binding.gyp'), 'utf8');
  const targets = [...gyp.matchAll(/"target_name":\s*"([^"]+)"/g)].map((m) => m[1]);
  const sources = [...gyp.matchAll(/"sources":\s*\[([^\]]*)\]/g)].flatMap((m) => [...m[1]!.matchAll(/"([^"]+)"/g)].map((s) => `native/${s[1]}`));
  const copied = build.instructions.filter((i) => i.op === 'COPY').flatMap((i) => parseCopy(i).sources).filter((s) => s.startsWith('native/'));
  assert.deepEqual(copied.sort(), ['native/binding.gyp', ...sources].sort());
  const addons = runtime.instructions
    .filter((i) => i.op === 'COPY')
    .flatMap((i) => parseCopy(i).sources)
    .filter((s) => s.endsWith('.node'))
    .map((s) => posix.basename(s, '.node'));
  assert.deepEqual(addons.sort(), targets.sort(), 'the runtime image carries every addon binding.gyp builds');
});

test('Dockerfile: every COPY source exists here after the build and is inside the build context', () => {
  const stages = readDockerfile();
  const ignore = readFileSync(join(DOCKER, 'Dockerfile.dockerignore'), 'utf8');
  let checked = 0;
  for (const stage of stages) {
    for (const ins of stage.instructions.filter((i) => i.op === 'COPY')) {
      const c = parseCopy(ins);
      for (const s of c.sources) {
        if (c.from === undefined) {
          assert.ok(existsSync(join(ROOT, s)), `line ${c.line}: ${s} is not in the repository`);
          assert.equal(ignoredByDockerignore(ignore, s), false, `line ${c.line}: ${s} is left out of the build context by Dockerfile.dockerignore`);
        } else {
          const from = stages.find((st) => st.name === c.from);
          assert.ok(from, `line ${c.line}: no stage named ${c.from}`);
          const local = buildStageSource(workdirAt(from), s);
          assert.ok(existsSync(local), `line ${c.line}: ${s} of stage ${c.from} is ${local} here, which does not exist (make build)`);
        }
        checked += 1;
      }
    }
  }
  assert.ok(checked >= 10, `${checked} COPY sources`);
  // And what must stay out of the context does.
  for (const p of ['node_modules/yaml/package.json', 'native/build/Release/lvsd_net.node', 'dist/src/cli/lvsd.mjs', '.git/HEAD', 'test/unit/cli.test.ts']) {
    assert.equal(ignoredByDockerignore(ignore, p), true, `${p} is sent to the build context`);
  }
});

test('entrypoint.sh: executable, valid POSIX sh (sh -n, dash -n, shellcheck -s sh)', (t) => {
  assert.ok((statSync(ENTRY_SCRIPT).mode & 0o111) !== 0, 'entrypoint.sh is executable');
  const mode = spawnSync('git', ['ls-files', '-s', 'docker/entrypoint.sh'], { cwd: ROOT, encoding: 'utf8' }).stdout;
  if (mode) assert.match(mode, /^100755 /, 'git records entrypoint.sh as executable');
  assert.match(readFileSync(ENTRY_SCRIPT, 'utf8'), /^#!\/bin\/sh\n/);
  for (const sh of ['sh', 'dash', 'bash']) {
    if (!which(sh)) continue;
    const r = spawnSync(sh, ['-n', ENTRY_SCRIPT], { encoding: 'utf8' });
    assert.equal(r.status, 0, `${sh} -n: ${r.stderr}`);
  }
  // The same check fails on a broken script (the check can fail).
  const dir = mkdtempSync(join(tmpdir(), 'lvsd-sh-'));
  try {
    writeFileSync(join(dir, 'bad.sh'), 'if true; then\n  echo x\n');
    assert.notEqual(spawnSync('sh', ['-n', join(dir, 'bad.sh')]).status, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (!which('shellcheck')) {
    process.stderr.write('# skipped shellcheck: not installed (apt-get install shellcheck)\n');
    t.diagnostic('shellcheck not installed: skipped that part');
    return;
  }
  const sc = spawnSync('shellcheck', ['-s', 'sh', '-S', 'style', ENTRY_SCRIPT], { encoding: 'utf8' });
  assert.equal(sc.status, 0, `shellcheck:\n${sc.stdout}${sc.stderr}`);
});

test('docker-compose.yml: a director pair on the host network with NET_ADMIN and NET_RAW only, each with its own existing config', () => {
  const doc = parseYaml(readFileSync(join(DOCKER, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
    services: Record<string, Record<string, unknown>>;
  };
  const services = Object.entries(doc.services);
  assert.equal(services.length, 2, 'two directors');
  const files = new Set<string>();
  for (const [name, s] of services) {
    assert.equal(s.network_mode, 'host', name);
    assert.deepEqual(s.cap_drop, ['ALL'], name);
    assert.deepEqual([...(s.cap_add as string[])].sort(), ['NET_ADMIN', 'NET_RAW'], name);
    assert.equal(s.init, true, `${name}: an init reaps scripts' orphans`);
    assert.equal(s.stop_signal, 'SIGTERM', name);
    assert.deepEqual(s.profiles, [name], `${name} starts only on its own director (--profile ${name})`);
    assert.deepEqual(s.build, { context: '..', dockerfile: 'docker/Dockerfile' }, name);
    assert.ok(existsSync(join(DOCKER, (s.build as { context: string }).context, (s.build as { dockerfile: string }).dockerfile)));
    const cmd = s.command as string[];
    assert.deepEqual(cmd.slice(0, 2), ['run', '-f'], name);
    const vol = (s.volumes as string[]).map((v) => v.split(':'));
    const mount = vol.find(([, inside]) => cmd[2]!.startsWith(`${inside}/`));
    assert.ok(mount, `${name}: ${cmd[2]} is not on a mounted volume`);
    assert.equal(mount[2], 'ro', `${name}: configuration mounted read-only`);
    const hostFile = join(DOCKER, mount[0]!, posix.relative(mount[1]!, cmd[2]!));
    assert.ok(existsSync(hostFile), `${name}: ${hostFile} does not exist`);
    files.add(hostFile);
  }
  assert.equal(files.size, 2, 'each director has its own configuration');
});

test('docker-compose.yml passes `docker-compose config` (the Compose file schema), when docker-compose is installed', (t) => {
  if (!which('docker-compose')) {
    const why = 'docker-compose is not installed (Debian package docker-compose; needs no Docker engine for `config`)';
    process.stderr.write(`# skipped: ${why}\n`);
    t.skip(why);
    return;
  }
  const good = spawnSync('docker-compose', ['-f', join(DOCKER, 'docker-compose.yml'), 'config', '-q'], { encoding: 'utf8', cwd: DOCKER });
  assert.equal(good.status, 0, good.stderr);
  // A misspelt option fails the same check.
  const dir = mkdtempSync(join(tmpdir(), 'lvsd-compose-'));
  try {
    writeFileSync(join(dir, 'docker-compose.yml'), readFileSync(join(DOCKER, 'docker-compose.yml'), 'utf8').replace('cap_add:', 'cap_ad:'));
    const bad = spawnSync('docker-compose', ['-f', join(dir, 'docker-compose.yml'), 'config', '-q'], { encoding: 'utf8', cwd: dir });
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /cap_ad/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Runs the staged image's entry point with LVSD_HOME pointing into it. */
function entry(img: StagedImage, args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(img.entry, args, { encoding: 'utf8', env: { ...process.env, LVSD_HOME: img.home, ...env }, timeout: 30_000 });
  return { code: r.status, out: r.stdout, err: r.stderr, pid: r.pid };
}

test('the runtime image laid out from this build: the entry point runs lvsd from it alone', (t) => {
  requireBundle();
  const img = stageRuntimeImage();
  t.after(() => rmSync(img.root, { recursive: true, force: true }));
  assert.deepEqual(img.entrypoint, ['/usr/local/bin/lvsd']);
  assert.ok((statSync(img.entry).mode & 0o111) !== 0, 'the entry point is executable in the image');
  for (const f of ['package.json', 'dist/src/cli/lvsd.mjs', 'node_modules/netlink/package.json', 'native/build/Release/lvsd_net.node']) {
    assert.ok(existsSync(join(img.home, f)), `${f} is in the image`);
  }
  assert.ok(!existsSync(join(img.home, 'node_modules', 'typescript')), 'development packages stay out');
  assert.ok(!existsSync(join(img.home, 'src')), 'no sources in the runtime image');

  const v = entry(img, ['--version']);
  assert.equal(v.code, 0, v.err);
  assert.equal(v.out, `lvsd ${packageVersion()}\n`);
  const h = entry(img, ['run', '--help']);
  assert.equal(h.code, 0, h.err);
  assert.match(h.out, /^usage: lvsd run\b/);
  // check-config on a file "mounted" into the image, in the -f, -fFILE, --file and --file= forms.
  const conf = join(img.root, 'etc', 'lvsd', 'lvsd.conf');
  mkdirSync(join(img.root, 'etc', 'lvsd'), { recursive: true });
  writeFileSync(conf, readFileSync(join(ROOT, 'configs', 'dual-master', 'director-a.conf')));
  for (const form of [['-f', conf], [`-f${conf}`], ['--file', conf], [`--file=${conf}`]]) {
    const r = entry(img, ['check-config', ...form, '--no-host-checks']);
    assert.equal(r.code, 0, `check-config ${form.join(' ')}: ${r.out}${r.err}`);
  }
  // The netlink package resolves from the image's node_modules: the IPVS listing reaches the kernel
  // (no IPVS on this host kernel: a clear error, exit 3, not a missing module, exit 70).
  const l = entry(img, ['ipvsadm', '-L', '-n']);
  assert.ok(l.code === 0 || l.code === 3, `ipvsadm -L -n: exit ${l.code}: ${l.err}`);
  if (l.code === 3) assert.match(l.err, /IPVS/);
  assert.doesNotMatch(l.err, /Cannot find (package|module)/);
  // Without the bundle the entry point says the image is incomplete.
  const broken = entry(img, ['--version'], { LVSD_HOME: join(img.root, 'nowhere') });
  assert.equal(broken.code, 70);
  assert.match(broken.err, /image is incomplete/);
});

test('entry point: a missing configuration file is named with a hint to mount it, exit 66, lvsd not started', (t) => {
  requireBundle();
  const img = stageRuntimeImage();
  t.after(() => rmSync(img.root, { recursive: true, force: true }));
  // The image's default command names /etc/lvsd/lvsd.conf, which nothing mounted here.
  assert.deepEqual(img.cmd, ['run', '-f', '/etc/lvsd/lvsd.conf']);
  const missing = join(img.root, 'etc', 'lvsd', 'missing.conf');
  for (const args of [['run', '-f', missing], ['run', `--file=${missing}`], ['check-config', `-f${missing}`], ['run', '--file', missing, '--log-level', 'debug']]) {
    const r = entry(img, args);
    assert.equal(r.code, 66, `${args.join(' ')}: ${r.err}`);
    assert.equal(r.out, '');
    const lines = r.err.trim().split('\n');
    assert.equal(lines.length, 1, r.err);
    assert.match(lines[0]!, new RegExp(`configuration file ${missing.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} not found in the container; mount`));
  }
});

test('entry point: execs node (same pid, so docker\'s signals reach lvsd) and passes the arguments unchanged', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lvsd-exec-'));
  try {
    // A stand-in `node` first on PATH reports its pid and arguments.
    const fake = join(dir, 'node');
    writeFileSync(fake, '#!/bin/sh\necho "pid=$$"\nfor a in "$@"; do echo "arg=$a"; done\n');
    chmodSync(fake, 0o755);
    const home = join(dir, 'home');
    mkdirSync(join(home, 'dist', 'src', 'cli'), { recursive: true });
    writeFileSync(join(home, 'dist', 'src', 'cli', 'lvsd.mjs'), '');
    const args = ['run', '-f', ENTRY_SCRIPT, '--log-level', 'a b', '*', ''];
    const r = spawnSync(ENTRY_SCRIPT, args, { encoding: 'utf8', env: { ...process.env, PATH: `${dir}:${process.env.PATH}`, LVSD_HOME: home } });
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.split('\n').filter(Boolean);
    assert.equal(lines[0], `pid=${r.pid}`, 'node replaced the shell (exec): same pid');
    assert.deepEqual(lines.slice(1), [`arg=${join(home, 'dist', 'src', 'cli', 'lvsd.mjs')}`, ...args.map((a) => `arg=${a}`)]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
