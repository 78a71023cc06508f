import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Diagnostics, ConfigError } from '../../../src/config/diagnostics.js';
import { Preprocessor } from '../../../src/config/keepalived/preprocess.js';
import { buildTree, type Stmt } from '../../../src/config/keepalived/tree.js';
import { stripComment, tokenize } from '../../../src/config/keepalived/lexer.js';
import { memFs } from './memfs.js';

function lines(files: Record<string, string>, opts: { configId?: string } = {}, top = '/etc/k.conf') {
  const diags = new Diagnostics();
  const pre = new Preprocessor(memFs(files), diags, opts);
  const out = pre.run(top).map((l) => l.tokens.map((t) => t.text).join(' '));
  return { out, diags, pre };
}

function shape(stmts: Stmt[]): unknown[] {
  return stmts.map((s) => {
    const head = [s.kw.text, ...s.args.map((a) => a.text)].join(' ');
    return s.block ? { [head]: shape(s.block) } : head;
  });
}

test('comments: # and ! outside quotes end the line; escaped and quoted ones stay', () => {
  assert.equal(stripComment('router_id lb01 # the name').text, 'router_id lb01');
  assert.equal(stripComment('! whole line').text, '');
  assert.equal(stripComment('script "/bin/x #1 !2" # c').text, 'script "/bin/x #1 !2"');
  assert.equal(stripComment('path /a\\#b').text, 'path /a#b');
  assert.equal(stripComment('auth_pass x!y').text, 'auth_pass x');
  assert.deepEqual(stripComment('$X=a \\'), { text: '$X=a', continued: true, unterminatedQuote: false });
  assert.equal(stripComment('script "/bin/x').unterminatedQuote, true);
});

test('tokens carry file, line and 1-based column; braces are tokens; quotes group words', () => {
  const t = tokenize('  real_server 10.0.0.1 80{ weight "1 2" }', 'f.conf', 7);
  assert.deepEqual(
    t.map((x) => [x.text, x.loc.col, x.quoted]),
    [
      ['real_server', 3, false],
      ['10.0.0.1', 15, false],
      ['80', 24, false],
      ['{', 26, false],
      ['weight', 28, false],
      ['1 2', 35, true],
      ['}', 41, false],
    ],
  );
  assert.equal(t[0]?.loc.line, 7);
  assert.equal(t[0]?.loc.file, 'f.conf');
});

test('include with a glob, relative to the including file, in sorted order', () => {
  const { out, pre } = lines({
    '/etc/k.conf': 'global_defs {\n}\ninclude conf.d/*.conf\nvrrp_script x {\n}',
    '/etc/conf.d/b.conf': 'virtual_server 10.0.0.2 80 {\n}',
    '/etc/conf.d/a.conf': 'virtual_server 10.0.0.1 80 {\n}\ninclude ../extra/c.inc',
    '/etc/extra/c.inc': 'vrrp_instance VI_9 {\n}',
    '/etc/conf.d/skip.txt': 'nope',
  });
  assert.deepEqual(out, [
    'global_defs {',
    '}',
    'virtual_server 10.0.0.1 80 {',
    '}',
    'vrrp_instance VI_9 {',
    '}',
    'virtual_server 10.0.0.2 80 {',
    '}',
    'vrrp_script x {',
    '}',
  ]);
  assert.deepEqual(pre.files, ['/etc/k.conf', '/etc/conf.d/a.conf', '/etc/extra/c.inc', '/etc/conf.d/b.conf']);
});

test('include that matches nothing is a warning with the location; a loop is a ConfigError', () => {
  const { diags } = lines({ '/etc/k.conf': 'x\ninclude /nowhere/*.conf' });
  assert.equal(diags.list.length, 1);
  assert.equal(diags.list[0]?.code, 'include-no-match');
  assert.deepEqual(diags.list[0]?.loc, { file: '/etc/k.conf', line: 2, col: 1 });
  assert.throws(
    () => lines({ '/etc/k.conf': 'include b.conf', '/etc/b.conf': 'include k.conf' }),
    (e: unknown) => e instanceof ConfigError && e.code === 'include-loop' && e.loc?.file === '/etc/b.conf',
  );
  assert.throws(() => lines({}, {}, '/etc/missing.conf'), (e: unknown) => e instanceof ConfigError && e.code === 'file-not-found');
});

