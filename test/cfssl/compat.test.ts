/**
 * Gaps a review found between kubetls cfssl and the real Debian cfssl 1.2, each checked
 * against the real tool's output where it is installed (and against fixed expectations
 * recorded from it otherwise).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCsrRequest } from '../../src/cfssl/csrjson.js';
import { parseSigningConfig } from '../../src/cfssl/config.js';
import { parseCertificatePem, parseCsrPem } from '../../src/pki/index.js';
import { spawn } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { CfsslApi } from '../../src/cfssl/api.js';
import { loadSigner } from '../../src/cfssl/inputs.js';
import { CLI, hasCommand, openssl, run, tmpDir } from '../helpers.js';
import { startCfsslServe } from './realserve.js';

const HAVE_CFSSL = hasCommand('cfssl') && hasCommand('cfssljson');
const needCfssl = HAVE_CFSSL ? {} : { skip: 'cfssl/cfssljson (Debian golang-cfssl) not installed' };
const K = `"${process.execPath}" "${join(process.cwd(), 'dist/src/cli/main.cjs')}"`;

function sh(dir: string, cmd: string): { code: number; stdout: string; stderr: string } {
  return run('sh', ['-c', cmd], { cwd: dir });
}

/** The key line of `openssl pkey -text`, e.g. "Private-Key: (256 bit)" plus the curve name. */
function keyShape(dir: string, file: string): string {
  const text = openssl(['pkey', '-in', join(dir, file), '-noout', '-text']).stdout;
  const bits = /Private-Key: \((\d+) bit/.exec(text)?.[1];
  const curve = /NIST CURVE: (\S+)/.exec(text)?.[1] ?? /ASN1 OID: (\S+)/.exec(text)?.[1] ?? 'rsa';
  return `${curve}/${bits}`;
}

test('key request defaults: {} and {"algo":"ecdsa"} are P-256, {"size":384} is P-384, {"algo":"rsa"} alone is refused', () => {
  assert.equal(parseCsrRequest('{"CN":"x","key":{"algo":"ecdsa"}}').key.algorithm, 'ECDSA-P256');
  assert.equal(parseCsrRequest('{"CN":"x","key":{}}').key.algorithm, 'ECDSA-P256');
  assert.equal(parseCsrRequest('{"CN":"x","key":{"size":384}}').key.algorithm, 'ECDSA-P384');
  assert.throws(
    () => parseCsrRequest('{"CN":"x","key":{"algo":"rsa"}}'),
    /key\.size: missing; cfssl's default size \(256\) is too weak for RSA/,
  );
  assert.throws(
    () => parseCsrRequest('{"CN":"x","key":{"algo":"ecdsa","size":0}}'),
    /key\.size: 0 is not a supported ECDSA curve size/,
  );
});

test('interop: key request defaults make the same keys as real cfssl genkey', needCfssl, (t) => {
  const d = tmpDir('kubetls-compat-', t);
  for (const [i, key] of ['{"algo":"ecdsa"}', '{}', '{"size":384}', 'null'].entries()) {
    writeFileSync(join(d, `k${i}.json`), `{"CN":"x","key":${key}}`);
    const a = sh(d, `set -e; ${K} cfssl genkey k${i}.json | ${K} cfssljson -bare ours${i}`);
    const b = sh(d, `set -e; cfssl genkey k${i}.json 2>/dev/null | cfssljson -bare theirs${i}`);
    assert.equal(a.code, 0, `${key}: ${a.stderr}`);
    assert.equal(b.code, 0, `${key}: ${b.stderr}`);
    assert.equal(keyShape(d, `ours${i}-key.pem`), keyShape(d, `theirs${i}-key.pem`), key);
  }
  // both refuse {"algo":"rsa"} with no size (cfssl: "RSA key is too weak")
  writeFileSync(join(d, 'rsa.json'), '{"CN":"x","key":{"algo":"rsa"}}');
  assert.notEqual(sh(d, `${K} cfssl genkey rsa.json`).code, 0);
  assert.match(sh(d, 'cfssl genkey rsa.json').stdout + sh(d, 'cfssl genkey rsa.json').stderr, /too weak/);
});

/** A CA and a leaf CSR made by kubetls in `d` (ECDSA, quick). */
function caAndCsr(d: string): void {
  writeFileSync(join(d, 'ca.json'), '{"CN":"Compat CA","key":{"algo":"ecdsa","size":256}}');
  writeFileSync(join(d, 'leaf.json'), '{"CN":"leaf","hosts":["leaf.example"],"key":{"algo":"ecdsa","size":256}}');
  const r = sh(
    d,
    `set -e; ${K} cfssl gencert -initca ca.json | ${K} cfssljson -bare ca; ${K} cfssl genkey leaf.json | ${K} cfssljson -bare leaf`,
  );
  assert.equal(r.code, 0, r.stderr);
}

test('sign prints {"cert","csr"} with the input CSR file verbatim, and cfssljson -bare writes <base>.csr', (t) => {
  const d = tmpDir('kubetls-compat-', t);
  caAndCsr(d);
  const csr = readFileSync(join(d, 'leaf.csr'), 'utf8');
  writeFileSync(join(d, 'odd.csr'), `text before\n${csr}text after\n`);
  for (const input of ['leaf.csr', 'odd.csr']) {
    const r = sh(d, `${K} cfssl sign -ca ca.pem -ca-key ca-key.pem ${input}`);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as Record<string, string>;
    assert.deepEqual(Object.keys(j), ['cert', 'csr']);
    assert.equal(j.csr, readFileSync(join(d, input), 'utf8'));
  }
  const r = sh(d, `set -e; ${K} cfssl sign -ca ca.pem -ca-key ca-key.pem -csr leaf.csr | ${K} cfssljson -bare out`);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readFileSync(join(d, 'out.csr'), 'utf8'), csr);
  assert.ok(existsSync(join(d, 'out.pem')));
});

