import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  labelSelectorString,
  labelsMatch,
  parseLabelSelector,
  MAX_SELECTOR_LENGTH,
} from '../../../src/api/machinery/labelSelector.js';
import { isStatusError, toStatus } from '../../../src/api/machinery/status.js';

const LABELS = { app: 'web', tier: 'frontend', env: '', 'example.com/owner': 'team-a', n: '7' };

test('label selectors parse into sorted requirements and match as apimachinery does', () => {
  const cases: Array<[string, string, boolean]> = [
    // selector, canonical text, matches LABELS
    ['', '', true],
    ['app=web', 'app=web', true],
    ['app==web', 'app==web', true],
    ['app!=web', 'app!=web', false],
    ['app!=api', 'app!=api', true],
    ['missing!=x', 'missing!=x', true],
    ['app in (web,api)', 'app in (api,web)', true],
    ['app in (api)', 'app in (api)', false],
    ['app notin (api)', 'app notin (api)', true],
    ['missing notin (x)', 'missing notin (x)', true],
    ['missing in (x)', 'missing in (x)', false],
    ['app', 'app', true],
    ['!app', '!app', false],
    ['!missing', '!missing', true],
    ['env=', 'env=', true],
    ['env in ()', 'env in ()', true],
    ['env in (,x)', 'env in (,x)', true],
    ['example.com/owner=team-a', 'example.com/owner=team-a', true],
    ['  app = web ,  tier in ( frontend ) ', 'app=web,tier in (frontend)', true],
    ['tier=frontend,app=web', 'app=web,tier=frontend', true],
    ['tier=frontend,app=api', 'app=api,tier=frontend', false],
    ['n>5', 'n>5', true],
    ['n<5', 'n<5', false],
    ['app>5', 'app>5', false],
    // `in` and `notin` are plain words in a values context
    ['app in (in,notin)', 'app in (in,notin)', false],
    ['x=in', 'x=in', false],
  ];
  for (const [sel, text, want] of cases) {
    const parsed = parseLabelSelector(sel);
    assert.equal(labelSelectorString(parsed), text, sel);
    assert.equal(labelsMatch(parsed, LABELS), want, sel);
  }
  // no labels at all
  assert.equal(labelsMatch(parseLabelSelector('!a,b notin (c)'), undefined), true);
  assert.equal(labelsMatch(parseLabelSelector('a'), undefined), false);
  assert.equal(labelsMatch(parseLabelSelector('!a'), null), true, 'null labels are no labels');
  // inherited names are not labels
  assert.equal(labelsMatch(parseLabelSelector('constructor'), {}), false);
  assert.equal(labelsMatch(parseLabelSelector('!toString'), {}), true);
});

test('bad label selectors are 400 BadRequest with kube-apiserver wording', () => {
  const cases: Array<[string, string | RegExp]> = [
    [',', "found ',', expected: !, identifier, or 'end of string'"],
    ['a,', "found '', expected: identifier after ','"],
    ['a,,b', "found ',', expected: identifier after ','"],
    ['a b', "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"],
    ['!a=b', "found '=', expected: ',' or 'end of string'"],
    ['a in b', "unable to parse requirement: found 'b' expected: '('"],
    ['a in (b', "unable to parse requirement: found '', expected: ',' or ')'"],
    ['a in (b c)', "unable to parse requirement: found 'c', expected: ',' or ')'"],
    ['a in (=)', "unable to parse requirement: found '=', expected: ',', ')' or identifier"],
    ['a (', "unable to parse requirement: found '(', expected: in, notin, =, ==, !=, gt, lt"],
    ['a=(', "unable to parse requirement: found '(', expected: identifier"],
    ['!', "unable to parse requirement: found '', expected: identifier"],
    ['a=b c', "found 'c', expected: ',' or 'end of string'"],
    ['a=b,c d', "unable to parse requirement: found 'd', expected: in, notin, =, ==, !=, gt, lt"],
    [
      'a>x',
      /^unable to parse requirement: values\[0\]: Invalid value: "x": for 'Gt', 'Lt' operators, the value must be an integer$/,
    ],
    ['a>99999999999999999999', /the value must be an integer/],
    [
      '-a=b',
      /^unable to parse requirement: key: Invalid value: "-a": name part must consist of alphanumeric characters/,
    ],
    [
      'a=-b',
      /^unable to parse requirement: values\[0\]\[a\]: Invalid value: "-b": a valid label must be an empty string/,
    ],
    [`a=${'x'.repeat(64)}`, /values\[0\]\[a\]: Invalid value: "x{64}": must be no more than 63 bytes$/],
    [`${'k'.repeat(64)}`, /name part must be no more than 63 bytes/],
    ['Example.COM/a', /prefix part a lowercase RFC 1123 subdomain must consist of lower case/],
    ['/a', /prefix part must be non-empty/],
    [
      'a/b/c',
      /a valid label key must consist of alphanumeric characters.* with an optional DNS subdomain prefix and '\/'/,
    ],
    ['a\u0000b', /key: Invalid value: "a\\u0000b"/],
    ['ключ=v', /key: Invalid value: "ключ"/],
    ['a=b\u202e', /Invalid value: "b\u202e"/],
  ];
  for (const [sel, want] of cases) {
    assert.throws(
      () => parseLabelSelector(sel),
      (e: unknown) => {
        assert.ok(isStatusError(e), sel);
        const s = toStatus(e);
        assert.equal(s.code, 400, sel);
        assert.equal(s.reason, 'BadRequest', sel);
        if (typeof want === 'string') assert.equal(s.message, want, sel);
        else assert.match(s.message!, want, sel);
        return true;
      },
    );
  }
});

test('hostile label selectors: huge, many requirements, many values — bounded and linear', () => {
  assert.throws(() => parseLabelSelector('a'.repeat(MAX_SELECTOR_LENGTH + 1)), /at most 65536 are accepted/);
  const many = Array.from({ length: 3000 }, (_, i) => `k${i}=v${i}`).join(',');
  const t0 = process.hrtime.bigint();
  const parsed = parseLabelSelector(many);
  assert.equal(parsed.length, 3000);
  const labels = Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`k${i}`, `v${i}`]));
  assert.equal(labelsMatch(parsed, labels), true);
  const values = Array.from({ length: 5000 }, (_, i) => `v${i}`).join(',');
  assert.equal(parseLabelSelector(`a in (${values})`)[0]!.values.length, 5000);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  assert.ok(ms < 2000, `took ${ms} ms`);
  // deeply repeated punctuation neither loops nor recurses
  assert.throws(() => parseLabelSelector('('.repeat(20000)), /expected: !, identifier/);
  assert.throws(() => parseLabelSelector('a in ' + '('.repeat(20000)), /unable to parse requirement/);
  assert.throws(() => parseLabelSelector('!'.repeat(20000)), /unable to parse requirement/);
});
