// Build tool: bundles the `lvsd` CLI (src/cli/main.ts) into one file with esbuild. Native
// modules (the `netlink` package's addon, lvsd's own shims) stay outside the bundle. Every module
// kept outside (Node's built-ins and `netlink`) is loaded when the bundled module that imports it
// is first initialised, not when the bundle loads: each external import is routed through a
// one-line CommonJS module that `require`s it, which esbuild initialises lazily with its importer,
// so `lvsd --version` does not load all ~80 built-ins (http, tls, crypto, zlib, ...) and all of
// `netlink`. `netlink` itself is split: the raw socket (what the IPVS client uses) loads without
// the rtnetlink, nl80211 and WireGuard tables, which load when something reads them.
//
// The file written is a small ES module holding the program as text, which it compiles as a
// script with V8's code cache: OUTFILE.cache, made here by a training run of the new bundle
// (`check-config` on a sample configuration) and tagged with the program's SHA-256, holds the
// bytecode of every function that run compiled. A start then deserialises that code instead of
// parsing and compiling ~1.2 MB of JavaScript; a cache that does not match the program (another
// build) or this Node (V8 checks its version and flags) is not used, and lvsd compiles as before.
// Usage: node scripts/bundle.mjs OUTFILE [--entry src/cli/main.ts]
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtinModules, createRequire } from 'node:module';

const outfile = process.argv[2];
const entry = process.argv[3] === '--entry' ? process.argv[4] : 'src/cli/main.ts';
if (!outfile || !entry) {
  console.error('usage: node scripts/bundle.mjs OUTFILE [--entry FILE]');
  process.exit(64);
}

const BUILTIN = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
const NS = 'lvsd-lazy';

// The names each part of netlink exports, read from the installed package at build time (this
// loads its native addon; where it cannot load, netlink is left to load whole on first use).
const req = createRequire(import.meta.url);
function netlinkParts() {
  try {
    const raw = Object.keys(req('netlink/dist/raw.js'));
    return { raw, rest: Object.keys(req('netlink')).filter((k) => !raw.includes(k)) };
  } catch (e) {
    console.warn(`scripts/bundle.mjs: netlink does not load here (${e.message}); the bundle loads it whole on first use`);
    return undefined;
  }
}
const NETLINK = netlinkParts();

/** The CommonJS stand-in for one external module: exports read through to the real one on first use. */
function stub(name) {
  if (name !== 'netlink' || !NETLINK) return `module.exports = require(${JSON.stringify(name)});`;
  // netlink/dist/index.js re-exports raw.js and builds the rt / nl80211 / wg tables at load.
  return [
    "const raw = () => require('netlink/dist/raw.js');",
    "const all = () => require('netlink');",
    "Object.defineProperty(exports, '__esModule', { value: true });",
    `for (const k of ${JSON.stringify(NETLINK.raw)}) Object.defineProperty(exports, k, { enumerable: true, get: () => raw()[k] });`,
    `for (const k of ${JSON.stringify(NETLINK.rest)}) Object.defineProperty(exports, k, { enumerable: true, get: () => all()[k] });`,
  ].join('\n');
}

/** @type {import('esbuild').Plugin} */
const lazyExternals = {
  name: 'lazy-externals',
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) => {
      const bare = args.path;
      const isExternal = BUILTIN.has(bare) || bare === 'netlink' || bare.startsWith('netlink/');
      if (!isExternal) return undefined;
      // The stand-in's own require() stays a plain external require.
      if (args.namespace === NS || args.kind === 'require-call') return { path: bare, external: true };
      return { path: bare, namespace: NS };
    });
    b.onLoad({ filter: /.*/, namespace: NS }, (args) => ({ contents: stub(args.path), loader: 'js' }));
  },
};

