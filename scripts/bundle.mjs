// Build tool: bundles the `lvsd` CLI (src/cli/main.ts) into one ESM file with esbuild. Native
// modules (the `netlink` package's addon, lvsd's own shims) stay outside the bundle. Every module
// kept outside (Node's built-ins and `netlink`) is loaded when the bundled module that imports it
// is first initialised, not when the bundle loads: esbuild hoists an external ESM import to the
// top of the file, which would load all ~80 built-ins (http, tls, crypto, zlib, ...) and all of
// `netlink` before `lvsd --version` prints a line. Each external import is routed through a
// one-line CommonJS module that `require`s it, which esbuild initialises lazily with its importer.
// `netlink` itself is split: the raw socket (what the IPVS client uses) loads without the rtnetlink,
// nl80211 and WireGuard tables, which load when something reads them.
// Usage: node scripts/bundle.mjs OUTFILE [--entry src/cli/main.ts]
import { build } from 'esbuild';
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

await build({
  entryPoints: [entry],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outfile,
  logLevel: 'warning',
  plugins: [lazyExternals],
  // A third less source to read, decode and compile at every start; names are kept (stack traces).
  minifyWhitespace: true,
  minifySyntax: true,
  banner: { js: "import { createRequire as __lvsdRequire } from 'node:module'; const require = __lvsdRequire(import.meta.url);" },
});