test('@id and @^id lines follow the config id', () => {
  const files = { '/etc/k.conf': '@lb01 priority 150\n@lb02 priority 100\n@^lb01 state BACKUP\n@lb01\nplain' };
  assert.deepEqual(lines(files, { configId: 'lb01' }).out, ['priority 150', 'plain']);
  assert.deepEqual(lines(files, { configId: 'lb02' }).out, ['priority 100', 'state BACKUP', 'plain']);
  assert.deepEqual(lines(files, {}).out, ['state BACKUP', 'plain']);
});

test('$NAME definitions: $X and ${X}, redefinition, multi-line, undefined names warned', () => {
  const { out, diags } = lines({
    '/etc/k.conf': [
      '$VIP=10.0.0.100',
      '$PRIO = 150',
      'virtual_ipaddress_x ${VIP}/24 $VIP',
      'priority $PRIO',
      '$PRIO=99',
      'priority ${PRIO}',
      '$RS=real_server 10.0.0.1 80 { \\',
      '   weight 1 \\',
      '}',
      '$RS',
      'use $UNDEF here',
    ].join('\n'),
  });
  assert.deepEqual(out, [
    'virtual_ipaddress_x 10.0.0.100/24 10.0.0.100',
    'priority 150',
    'priority 99',
    'real_server 10.0.0.1 80 {',
    'weight 1',
    '}',
    'use $UNDEF here',
  ]);
  assert.equal(diags.list.length, 1);
  assert.equal(diags.list[0]?.code, 'undefined-definition');
  assert.equal(diags.list[0]?.loc?.line, 11);
});

test('~SEQ repeats the rest of the line with the variable set; ~SEQx in hex; nested', () => {
  assert.deepEqual(lines({ '/etc/k.conf': '~SEQ(n, 1, 2, 5) real_server 10.0.0.$n 80' }).out, [
    'real_server 10.0.0.1 80',
    'real_server 10.0.0.3 80',
    'real_server 10.0.0.5 80',
  ]);
  assert.deepEqual(lines({ '/etc/k.conf': '~SEQ(n, 3) x$n' }).out, ['x1', 'x2', 'x3']);
  assert.deepEqual(lines({ '/etc/k.conf': '~SEQ(n, 3, 1) x$n' }).out, ['x3', 'x2', 'x1']);
  assert.deepEqual(lines({ '/etc/k.conf': '~SEQx(n, 9, 11) fe80::$n' }).out, ['fe80::9', 'fe80::a', 'fe80::b']);
  assert.deepEqual(lines({ '/etc/k.conf': '~SEQ(a, 1, 2) ~SEQ(b, 1, 2) h$a.$b' }).out, ['h1.1', 'h1.2', 'h2.1', 'h2.2']);
  const bad = lines({ '/etc/k.conf': '~SEQ(n, 1, -1, 5) x' });
  assert.equal(bad.diags.errors[0]?.code, 'invalid-seq');
  assert.deepEqual(bad.out, []);
});

test('statement tree: same-line and next-line braces, several statements per line', () => {
  const diags = new Diagnostics();
  const pre = new Preprocessor(memFs({
    '/k': 'vrrp_instance VI_1\n{\n  track_script { chk weight 20 }\n  virtual_ipaddress {\n    10.0.0.1/24 dev eth0\n  }\n  priority 100\n}\nglobal_defs { router_id a }',
  }), diags);
  const tree = buildTree(pre.run('/k'), diags);
  assert.deepEqual(diags.list, []);
  assert.deepEqual(shape(tree), [
    {
      'vrrp_instance VI_1': [
        { track_script: ['chk weight 20'] },
        { virtual_ipaddress: ['10.0.0.1/24 dev eth0'] },
        'priority 100',
      ],
    },
    { global_defs: ['router_id a'] },
  ]);
  const bl = tree[0]?.blockLoc;
  assert.deepEqual(bl && { file: bl.file, line: bl.line, col: bl.col }, { file: '/k', line: 2, col: 1 });
});

test('statement tree: unbalanced braces are errors with locations', () => {
  const run = (text: string) => {
    const diags = new Diagnostics();
    const pre = new Preprocessor(memFs({ '/k': text }), diags);
    buildTree(pre.run('/k'), diags);
    return diags.errors.map((d) => `${d.code}@${d.loc?.line}:${d.loc?.col}`);
  };
  assert.deepEqual(run('a {\n b {\n }\n'), ['missing-brace@1:3']);
  assert.deepEqual(run('a {\n}\n}\n'), ['extra-brace@3:1']);
  assert.deepEqual(run('{\n}\n'), ['unexpected-brace@1:1']);
  assert.deepEqual(run('a { } {\n}'), ['unexpected-brace@1:7']);
});