test('interop: sign output has the same fields and csr text as real cfssl sign', needCfssl, (t) => {
  const d = tmpDir('kubetls-compat-', t);
  caAndCsr(d);
  writeFileSync(join(d, 'odd.csr'), `text before\n${readFileSync(join(d, 'leaf.csr'), 'utf8')}text after\n`);
  for (const input of ['leaf.csr', 'odd.csr']) {
    const ours = JSON.parse(sh(d, `${K} cfssl sign -ca ca.pem -ca-key ca-key.pem ${input}`).stdout) as Record<
      string,
      string
    >;
    const theirs = JSON.parse(sh(d, `cfssl sign -ca ca.pem -ca-key ca-key.pem ${input} 2>/dev/null`).stdout) as Record<
      string,
      string
    >;
    assert.deepEqual(Object.keys(ours), Object.keys(theirs));
    assert.equal(ours.csr, theirs.csr);
  }
});

test('cfssljson -stdout and cfssl output into a closed pipe end quietly (no EPIPE stack trace)', async (t) => {
  const d = tmpDir('kubetls-compat-', t);
  caAndCsr(d);
  const input = sh(d, `${K} cfssl sign -ca ca.pem -ca-key ca-key.pem leaf.csr`).stdout;
  // close our end of the child's stdout before it writes, so every write of it fails with EPIPE
  for (const args of [
    ['cfssljson', '-stdout', '-bare', 'x'],
    ['cfssl', 'certinfo', '-cert', 'ca.pem'],
  ]) {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: d, stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.stdin.end(input);
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    assert.equal(err, '', args.join(' '));
    assert.equal(code, 0, args.join(' '));
  }
  // and the shell idiom from the report, several times since it is a race
  writeFileSync(join(d, 'in.json'), input);
  for (let i = 0; i < 5; i++) {
    const r = run(
      'bash',
      ['-c', `set -o pipefail; ${K} cfssljson -stdout -bare x < in.json | head -c 400 >/dev/null; echo "status $?"`],
      { cwd: d },
    );
    assert.equal(r.stderr, '');
    assert.match(r.stdout, /status 0/);
  }
});

test('certinfo omits "sans" for a certificate without SANs, as cfssl does', (t) => {
  const d = tmpDir('kubetls-compat-', t);
  caAndCsr(d);
  const j = JSON.parse(sh(d, `${K} cfssl certinfo -cert ca.pem`).stdout) as Record<string, unknown>;
  assert.ok(!('sans' in j));
  assert.deepEqual(Object.keys(j), [
    'subject',
    'issuer',
    'serial_number',
    'not_before',
    'not_after',
    'sigalg',
    'authority_key_id',
    'subject_key_id',
    'pem',
  ]);
});