/** What the training run checks: each section kind, each checker kind, a deprecated keyword. */
const TRAINING_CONF = `global_defs {
  router_id lvsd-bundle
  notification_email { ops@example.com }
  smtp_server 127.0.0.1
  enable_script_security
}
vrrp_script chk_self {
  script "/bin/true"
  interval 2
  weight -20
}
vrrp_instance VI_1 {
  state BACKUP
  interface lo
  virtual_router_id 51
  priority 100
  advert_int 1
  nopreempt
  authentication {
    auth_type PASS
    auth_pass secret
  }
  unicast_peer {
    127.0.0.2
  }
  virtual_ipaddress {
    192.0.2.10/32 dev lo
  }
  track_script {
    chk_self
  }
}
virtual_server_group WEB {
  192.0.2.20-22 80
  fwmark 7
}
${[1, 2, 3, 4].map((n) => `virtual_server 192.0.2.${n} 80 {
  delay_loop 6
  lb_algo wrr
  lvs_method NAT
  protocol TCP
  persistence_timeout 300
  sorry_server 198.51.100.9 80
  real_server 198.51.100.${n} 80 {
    weight 2
    HTTP_GET {
      url {
        path /health
        status_code 200
      }
      connect_timeout 3
      retry 2
      delay_before_retry 1
    }
  }
  real_server 198.51.100.${n + 10} 80 {
    weight 1
    TCP_CHECK {
      connect_port 80
      connect_timeout 2
    }
  }
  real_server 198.51.100.${n + 20} 80 {
    MISC_CHECK {
      misc_path "/bin/true"
      misc_timeout 5
    }
  }
  real_server 198.51.100.${n + 30} 80 {
    SSL_GET {
      url {
        path /
        digest 9b3a0c85a887a256d6939da88aabd8cd
      }
    }
  }
}`).join('\n')}
virtual_server group WEB {
  lvs_sched rr
  lvs_method DR
  protocol TCP
  real_server 198.51.100.40 80 {
    TCP_CHECK {
    }
  }
}
virtual_server fwmark 8 {
  lvs_sched sh
  sh-port
  lvs_method TUN
  real_server 2001:db8::1 {
  }
}
`;

const result = await build({
  entryPoints: [entry],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  outfile,
  write: false,
  logLevel: 'warning',
  plugins: [lazyExternals],
  // A third less source to read, decode and compile at every start; names are kept (stack traces).
  minifyWhitespace: true,
  minifySyntax: true,
  // The loader below passes the URL of the file operators run (lvsd finds its package from it).
  define: { 'import.meta.url': '__lvsdUrl' },
});
let program = result.outputFiles[0].text;
if (program.startsWith('#!')) program = program.slice(program.indexOf('\n') + 1);
const id = createHash('sha256').update(program).digest('hex');

// The loader: reads the code cache when it is this program's, compiles and runs the program as a
// CommonJS-style function, and (training run only) writes the cache at exit.
const loader = `#!/usr/bin/env node
// lvsd: the CLI bundled by scripts/bundle.mjs (the program is the string PROGRAM; see there).
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script, constants } from 'node:vm';
const here = fileURLToPath(import.meta.url);
const tag = Buffer.from(${JSON.stringify(`lvsd-code-cache ${id}
`)}, 'latin1');
let cachedData;
try {
  const b = readFileSync(here + '.cache');
  if (b.length > tag.length && b.subarray(0, tag.length).equals(tag)) cachedData = b.subarray(tag.length);
} catch {
  // No cache (or unreadable): compile from the text.
}
const PROGRAM = ${JSON.stringify(`(function (exports, require, module, __filename, __dirname, __lvsdUrl) {${program}
})`)};
const script = new Script(PROGRAM, { filename: here, cachedData, importModuleDynamically: constants.USE_MAIN_CONTEXT_DEFAULT_LOADER });
const train = process.env.LVSD_CODE_CACHE_OUT;
if (train) process.on('exit', () => writeFileSync(train, Buffer.concat([tag, script.createCachedData()])));
const module = { exports: {} };
script.runInThisContext()(module.exports, createRequire(here), module, here, dirname(here), import.meta.url);
export const { main, version } = module.exports;
/** Whether this start used the code cache: 'used', 'rejected' (by V8: another Node or flags) or 'none'. */
export const codeCache = cachedData === undefined ? 'none' : script.cachedDataRejected ? 'rejected' : 'used';
`;
writeFileSync(outfile, loader, { mode: 0o755 });

// The training run: the new bundle checks a configuration that touches most of the parser, the
// model and the resolvers (LVS with each checker kind, VRRP, a deprecated keyword), then writes
// the code its run compiled. Only check-config: nothing here touches the kernel.
const cacheFile = `${outfile}.cache`;
rmSync(cacheFile, { force: true });
const dir = mkdtempSync(join(tmpdir(), 'lvsd-bundle-'));
try {
  const conf = join(dir, 'keepalived.conf');
  writeFileSync(conf, TRAINING_CONF);
  const out = join(dir, 'cache');
  const r = spawnSync(process.execPath, [outfile, 'check-config', '-f', conf], { env: { ...process.env, LVSD_CODE_CACHE_OUT: out }, encoding: 'utf8', timeout: 120_000 });
  // 0, 1 or 2: the configuration was read (a build host has no lo VIPs or users to match it).
  if (r.status !== null && r.status <= 2 && existsSync(out)) renameSync(out, cacheFile);
  else console.warn(`scripts/bundle.mjs: the training run exited ${r.status ?? r.signal} (${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' / ')}); ${outfile} runs without a code cache`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
