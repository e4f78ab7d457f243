/** The cfssl formats: Go durations, CSR JSON, signing config, Go-style flags — including hostile input. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseGoDuration } from '../../src/util/duration.js';
import { parseCsrRequest, splitHosts } from '../../src/cfssl/csrjson.js';
import { parseSigningConfig, selectProfile } from '../../src/cfssl/config.js';
import { parseGoFlags } from '../../src/cfssl/goflags.js';
import { cfssljsonOutputs } from '../../src/cfssl/cfssljson.js';
import { goJson } from '../../src/cfssl/json.js';
import { KubetlsError } from '../../src/errors/index.js';

const H = 3_600_000;

function throwsNaming(fn: () => unknown, re: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof KubetlsError, `expected KubetlsError, got ${String(e)}`);
    assert.match(e.message, re);
    assert.ok(!e.message.includes('\n'), 'one-line message');
    return true;
  });
}

test('Go durations parse like time.ParseDuration', () => {
  assert.equal(parseGoDuration('876000h', 'x'), 876000 * H);
  assert.equal(parseGoDuration('1h30m', 'x'), 1.5 * H);
  assert.equal(parseGoDuration('1.5h', 'x'), 1.5 * H);
  assert.equal(parseGoDuration('90s', 'x'), 90_000);
  assert.equal(parseGoDuration('0', 'x'), 0);
  for (const bad of ['', '365d', '1y', 'h', '12', '1h 30m', '.h', 'x'.repeat(100), '9999999999h']) {
    throwsNaming(() => parseGoDuration(bad, 'signing.default.expiry'), /signing\.default\.expiry/);
  }
});

test('CSR JSON: fields, cfssl defaults, host kinds', () => {
  const r = parseCsrRequest(
    JSON.stringify({
      CN: 'node',
      hosts: ['a.example', '10.0.0.1', '::1', 'me@example.com', 'spiffe://c/ns/x'],
      names: [{ C: 'US', ST: 'CA', L: 'SF', O: 'system:nodes', OU: 'k8s' }, { O: 'second' }],
      ca: { expiry: '87600h', pathlen: 1 },
    }),
  );
  assert.equal(r.subject.commonName, 'node');
  assert.deepEqual(r.subject.organization, ['system:nodes', 'second']);
  assert.deepEqual(r.subject.province, ['CA']);
  assert.deepEqual(r.key, { algo: 'ecdsa', size: 256, algorithm: 'ECDSA-P256' }, 'cfssl default key is ECDSA P-256');
  assert.equal(r.ca?.expiryMs, 87600 * H);
  assert.deepEqual(splitHosts(r.hosts), {
    dnsNames: ['a.example'],
    ipAddresses: ['10.0.0.1', '::1'],
    emailAddresses: ['me@example.com'],
    uris: ['spiffe://c/ns/x'],
  });
  // Go's encoding/json matches field names case-insensitively
  assert.equal(parseCsrRequest('{"cn":"lower","KEY":{"ALGO":"rsa","Size":2048}}').key.algorithm, 'RSA-2048');
  assert.equal(parseCsrRequest('{"CN":"x","key":{"algo":"ed25519"}}').key.algorithm, 'ED25519');
});

test('CSR JSON: bad and hostile input gives one-line errors naming the field', () => {
  const cases: Array<[string, RegExp]> = [
    ['{"CN":"x","key":{"algo":"rsa","size":1024}}', /key\.size/],
    ['{"CN":"x","key":{"algo":"rsa"}}', /key\.size/],
    ['{"CN":"x","key":{"algo":"ecdsa","size":2048}}', /key\.size/],
    ['{"CN":"x","key":{"algo":"dsa","size":2048}}', /key\.algo/],
    ['{"CN":"x","key":{"algo":"rsa","size":"2048"}}', /key\.size: expected an integer/],
    ['{"CN":"x","hosts":["bad host"]}', /hosts\[0\]/],
    ['{"CN":"x","hosts":["ok.example",""]}', /hosts\[1\]: empty/],
    ['{"CN":"x","hosts":["exämple.com"]}', /hosts\[0\].*not a valid DNS name/],
    ['{"CN":"x","hosts":["a@@b"]}', /hosts\[0\].*e-mail/],
    ['{"CN":"x","hosts":"a.example"}', /hosts: expected an array/],
    ['{"CN":"x","hosts":[1]}', /hosts\[0\]: expected a string/],
    ['{"CN":"x","names":[{"C":5}]}', /names\[0\]\.C/],
    ['{"CN":"x","names":{"C":"US"}}', /names: expected an array/],
    ['{"CN":"x","ca":{"expiry":"10y"}}', /ca\.expiry/],
    ['{"CN":"x","ca":{"pathlen":-1}}', /ca\.pathlen/],
    ['{"CN":"a\\u0000b"}', /CN: contains control characters/],
    ['[]', /expected a JSON object/],
    ['{"CN":', /invalid JSON/],
    ['null', /expected a JSON object/],
    [JSON.stringify({ CN: 'x', hosts: Array(2000).fill('a.example') }), /hosts: 2000 entries/],
    [JSON.stringify({ CN: 'x'.repeat(5000) }), /CN: longer than/],
    ['{"CN":"x","__proto__":{"polluted":true}}', /$/],
  ];
  for (const [doc, re] of cases) {
    if (doc.includes('__proto__')) {
      parseCsrRequest(doc);
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
      continue;
    }
    throwsNaming(() => parseCsrRequest(doc, 'csr.json'), re);
  }
  assert.throws(
    () => parseCsrRequest('{"hosts":["exämple.com"]}'),
    (e: KubetlsError) => /punycode/.test(e.hint ?? ''),
  );
  throwsNaming(() => parseCsrRequest(Buffer.alloc(2 * 1024 * 1024, 0x20), 'big.json'), /big\.json: .*over the/);
  // deeply nested JSON must not crash the process
  throwsNaming(() => parseCsrRequest('['.repeat(100000) + ']'.repeat(100000)), /expected a JSON object|invalid JSON/);
});

test('signing config: defaults, profiles, auth keys, errors naming the field', () => {
  const def = parseSigningConfig('{"signing":{}}');
  assert.deepEqual(def.default.usages, ['signing', 'key encipherment', 'server auth', 'client auth']);
  assert.equal(def.default.expiryMs, 8760 * H);
  const p = parseSigningConfig(
    JSON.stringify({
      signing: {
        default: { expiry: '168h' },
        profiles: {
          server: {
            usages: ['digital signature', 'key encipherment', 'server auth'],
            expiry: '876000h',
            ca_constraint: { is_ca: false },
          },
          inter: {
            usages: ['cert sign', 'crl sign'],
            expiry: '43800h',
            ca_constraint: { is_ca: true, max_path_len: 0, max_path_len_zero: true },
          },
          authed: { usages: ['client auth'], expiry: '1h', auth_key: 'k', name_whitelist: '^[a-z.]+$' },
        },
      },
      auth_keys: { k: { type: 'standard', key: '00112233445566778899aabbccddeeff' } },
    }),
  );
  const s = p.profiles.get('server')!;
  assert.deepEqual(s.keyUsage, ['digitalSignature', 'keyEncipherment']);
  assert.deepEqual(s.extKeyUsage, ['serverAuth']);
  assert.equal(s.expiryMs, 876000 * H);
  assert.equal(
    p.default.keyUsage.length + p.default.extKeyUsage.length,
    0,
    'a default with only an expiry has no usages, as in cfssl',
  );
  assert.deepEqual(p.profiles.get('inter')!.caConstraint, { isCA: true, maxPathLen: 0, maxPathLenZero: true });
  assert.equal(p.profiles.get('authed')!.authKey!.toString('hex'), '00112233445566778899aabbccddeeff');
  assert.equal(selectProfile(p, 'nope').known, false);
  assert.equal(selectProfile(p, 'nope').profile, p.default);

  const bad: Array<[unknown, RegExp]> = [
    [
      { signing: { profiles: { x: { usages: ['server auth', 'bogus'], expiry: '1h' } } } },
      /signing\.profiles\.x\.usages\[1\]: unknown usage "bogus"/,
    ],
    [{ signing: { profiles: { x: { usages: ['server auth'] } } } }, /signing\.profiles\.x\.expiry: missing/],
    [{ signing: { profiles: { x: { usages: ['server auth'], expiry: '1 year' } } } }, /signing\.profiles\.x\.expiry/],
    [{ signing: { profiles: { x: { expiry: '1h' } } } }, /signing\.profiles\.x\.usages/],
    [
      { signing: { profiles: { x: { usages: ['server auth'], expiry: '1h', auth_key: 'nope' } } } },
      /auth_key: "nope" is not in auth_keys/,
    ],
    [{ signing: {}, auth_keys: { k: { type: 'standard', key: 'xyz' } } }, /auth_keys\.k\.key: not a hex string/],
    [{ signing: {}, auth_keys: { k: { type: 'standard', key: '0011' } } }, /auth_keys\.k\.key: .*too short/],
    [
      { signing: {}, auth_keys: { k: { type: 'standard-ip', key: '00112233445566778899aabbccddeeff' } } },
      /auth_keys\.k\.type/,
    ],
    [{ signing: { default: { expiry: '1h', ca_constraint: { is_ca: 'yes' } } } }, /ca_constraint\.is_ca/],
    [{ signing: { default: { expiry: '1h', name_whitelist: '(' } } }, /name_whitelist: invalid regular expression/],
    [
      { signing: { default: { expiry: '1h', crl_url: 'not a url' } } },
      /signing\.default\.crl_url: "not a url" is not a URL/,
    ],
    [
      { signing: { default: { expiry: '1h', issuer_urls: ['http://ok', 'http://bad url'] } } },
      /signing\.default\.issuer_urls\[1\]: .* is not a URL/,
    ],
    [{ signing: { default: { expiry: '1h', remote: 'r' } } }, /signing\.default\.remote: not supported/],
    [{ signing: { default: { expiry: '-1h' } } }, /expiry: must be positive/],
    [{}, /signing: missing/],
    [{ signing: [] }, /signing: expected a JSON object/],
  ];
  for (const [doc, re] of bad) throwsNaming(() => parseSigningConfig(JSON.stringify(doc), 'ca-config.json'), re);
  throwsNaming(() => parseSigningConfig('{"signing":', 'ca-config.json'), /ca-config\.json: invalid JSON/);
});

test('Go-style flags: single-dash long names, =values, bools, stop at first argument', () => {
  const specs = {
    ca: { kind: 'string', usage: '' },
    'ca-key': { kind: 'string', usage: '' },
    initca: { kind: 'bool', usage: '' },
    port: { kind: 'int', usage: '' },
  } as const;
  const r = parseGoFlags(['-ca', 'ca.pem', '--ca-key=key.pem', '-initca', '-port=8888', 'csr.json', '-ca', 'x'], specs);
  assert.equal(r.values.get('ca'), 'ca.pem');
  assert.equal(r.values.get('ca-key'), 'key.pem');
  assert.equal(r.values.get('initca'), true);
  assert.equal(r.values.get('port'), 8888);
  assert.deepEqual(r.args, ['csr.json', '-ca', 'x']);
  assert.deepEqual(parseGoFlags(['-initca', '-'], specs).args, ['-']);
  assert.equal(parseGoFlags(['-initca=false'], specs).values.get('initca'), false);
  throwsNaming(() => parseGoFlags(['-c'], specs), /flag provided but not defined: -c/);
  throwsNaming(() => parseGoFlags(['-ca'], specs), /flag needs an argument: -ca/);
  throwsNaming(() => parseGoFlags(['-port', 'x'], specs), /-port/);
});

test('cfssljson: bare and envelope inputs, output names and modes', () => {
  const bare = cfssljsonOutputs('{"cert":"C","csr":"R","key":"K"}', 'srv', true);
  assert.deepEqual(
    bare.map((o) => [o.name, o.mode]),
    [
      ['srv.pem', 0o644],
      ['srv-key.pem', 0o600],
      ['srv.csr', 0o644],
    ],
  );
  const env = cfssljsonOutputs('{"success":true,"result":{"certificate":"C"},"errors":[],"messages":[]}', 'x', false);
  assert.deepEqual(
    env.map((o) => o.name),
    ['x.pem'],
  );
  throwsNaming(
    () => cfssljsonOutputs('{"success":false,"errors":[{"code":1,"message":"nope"}]}', 'x', false),
    /request failed: nope/,
  );
  throwsNaming(() => cfssljsonOutputs('{"cert":5}', 'x', true), /"cert": expected a string/);
  throwsNaming(() => cfssljsonOutputs('not json', 'x', true), /invalid JSON/);
});

test('goJson escapes like Go', () => {
  assert.equal(goJson({ a: '<&>' }), '{"a":"\\u003c\\u0026\\u003e"}');
});

test('the sign reply written from DER is byte for byte the general cfssl envelope, at every length', async () => {
  const { certificateReply } = await import('../../src/cfssl/signreply.js');
  const { envelope } = await import('../../src/cfssl/api.js');
  const { certToPem } = await import('../../src/pki/index.js');
  const { randomBytes } = await import('node:crypto');
  // lengths around every base64 line boundary (48 bytes per 64-character line), real-sized and tiny
  for (let len = 1; len <= 1200; len += len < 200 ? 1 : 37) {
    const der = randomBytes(len);
    assert.equal(certificateReply(der).toString('latin1'), envelope({ certificate: certToPem(der) }), `length ${len}`);
  }
});