test('interop: certinfo of a CA without SANs is the same JSON as real cfssl certinfo', needCfssl, (t) => {
  const d = tmpDir('kubetls-compat-', t);
  caAndCsr(d);
  const ours = sh(d, `${K} cfssl certinfo -cert ca.pem`).stdout;
  const theirs = sh(d, 'cfssl certinfo -cert ca.pem').stdout;
  assert.deepEqual(JSON.parse(ours), JSON.parse(theirs));
  assert.equal(ours, theirs, 'same text, indentation included');
});

/** POST to a plain-HTTP real cfssl serve on 127.0.0.1. */
function postHttp(port: number, path: string, body: string): Promise<{ status: number; code: number }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'POST', timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const j = JSON.parse(Buffer.concat(chunks).toString()) as { errors: Array<{ code: number }> };
        resolve({ status: res.statusCode ?? 0, code: j.errors[0]?.code ?? 0 });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('interop: authsign failures get the same HTTP status and error code as real cfssl serve', needCfssl, async (t) => {
  const d = tmpDir('kubetls-compat-', t);
  caAndCsr(d);
  const config = {
    signing: {
      default: { expiry: '1h', usages: ['server auth'] },
      profiles: { authed: { usages: ['client auth'], expiry: '1h', auth_key: 'k1' } },
    },
    auth_keys: { k1: { type: 'standard', key: '00112233445566778899aabbccddeeff' } },
  };
  writeFileSync(join(d, 'config.json'), JSON.stringify(config));
  const real = await startCfsslServe(d, { config: 'config.json' });
  t.after(() => real.stop());
  const port = real.port;
  const csr = readFileSync(join(d, 'leaf.csr'), 'utf8');
  const authed = Buffer.from(JSON.stringify({ certificate_request: csr, profile: 'authed' })).toString('base64');
  const plain = Buffer.from(JSON.stringify({ certificate_request: csr })).toString('base64');
  const cases: Array<[string, string]> = [
    ['authsign', JSON.stringify({ token: 'AAAA', request: authed })],
    ['authsign', JSON.stringify({ request: authed })],
    ['authsign', JSON.stringify({ token: '!!!', request: authed })],
    ['authsign', JSON.stringify({ token: 'AAAA', request: plain })],
    ['sign', JSON.stringify({ certificate_request: csr, profile: 'authed' })],
  ];
  const api = new CfsslApi(loadSigner(join(d, 'ca.pem'), join(d, 'ca-key.pem'), join(d, 'config.json')));
  for (const [endpoint, body] of cases) {
    const theirs = await postHttp(port, `/api/v1/cfssl/${endpoint}`, body);
    const r = await api.handle('POST', `/api/v1/cfssl/${endpoint}`, Buffer.from(body));
    const ours = JSON.parse(r.body.toString()) as { errors: Array<{ code: number }> };
    assert.deepEqual({ status: r.status, code: ours.errors[0]!.code }, theirs, `${endpoint} ${body.slice(0, 60)}`);
  }
});

