/** The static token file (kube-apiserver's CSV format): parsing, lookups, and hostile files. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KubetlsError } from '../../../src/errors/index.js';
import { parseTokenFile, TokenFileAuthenticator } from '../../../src/api/authn/tokenfile.js';
import { createRequestAuthentication } from '../../../src/api/authn/authenticator.js';
import { tmpDir } from '../../helpers.js';

const FILE = [
  'token-one,alice,uid-1,"devs,system:masters"',
  'token-two,bob,uid-2',
  '"token,with,commas",carol,,ops',
  'token-four,dave,uid-4,"",extra-column-ignored',
  '',
  'token-five,"erin ""the admin""",uid-5,"multi',
  'line"',
].join('\r\n');

test('token file: kube-apiserver CSV records', async () => {
  const f = parseTokenFile(FILE);
  const auth = new TokenFileAuthenticator(f);
  const cases: Array<[string, object | undefined]> = [
    ['token-one', { username: 'alice', uid: 'uid-1', groups: ['devs', 'system:masters'] }],
    ['token-two', { username: 'bob', uid: 'uid-2', groups: [] }],
    ['token,with,commas', { username: 'carol', groups: ['ops'] }],
    ['token-four', { username: 'dave', uid: 'uid-4', groups: [] }],
    ['token-five', { username: 'erin "the admin"', uid: 'uid-5', groups: ['multi\nline'] }],
    ['token-on', undefined],
    ['token-one ', undefined],
    ['TOKEN-ONE', undefined],
    ['', undefined],
  ];
  for (const [token, user] of cases) {
    const r = await auth.authenticate({ bearerToken: token });
    if (user) {
      assert.ok(r.authenticated, token);
      assert.deepEqual(r.user, user);
      assert.equal(r.method, 'token-file');
    } else assert.deepEqual(r, { authenticated: false }, token);
  }
  assert.deepEqual(await auth.authenticate({}), { authenticated: false });
});

test('token file: empty and duplicate tokens are warnings, as upstream (the last duplicate wins)', async () => {
  const f = parseTokenFile(',nobody,1\ndup,first,1\ndup,second,2\n');
  assert.deepEqual(f.warnings, [
    'token file record 1: empty token, ignored',
    'token file record 3: duplicate token, this record wins',
  ]);
  const r = await new TokenFileAuthenticator(f).authenticate({ bearerToken: 'dup' });
  assert.ok(r.authenticated && r.user.username === 'second');
  // a UTF-8 byte order mark is not part of the first token
  const bom = parseTokenFile('\uFEFFfirst-token,u,1');
  assert.ok((await new TokenFileAuthenticator(bom).authenticate({ bearerToken: 'first-token' })).authenticated);
});

test('token file: hostile files fail with the line and never echo a value', () => {
  const SECRET = 's3cr3t-t0ken';
  const cases: Array<[string | Buffer, RegExp, string]> = [
    [
      `${SECRET},alice`,
      /record 1: must have at least 3 columns \(token, user name, user uid\), found 2/,
      'InvalidConfig',
    ],
    [`a,b,c\n${SECRET}`, /record 2: must have at least 3 columns/, 'InvalidConfig'],
    [`${SECRET}",alice,1`, /line 1: a quote inside an unquoted field/, 'InvalidConfig'],
    [
      `ok,u,1\n"${SECRET},alice,1`,
      /line 2: a quote is never closed|line \d+: a quote is never closed/,
      'InvalidConfig',
    ],
    [`"${SECRET}"x,alice,1`, /line 1: text after a closing quote/, 'InvalidConfig'],
    [`${SECRET},,1`, /record 1: empty user name/, 'InvalidConfig'],
    ['#comment line', /must have at least 3 columns/, 'InvalidConfig'], // no comments in kube-apiserver's format
    [Buffer.alloc(5 * 1024 * 1024, 0x61), /over the 4194304-byte limit/, 'TooLarge'],
  ];
  for (const [text, re, code] of cases) {
    assert.throws(
      () => parseTokenFile(text, '/etc/tokens.csv'),
      (e: unknown) =>
        e instanceof KubetlsError &&
        e.code === code &&
        re.test(e.message) &&
        !e.message.includes(SECRET) &&
        e.message.startsWith('/etc/tokens.csv'),
      String(text).slice(0, 50),
    );
  }
  // binary garbage: either parses into records or fails typed, never crashes
  for (let i = 0; i < 200; i++) {
    try {
      parseTokenFile(randomBytes(200));
    } catch (e) {
      assert.ok(e instanceof KubetlsError, String(e));
    }
  }
});

test('token file: 10,000 tokens load and the last one authenticates', async () => {
  const lines = Array.from({ length: 10_000 }, (_, i) => `tok-${i}-${'x'.repeat(20)},user${i},${i},group${i % 7}`);
  const f = parseTokenFile(lines.join('\n'));
  const r = await new TokenFileAuthenticator(f).authenticate({ bearerToken: `tok-9999-${'x'.repeat(20)}` });
  assert.ok(r.authenticated && r.user.username === 'user9999' && r.user.groups[0] === 'group3');
});

test('token file: through createRequestAuthentication, a wrong token is refused (401), not anonymous', async (t) => {
  const dir = tmpDir('kubetls-tokenfile-', t);
  const path = join(dir, 'tokens.csv');
  writeFileSync(path, FILE);
  const a = await createRequestAuthentication({ tokenAuthFile: path, anonymous: true });
  const ok = await a.authenticator.authenticate({ bearerToken: 'token-two' });
  assert.ok(ok.authenticated);
  assert.deepEqual(ok.user.groups, ['system:authenticated']);
  const bad = await a.authenticator.authenticate({ bearerToken: 'nope' });
  assert.deepEqual(bad, { authenticated: false, method: 'bearer-token', reason: 'invalid bearer token' });
  const anon = await a.authenticator.authenticate({});
  assert.ok(anon.authenticated && anon.user.username === 'system:anonymous');
  writeFileSync(path, 'x');
  await assert.rejects(
    createRequestAuthentication({ tokenAuthFile: path }),
    /tokens\.csv record 1: must have at least 3 columns/,
  );
  await assert.rejects(createRequestAuthentication({ tokenAuthFile: join(dir, 'missing') }), /no such file/);
});
