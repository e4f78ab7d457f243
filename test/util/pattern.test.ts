/**
 * Patterns from configuration run on RE2 (src/util/pattern.ts): patterns that take a
 * backtracking engine exponential time finish in milliseconds here; RE2 syntax errors are
 * configuration errors; and `kubetls cfssl sign` with a hostile name_whitelist answers as
 * fast as the real cfssl, with the same verdict, for each pattern.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compilePattern, MAX_PATTERN_LENGTH, patternProblem } from '../../src/util/pattern.js';
import { KubetlsError } from '../../src/errors/index.js';
import { cli, hasCommand, run, tmpDir } from '../helpers.js';

/** Patterns known to make backtracking engines take exponential (or high-polynomial) time, with an input that almost matches. */
const CATASTROPHIC: Array<[pattern: string, input: string, matches: boolean]> = [
  ['^([a-z0-9]+-?)+\\.example\\.com$', `${'a'.repeat(34)}.example.org`, false], // issue #16's example
  ['^(a+)+$', `${'a'.repeat(40)}!`, false], // nested quantifiers
  ['(a|a)*$', `${'a'.repeat(40)}!`, true], // overlapping alternation (matches the empty suffix)
  ['^(a|a)*$', `${'a'.repeat(40)}!`, false],
  ['^(a|aa)+$', `${'a'.repeat(60)}!`, false],
  ['^(.*a){20}$', `${'a'.repeat(30)}`, true],
  ['^(.*a){20}$', `${'a'.repeat(19)}${'b'.repeat(40)}`, false],
  ['^(\\w+\\s?)*$', `${'word '.repeat(12)}!`, false],
  [
    '^([a-zA-Z0-9])(([\\-.]|[_]+)?([a-zA-Z0-9]+))*(@){1}[a-z0-9]+[.]{1}(([a-z]{2,3})|([a-z]{2,3}[.]{1}[a-z]{2,3}))$',
    `${'a'.repeat(40)}@`,
    false,
  ],
];

test('catastrophic patterns run in linear time: each verdict in milliseconds, with 100x longer inputs too', () => {
  for (const [p, input, want] of CATASTROPHIC) {
    const re = compilePattern(p, { where: 'test' });
    const t0 = process.hrtime.bigint();
    assert.equal(re.search(input), want, p);
    re.search(input.repeat(100));
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    assert.ok(ms < 1000, `${p}: ${ms} ms`);
  }
});

test('search is unanchored (Go MatchString), fullMatch needs the whole value', () => {
  const re = compilePattern('worker-[0-9]+', { where: 'x' });
  assert.equal(re.search('system:node:worker-12.example'), true);
  assert.equal(re.fullMatch('system:node:worker-12'), false);
  assert.equal(re.fullMatch('worker-12'), true);
  // alternation: fullMatch anchors the whole alternation, not its first branch
  const alt = compilePattern('a|bc', { where: 'x' });
  assert.equal(alt.fullMatch('bc'), true);
  assert.equal(alt.fullMatch('abc'), false);
  assert.equal(alt.search('xbcx'), true);
  assert.equal(compilePattern('(?i)^OK$', { where: 'x' }).search('ok'), true);
  assert.equal(compilePattern('^\\p{Greek}+$', { where: 'x' }).search('αβγ'), true);
});

test('not RE2 (look-around, back-references, huge repeats) or too long: one error naming where the pattern came from', () => {
  for (const [p, re] of [
    ['(?=a)b', /invalid or unsupported Perl syntax/],
    ['(?<=a)b', /invalid named capture|Perl syntax/],
    ['(a)\\1', /invalid escape sequence/],
    ['a{1001}', /invalid repeat count/],
    ['((a{100}){100}){100}', /invalid repeat count/],
    ['[', /missing closing \]/],
    ['a**', /invalid nested repetition operator/],
    ['x'.repeat(MAX_PATTERN_LENGTH + 1), /longer than 4096 characters/],
  ] as const) {
    assert.throws(
      () => compilePattern(p, { where: 'signing.default.name_whitelist' }),
      (e: unknown) => {
        assert.ok(e instanceof KubetlsError);
        assert.equal(e.code, 'InvalidPattern');
        assert.match(e.message, /^signing\.default\.name_whitelist: /);
        assert.match(e.message, re);
        assert.ok(!e.message.includes('\n'));
        return true;
      },
      p.slice(0, 40),
    );
    assert.ok(patternProblem(p));
  }
  assert.equal(patternProblem('^ok$'), undefined);
  assert.throws(
    () => compilePattern('(', { where: '-flag', code: 'BadFlag' }),
    (e: KubetlsError) => e.code === 'BadFlag',
  );
});

