// Property tests: the preprocessor's fast path for plain lines (tokens straight from the file
// text) gives exactly the tokens, lines and columns of the general path, stripComment + tokenize,
// on random lines mixing words, braces, quotes, comments, escapes, CRs and Unicode white space.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Diagnostics } from '../../../src/config/diagnostics.js';
import { scanPlainLine, stripComment, tokenize } from '../../../src/config/keepalived/lexer.js';
import { Preprocessor } from '../../../src/config/keepalived/preprocess.js';
import { buildTree, TreeBuilder, type Stmt } from '../../../src/config/keepalived/tree.js';
import type { Token } from '../../../src/config/source.js';
import { memFs } from './memfs.js';

const runs = Number(process.env.LVSD_PROPERTY_RUNS ?? 200);

type Tok = [string, number, number, boolean];

/** The general path, line by line (lines using no preprocessor feature). */
function reference(text: string, file: string): Tok[][] {
  const out: Tok[][] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const st = stripComment(line);
    const lead = st.text.search(/\S/);
    if (lead < 0) return;
    const toks = tokenize(st.text.slice(lead), file, i + 1, lead + 1);
    if (toks.length) out.push(toks.map((t) => [t.text, t.loc.line, t.loc.col, t.quoted]));
  });
  return out;
}

function viaPreprocessor(text: string, file: string): Tok[][] {
  const pre = new Preprocessor(memFs({ [file]: text }), new Diagnostics(), { configId: 'x' });
  return pre.run(file).map((l) => l.tokens.map((t): Tok => [t.text, t.loc.line, t.loc.col, t.quoted]));
}

// No `$` (definitions), no `include`; `@` and `~` only inside a line (not first).
const chars = fc.constantFrom('a', 'b', 'Z', '1', '.', '-', '_', '/', ':', '@', '~', ' ', ' ', '\t', '\v', '\f', '\r', '\u00a0', '\u3000', '{', '}', '"', '#', '!', '\\', '\u00e9');
const line = fc
  .array(chars, { maxLength: 24 })
  .map((cs) => cs.join(''))
  .filter((l) => !/^\s*[@~]/.test(stripComment(l.replace(/\r$/, '')).text));
const file = fc.array(line, { maxLength: 12 }).map((ls) => ls.join('\n'));

test('plain-line fast path: same tokens, lines, columns and quoting as stripComment + tokenize', () => {
  fc.assert(
    fc.property(file, (text) => {
      assert.deepEqual(viaPreprocessor(text, '/f.conf'), reference(text, '/f.conf'), JSON.stringify(text));
    }),
    { numRuns: runs * 5 },
  );
});

test('the generator reaches both paths: plain lines are scanned, special ones are declined', () => {
  const sample = fc.sample(line, { numRuns: 500, seed: 3 });
  let plain = 0;
  let declined = 0;
  for (const l of sample) {
    const out: Token[] = [];
    const n = scanPlainLine(l, 0, l.length, 'f', 1, out);
    if (n >= 0) {
      plain++;
      assert.equal(n, out.length, 'a fresh array holds exactly the tokens written');
    } else declined++;
  }
  assert.ok(plain > 50 && declined > 50, `${plain} plain, ${declined} declined`);
});

test('CRLF lines and blank lines: columns from the start of the line; each line keeps its own tokens', () => {
  const text = 'virtual_server 10.0.0.1 80 {\r\n\r\n   \t\r\n  real_server 10.0.0.2 80{ weight 2 }\r\n}';
  assert.deepEqual(viaPreprocessor(text, '/c.conf'), [
    [['virtual_server', 1, 1, false], ['10.0.0.1', 1, 16, false], ['80', 1, 25, false], ['{', 1, 28, false]],
    [['real_server', 4, 3, false], ['10.0.0.2', 4, 15, false], ['80', 4, 24, false], ['{', 4, 26, false], ['weight', 4, 28, false], ['2', 4, 35, false], ['}', 4, 37, false]],
    [['}', 5, 1, false]],
  ]);
});

test('statements split at braces: a keyword, its arguments up to the brace, the block', () => {
  const pre = new Preprocessor(memFs({ '/t.conf': 'a 1 2 { b } c\nd { e 3 }' }), new Diagnostics(), {});
  const tree = buildTree(pre.run('/t.conf'), new Diagnostics());
  assert.deepEqual(
    tree.map((s) => [s.kw.text, s.args.map((t) => t.text), s.block?.map((b) => [b.kw.text, b.args.map((t) => t.text)])]),
    [
      ['a', ['1', '2'], [['b', []]]],
      ['c', [], undefined],
      ['d', [], [['e', ['3']]]],
    ],
  );
});

function shape(stmts: readonly Stmt[]): unknown[] {
  return stmts.map((s) => [s.kw.text, s.kw.loc.line, s.kw.loc.col, s.args.map((a) => [a.text, a.loc.col, a.quoted]), s.blockLoc?.col, s.block && shape(s.block)]);
}

test('streaming (reused token array handed to the tree) builds the same statements as reading all lines first', () => {
  fc.assert(
    fc.property(file, (text) => {
      const all = buildTree(new Preprocessor(memFs({ '/s.conf': text }), new Diagnostics(), {}).run('/s.conf'), new Diagnostics());
      const streamed: Stmt[] = [];
      const diags = new Diagnostics();
      const tree = new TreeBuilder(diags, (s) => streamed.push(s));
      new Preprocessor(memFs({ '/s.conf': text }), diags, {}, (tokens, n) => tree.pushTokens(tokens, n)).run('/s.conf');
      tree.end();
      assert.deepEqual(shape(streamed), shape(all), JSON.stringify(text));
    }),
    { numRuns: runs * 2 },
  );
  // A long line then short ones: tokens left over in the reused array never leak into a statement.
  const diags = new Diagnostics();
  const got: Stmt[] = [];
  const tree = new TreeBuilder(diags, (s) => got.push(s));
  new Preprocessor(memFs({ '/r.conf': 'a 1 2 3 4 5 6 7\nb\nc 9 {\n d\n}' }), diags, {}, (tokens, n) => tree.pushTokens(tokens, n)).run('/r.conf');
  tree.end();
  assert.deepEqual(got.map((s) => [s.kw.text, s.args.map((t) => t.text), s.block?.map((b) => b.kw.text)]), [
    ['a', ['1', '2', '3', '4', '5', '6', '7'], undefined],
    ['b', [], undefined],
    ['c', ['9'], ['d']],
  ]);
});