test('key sizes: RSA 2048..8192 (even), ECDSA 256/384/521; clear errors otherwise', () => {
  for (const size of [2048, 2050, 2560, 3000, 8192])
    assert.equal(parseCsrRequest(`{"key":{"algo":"rsa","size":${size}}}`).key.algorithm, `RSA-${size}`);
  assert.equal(parseCsrRequest('{"key":{"algo":"ecdsa","size":521}}').key.algorithm, 'ECDSA-P521');
  const bad: Array<[number | string, RegExp]> = [
    [2047, /key\.size: 2047 is too weak for RSA \(cfssl's minimum is 2048\)/],
    [1024, /too weak/],
    [8200, /key\.size: 8200 is too large for RSA \(cfssl's maximum is 8192\)/],
    [2049, /key\.size: 2049 is odd/],
  ];
  for (const [size, re] of bad) assert.throws(() => parseCsrRequest(`{"key":{"algo":"rsa","size":${size}}}`), re);
  assert.throws(
    () => parseCsrRequest('{"key":{"algo":"ecdsa","size":224}}'),
    /224 is not a supported ECDSA curve size/,
  );
});

/** "sha384WithRSAEncryption" etc. of a certificate (x509) or CSR (req) file. */
function sigAlg(dir: string, kind: 'x509' | 'req', file: string): string {
  return /Signature Algorithm: (\S+)/.exec(openssl([kind, '-in', join(dir, file), '-noout', '-text']).stdout)![1]!;
}

test(
  'interop: RSA 2560/3072/4096 and P-521 CAs, CSRs and leaves carry the same key sizes and signature algorithms as real cfssl',
  needCfssl,
  (t) => {
    const d = tmpDir('kubetls-compat-', t);
    writeFileSync(join(d, 'leaf.json'), '{"CN":"leaf","hosts":["leaf.example"],"key":{"algo":"ecdsa","size":256}}');
    for (const [algo, size] of [
      ['rsa', 2560],
      ['rsa', 3072],
      ['rsa', 4096],
      ['ecdsa', 521],
    ] as const) {
      writeFileSync(join(d, 'ca.json'), JSON.stringify({ CN: `ca ${algo} ${size}`, key: { algo, size } }));
      const shape = (tool: string, cfssljson: string, p: string) => {
        const r = sh(
          d,
          `set -e; ${tool} gencert -initca ca.json 2>/dev/null | ${cfssljson} -bare ${p}ca; ${tool} gencert -ca ${p}ca.pem -ca-key ${p}ca-key.pem leaf.json 2>/dev/null | ${cfssljson} -bare ${p}leaf`,
        );
        assert.equal(r.code, 0, `${tool} ${algo} ${size}: ${r.stderr}`);
        openssl(['verify', '-CAfile', join(d, `${p}ca.pem`), join(d, `${p}leaf.pem`)]);
        return {
          key: keyShape(d, `${p}ca-key.pem`),
          ca: sigAlg(d, 'x509', `${p}ca.pem`),
          caCsr: sigAlg(d, 'req', `${p}ca.csr`),
          leaf: sigAlg(d, 'x509', `${p}leaf.pem`),
        };
      };
      const ours = shape(`${K} cfssl`, `${K} cfssljson`, 'k-');
      const theirs = shape('cfssl', 'cfssljson', 'c-');
      assert.deepEqual(ours, theirs, `${algo} ${size}`);
      // and each signs the other's CSRs the same way: a real-cfssl CA with kubetls
      const r = sh(d, `set -e; ${K} cfssl sign -ca c-ca.pem -ca-key c-ca-key.pem k-leaf.csr | ${K} cfssljson -bare x`);
      assert.equal(r.code, 0, `kubetls signing with a cfssl ${algo} ${size} CA: ${r.stderr}`);
      openssl(['verify', '-CAfile', join(d, 'c-ca.pem'), join(d, 'x.pem')]);
      assert.equal(sigAlg(d, 'x509', 'x.pem'), theirs.leaf);
    }
  },
);

test("kubetls-only: 3072/4096-bit and P-521 cfssl CAs sign with cfssl's hash; genkey 521 and 2560 work", (t) => {
  const d = tmpDir('kubetls-compat-', t);
  writeFileSync(join(d, 'leaf.json'), '{"CN":"leaf","key":{"algo":"ecdsa","size":521}}');
  writeFileSync(join(d, 'r.json'), '{"CN":"r","key":{"algo":"rsa","size":2560}}');
  const r = sh(
    d,
    `set -e; ${K} cfssl genkey leaf.json | ${K} cfssljson -bare leaf; ${K} cfssl genkey r.json | ${K} cfssljson -bare r`,
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(keyShape(d, 'leaf-key.pem'), 'P-521/521');
  assert.equal(keyShape(d, 'r-key.pem'), 'rsa/2560');
  assert.equal(sigAlg(d, 'req', 'leaf.csr'), 'ecdsa-with-SHA512');
  for (const [algo, size, want] of [
    ['rsa', 3072, 'sha384WithRSAEncryption'],
    ['rsa', 4096, 'sha512WithRSAEncryption'],
    ['ecdsa', 521, 'ecdsa-with-SHA512'],
  ] as const) {
    writeFileSync(join(d, 'ca.json'), JSON.stringify({ CN: 'ca', key: { algo, size } }));
    const s = sh(
      d,
      `set -e; ${K} cfssl gencert -initca ca.json | ${K} cfssljson -bare ca; ${K} cfssl sign -ca ca.pem -ca-key ca-key.pem leaf.csr | ${K} cfssljson -bare leaf`,
    );
    assert.equal(s.code, 0, s.stderr);
    assert.deepEqual([sigAlg(d, 'x509', 'ca.pem'), sigAlg(d, 'x509', 'leaf.pem')], [want, want], `${algo} ${size}`);
    openssl(['verify', '-CAfile', join(d, 'ca.pem'), join(d, 'leaf.pem')]);
  }
});

test(
  'interop: several names entries give the same subject bytes as real cfssl (one multi-valued RDN per type) and the same certinfo',
  needCfssl,
  (t) => {
    const d = tmpDir('kubetls-compat-', t);
    caAndCsr(d);
    writeFileSync(
      join(d, 'mv.json'),
      JSON.stringify({
        CN: 'x',
        key: { algo: 'ecdsa', size: 256 },
        names: [{ C: 'US', O: 'zz-first-long' }, { O: 'b' }, { O: 'a', OU: 'u1' }, { OU: 'u0', ST: 's' }, { O: 'é' }],
      }),
    );
    const r = sh(
      d,
      `set -e; ${K} cfssl genkey mv.json | ${K} cfssljson -bare ours; cfssl genkey mv.json 2>/dev/null | cfssljson -bare theirs`,
    );
    assert.equal(r.code, 0, r.stderr);
    const subjectHex = (f: string) => parseCsrPem(readFileSync(join(d, f))).subjectDer.toString('hex');
    assert.equal(subjectHex('ours.csr'), subjectHex('theirs.csr'));
    assert.match(
      openssl(['req', '-in', join(d, 'ours.csr'), '-noout', '-subject']).stdout,
      /O = a \+ O = b \+ O = \\C3\\A9 \+ O = zz-first-long, OU = u0 \+ OU = u1/,
    );
    // signed by either tool: same subject bytes; certinfo joins the values as cfssl does
    const s = sh(
      d,
      `set -e; ${K} cfssl sign -ca ca.pem -ca-key ca-key.pem ours.csr | ${K} cfssljson -bare ours; cfssl sign -ca ca.pem -ca-key ca-key.pem theirs.csr 2>/dev/null | cfssljson -bare theirs`,
    );
    assert.equal(s.code, 0, s.stderr);
    const certSubject = (f: string) => parseCertificatePem(readFileSync(join(d, f))).subjectDer.toString('hex');
    assert.equal(certSubject('ours.pem'), certSubject('theirs.pem'));
    assert.equal(sh(d, `${K} cfssl certinfo -cert ours.pem`).stdout, sh(d, 'cfssl certinfo -cert ours.pem').stdout);
  },
);

test('signing config: ocsp_url, crl_url, issuer_urls are written; remotes and auth_remote are accepted with a warning', (t) => {
  const p = parseSigningConfig(
    JSON.stringify({
      signing: {
        default: {
          expiry: '1h',
          usages: ['server auth'],
          ocsp_url: 'http://ocsp.example/',
          crl_url: 'http://crl.example/ca.crl',
          issuer_urls: ['http://ca.example/ca.crt'],
          auth_remote: { remote: 'r1', auth_key: '' },
        },
      },
      remotes: { r1: '127.0.0.1:8888' },
    }),
  );
  assert.deepEqual(
    [p.default.ocspUrl, p.default.crlUrl, p.default.issuerUrls],
    ['http://ocsp.example/', 'http://crl.example/ca.crl', ['http://ca.example/ca.crt']],
  );
  assert.equal(p.warnings?.length, 2);
  assert.match(p.warnings[0]!, /^remotes: remote signers are not used by kubetls cfssl/);
  assert.match(p.warnings[1]!, /^signing\.default\.auth_remote: remote signers are not used/);
  const d = tmpDir('kubetls-compat-', t);
  caAndCsr(d);
  writeFileSync(
    join(d, 'config.json'),
    JSON.stringify({
      signing: {
        default: {
          expiry: '1h',
          usages: ['server auth'],
          ocsp_url: 'http://ocsp.example/',
          crl_url: 'http://crl.example/ca.crl',
          issuer_urls: ['http://ca.example/ca.crt', 'http://ca2.example/ca.der'],
        },
      },
      remotes: { r1: '127.0.0.1:8888' },
    }),
  );
  const r = sh(
    d,
    `set -e; ${K} cfssl sign -ca ca.pem -ca-key ca-key.pem -config config.json leaf.csr | ${K} cfssljson -bare out`,
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /\[WARNING\] remotes: remote signers are not used/);
  const text = openssl(['x509', '-in', join(d, 'out.pem'), '-noout', '-text']).stdout;
  assert.match(
    text,
    /Authority Information Access: \n\s+OCSP - URI:http:\/\/ocsp\.example\/\n\s+CA Issuers - URI:http:\/\/ca\.example\/ca\.crt\n\s+CA Issuers - URI:http:\/\/ca2\.example\/ca\.der\n/,
  );
  assert.match(text, /X509v3 CRL Distribution Points: \n\s+Full Name:\n\s+URI:http:\/\/crl\.example\/ca\.crl\n/);
  openssl(['verify', '-CAfile', join(d, 'ca.pem'), join(d, 'out.pem')]);
});

/** Extension OIDs in order with their value bytes (hex), from openssl asn1parse. */
function extensions(dir: string, file: string): Array<[string, string]> {
  const lines = openssl(['asn1parse', '-in', join(dir, file)]).stdout.split('\n');
  const out: Array<[string, string]> = [];
  lines.forEach((l, i) => {
    const name = /OBJECT\s+:(X509v3 .*|Authority Information Access)$/.exec(l)?.[1];
    if (!name) return;
    const next = lines.slice(i + 1, i + 3).find((x) => /OCTET STRING/.test(x)) ?? '';
    out.push([name, /\[HEX DUMP\]:(\S+)/.exec(next)?.[1] ?? '']);
  });
  return out;
}

test(
  'interop: ocsp_url, crl_url, issuer_urls give the same extensions, in the same order and bytes, as real cfssl sign',
  needCfssl,
  (t) => {
    const d = tmpDir('kubetls-compat-', t);
    caAndCsr(d);
    writeFileSync(
      join(d, 'config.json'),
      JSON.stringify({
        signing: {
          default: {
            expiry: '1h',
            usages: ['signing', 'server auth'],
            ocsp_url: 'http://ocsp.example/',
            crl_url: 'http://crl.example/ca.crl',
            issuer_urls: ['http://ca.example/ca.crt', 'http://ca2.example/ca.der'],
          },
        },
      }),
    );
    const r = sh(
      d,
      `set -e; ${K} cfssl sign -ca ca.pem -ca-key ca-key.pem -config config.json leaf.csr | ${K} cfssljson -bare ours; cfssl sign -ca ca.pem -ca-key ca-key.pem -config config.json leaf.csr 2>/dev/null | cfssljson -bare theirs`,
    );
    assert.equal(r.code, 0, r.stderr);
    const ours = extensions(d, 'ours.pem').filter(([n]) => n !== 'X509v3 Subject Key Identifier');
    const theirs = extensions(d, 'theirs.pem').filter(([n]) => n !== 'X509v3 Subject Key Identifier');
    assert.ok(ours.some(([n]) => n === 'Authority Information Access'));
    assert.ok(ours.some(([n]) => n === 'X509v3 CRL Distribution Points'));
    assert.deepEqual(ours, theirs);
  },
);

test('hostile ocsp_url / crl_url / issuer_urls: a one-line error naming the field', () => {
  const cfg = (profile: Record<string, unknown>) => ({
    signing: { default: { expiry: '1h', usages: ['server auth'], ...profile } },
  });
  for (const [profile, re] of [
    [{ ocsp_url: 'no scheme here' }, /signing\.default\.ocsp_url: "no scheme here" is not a URL/],
    [{ crl_url: 'http://a b/' }, /signing\.default\.crl_url: .* is not a URL/],
    [{ issuer_urls: ['http://ok/', 'http://\u00e9/'] }, /signing\.default\.issuer_urls\[1\]: .* is not a URL/],
    [{ ocsp_url: `http://x/${'a'.repeat(2000)}` }, /signing\.default\.ocsp_url: longer than 1024 characters/],
    [{ issuer_urls: 'http://not-a-list/' }, /issuer_urls/],
  ] as Array<[Record<string, unknown>, RegExp]>) {
    assert.throws(
      () => parseSigningConfig(cfg(profile)),
      (e: Error) => re.test(e.message) && !e.message.includes('\n'),
      JSON.stringify(profile).slice(0, 80),
    );
  }
});

test('bare `kubetls cfssl` prints the usage and exits 1, as cfssl does; -help exits 0', () => {
  const bare = run(process.execPath, [CLI, 'cfssl']);
  assert.equal(bare.code, 1);
  assert.match(bare.stdout, /^Usage: kubetls cfssl <command>/);
  assert.equal(run(process.execPath, [CLI, 'cfssl', '-help']).code, 0);
});