const needCfssl = hasCommand('cfssl') ? {} : { skip: 'cfssl (Debian golang-cfssl) not installed' };

test(
  'kubetls cfssl sign and the real cfssl agree on hostile name_whitelist patterns, each answering in bounded time',
  needCfssl,
  (t) => {
    const dir = tmpDir('kubetls-pattern-', t);
    const sh = (cmd: string) => run('sh', ['-c', cmd], { cwd: dir, timeout: 30_000 });
    writeFileSync(join(dir, 'ca-csr.json'), JSON.stringify({ CN: 'Pattern CA', key: { algo: 'ecdsa', size: 256 } }));
    assert.equal(sh('cfssl gencert -initca ca-csr.json 2>/dev/null | cfssljson -bare ca').code, 0);
    const cases: Array<[pattern: string, cn: string, hosts: string[], signs: boolean]> = [
      ['^([a-z0-9]+-?)+\\.example\\.com$', `${'a'.repeat(34)}.example.org`, [], false],
      ['^([a-z0-9]+-?)+\\.example\\.com$', 'web-1.example.com', ['api-2.example.com'], true],
      ['^(a+)+$', `${'a'.repeat(40)}b`, [], false],
      ['^(a|aa)+$', 'a'.repeat(60), [`${'a'.repeat(50)}!`], false],
      ['^(.*a){20}$', `${'a'.repeat(19)}${'b'.repeat(40)}`, [], false],
      // cfssl checks the CN and DNS/e-mail SANs but not IP SANs
      ['^ok', 'ok-cn', ['ok.dns', '10.0.0.1', 'ok@example.com'], true],
      ['^ok', 'ok-cn', ['ok.dns', 'bad@example.com'], false],
      ['^ok', 'bad-cn', ['ok.dns'], false],
      // unanchored: found anywhere in the name
      ['example', 'www.example.net', [], true],
    ];
    cases.forEach(([pattern, cn, hosts, signs], i) => {
      writeFileSync(
        join(dir, `cfg${i}.json`),
        JSON.stringify({ signing: { default: { expiry: '1h', usages: ['server auth'], name_whitelist: pattern } } }),
      );
      writeFileSync(join(dir, `csr${i}.json`), JSON.stringify({ CN: cn, hosts, key: { algo: 'ecdsa', size: 256 } }));
      assert.equal(sh(`cfssl genkey csr${i}.json 2>/dev/null | cfssljson -bare r${i}`).code, 0);
      const args = ['-ca', 'ca.pem', '-ca-key', 'ca-key.pem', '-config', `cfg${i}.json`, `r${i}.csr`];
      const t0 = Date.now();
      const k = cli(['cfssl', 'sign', ...args], { cwd: dir, timeout: 20_000 });
      const kMs = Date.now() - t0;
      const c = run('cfssl', ['sign', ...args], { cwd: dir, timeout: 20_000 });
      const what = `${pattern} / ${cn.slice(0, 20)} ${hosts.join(',')}`;
      assert.ok(kMs < 10_000, `${what}: kubetls took ${kMs} ms`);
      assert.equal(k.code === 0, signs, `${what}: kubetls ${k.stderr}`);
      assert.equal(c.stdout.includes('"cert"'), signs, `${what}: cfssl ${c.stdout}${c.stderr}`);
      if (!signs) {
        assert.match(k.stderr, /^error: ".*" does not match the profile's name_whitelist\n$/);
        assert.match(c.stdout + c.stderr, /Request does not match policy whitelist/);
      }
    });
    // both refuse a pattern that is not RE2 when loading the config
    writeFileSync(
      join(dir, 'bad.json'),
      JSON.stringify({ signing: { default: { expiry: '1h', usages: ['server auth'], name_whitelist: '(?=a)' } } }),
    );
    const k = cli(['cfssl', 'sign', '-ca', 'ca.pem', '-ca-key', 'ca-key.pem', '-config', 'bad.json', 'r0.csr'], {
      cwd: dir,
    });
    assert.equal(k.code, 1);
    assert.match(
      k.stderr,
      /^error: bad\.json: signing\.default\.name_whitelist: invalid regular expression \(RE2 syntax\)/,
    );
    const c = run('cfssl', ['sign', '-ca', 'ca.pem', '-ca-key', 'ca-key.pem', '-config', 'bad.json', 'r0.csr'], {
      cwd: dir,
    });
    assert.match(c.stdout + c.stderr, /failed to compile name whitelist section/);
  },
);
