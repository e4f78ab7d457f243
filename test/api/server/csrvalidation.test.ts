/**
 * The CSR validation and write tables (docs/upstream/k8s-pki.md §4 and §9) through a real
 * `kubetls serve` over HTTPS: the unit tests in test/api/resources/certificates check each
 * rule; these check that the server applies them on every path (create, the main resource,
 * /approval, /status) and answers with kube-apiserver's 422 Status, and that nothing a refused
 * write carried is stored.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { openssl } from '../../helpers.js';
import { serve, type Served } from './harness.js';
import { admin, call, fileScope, type Answer } from './client.js';

const hooks = fileScope();
let s: Served;
let pem: string;
before(async () => {
  s = await serve(hooks);
  pem = openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', '/dev/null', '-subj', '/CN=svc']).stdout; // prettier-ignore
});

const CSRS = '/apis/certificates.k8s.io/v1/certificatesigningrequests';
type Csr = Record<string, unknown> & {
  metadata: { name: string };
  spec: Record<string, unknown>;
  status?: Record<string, unknown>;
};

const csr = (name: string, spec: Record<string, unknown> = {}): Csr => ({
  apiVersion: 'certificates.k8s.io/v1',
  kind: 'CertificateSigningRequest',
  metadata: { name },
  spec: {
    request: Buffer.from(pem).toString('base64'),
    signerName: 'example.com/serving',
    usages: ['server auth'],
    ...spec,
  },
});

const send = (method: string, path: string, body: object): Promise<Answer> =>
  call(s, method, path, { as: admin(s), body });

function assertInvalid(r: Answer, name: string, message: string): void {
  assert.equal(r.status, 422, r.text);
  const st = r.json() as { reason: string; message: string; details: { name: string; group: string; kind: string } };
  assert.equal(st.reason, 'Invalid');
  assert.equal(st.message, `CertificateSigningRequest.certificates.k8s.io "${name}" is invalid: ${message}`);
  assert.deepEqual(
    { ...st.details, causes: undefined },
    {
      name,
      group: 'certificates.k8s.io',
      kind: 'CertificateSigningRequest',
      causes: undefined,
    },
  );
}

test('create: expirationSeconds -1, 0, 1 and 60 refused (422), 600 accepted', async () => {
  for (const e of [-1, 0, 1, 60]) {
    const name = `exp-${e < 0 ? 'neg' : e}`;
    const r = await send('POST', CSRS, csr(name, { expirationSeconds: e }));
    assertInvalid(
      r,
      name,
      `spec.expirationSeconds: Invalid value: ${e}: may not specify a duration less than 600 seconds (10 minutes)`,
    );
    assert.equal((await call(s, 'GET', `${CSRS}/${name}`, { as: admin(s) })).status, 404);
  }
  const ok = await send('POST', CSRS, csr('exp-600', { expirationSeconds: 600 }));
  assert.equal(ok.status, 201, ok.text);
  assert.equal((ok.json() as Csr).spec.expirationSeconds, 600);
});

test('create: a garbage request, a missing, unknown or duplicate usage, the legacy signer (422, every error at once)', async () => {
  const r = await send(
    'POST',
    CSRS,
    csr('bad-1', {
      request: Buffer.from('garbage').toString('base64'),
      usages: ['server auth', 'server auth', 'bogus'],
    }),
  );
  assert.equal(r.status, 422, r.text);
  const msg = String(r.json().message);
  assert.match(msg, /spec\.request: Invalid value: .*PEM block type must be CERTIFICATE REQUEST/);
  assert.match(msg, /spec\.usages\[2\]: Unsupported value: "bogus": supported values: "any", /);
  assert.match(msg, /spec\.usages\[1\]: Duplicate value: "server auth"/);
  const legacy = await send('POST', CSRS, csr('bad-2', { signerName: 'kubernetes.io/legacy-unknown', usages: [] }));
  assert.equal(legacy.status, 422, legacy.text);
  assert.match(String(legacy.json().message), /spec\.usages: Required value/);
  assert.match(
    String(legacy.json().message),
    /spec\.signerName: Invalid value: "kubernetes\.io\/legacy-unknown": the legacy signerName is not allowed via this API version/,
  );
  // a request whose signature does not verify: its last signature byte flipped
  const der = Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  const at = der.length - 2;
  der.writeUInt8(der.readUInt8(at) ^ 0x01, at);
  const tampered = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END CERTIFICATE REQUEST-----\n`;
  const t = await send('POST', CSRS, csr('bad-3', { request: Buffer.from(tampered).toString('base64') }));
  assert.equal(t.status, 422, t.text);
  assert.match(String(t.json().message), /spec\.request/);
  for (const n of ['bad-1', 'bad-2', 'bad-3'])
    assert.equal((await call(s, 'GET', `${CSRS}/${n}`, { as: admin(s) })).status, 404);
});

test('create strips status; the main resource cannot change spec or status', async () => {
  const sent = csr('tables-main');
  sent.status = { conditions: [{ type: 'Approved', status: 'True', reason: 'PreApproved' }] };
  const r = await send('POST', CSRS, sent);
  assert.equal(r.status, 201, r.text);
  const created = r.json() as Csr;
  assert.deepEqual(created.status ?? {}, {}, 'no pre-approved requests');
  // an update of the main resource: spec and status revert, metadata changes
  const changed = structuredClone(created);
  changed.spec.signerName = 'example.com/other';
  changed.status = { conditions: [{ type: 'Approved', status: 'True', reason: 'Sneaky' }] };
  (changed.metadata as { labels?: Record<string, string> }).labels = { team: 'a' };
  const u = await send('PUT', `${CSRS}/tables-main`, changed);
  assert.equal(u.status, 200, u.text);
  const now = u.json() as Csr;
  assert.equal(now.spec.signerName, 'example.com/serving');
  assert.deepEqual(now.status ?? {}, {});
  assert.deepEqual((now.metadata as { labels?: Record<string, string> }).labels, { team: 'a' });
});

test('/approval: Approved and Denied together, or not True, refused (422); removing a condition refused', async () => {
  const created = (await send('POST', CSRS, csr('tables-approval'))).json() as Csr;
  const both = structuredClone(created);
  both.status = {
    conditions: [
      { type: 'Approved', status: 'True', reason: 'A' },
      { type: 'Denied', status: 'True', reason: 'B' },
    ],
  };
  assertInvalid(
    await send('PUT', `${CSRS}/tables-approval/approval`, both),
    'tables-approval',
    'status.conditions[1].type: Invalid value: "Denied": Approved and Denied conditions are mutually exclusive',
  );
  const notTrue = structuredClone(created);
  notTrue.status = { conditions: [{ type: 'Approved', status: 'False', reason: 'A' }] };
  assertInvalid(
    await send('PUT', `${CSRS}/tables-approval/approval`, notTrue),
    'tables-approval',
    'status.conditions[0].status: Unsupported value: "False": supported values: "True"',
  );
  const ok = structuredClone(created);
  ok.status = { conditions: [{ type: 'Approved', status: 'True', reason: 'A' }] };
  const approved = await send('PUT', `${CSRS}/tables-approval/approval`, ok);
  assert.equal(approved.status, 200, approved.text);
  const cond = ((approved.json() as Csr).status as { conditions: Array<Record<string, string>> }).conditions[0]!;
  assert.ok(cond.lastUpdateTime, 'lastUpdateTime filled in');
  // removing Approved again
  const removed = approved.json() as Csr;
  removed.status = { conditions: [] };
  const r = await send('PUT', `${CSRS}/tables-approval/approval`, removed);
  assert.equal(r.status, 422, r.text);
  assert.match(
    String(r.json().message),
    /status\.conditions: Forbidden: updates may not remove a condition of type "Approved"/,
  );
});

test('/status: sets the certificate once, cannot add Denied; a bad certificate is 422', async () => {
  const created = (await send('POST', CSRS, csr('tables-status'))).json() as Csr;
  const approve = structuredClone(created);
  approve.status = { conditions: [{ type: 'Approved', status: 'True', reason: 'A' }] };
  const approved = (await send('PUT', `${CSRS}/tables-status/approval`, approve)).json() as Csr;
  const bad = structuredClone(approved);
  bad.status = {
    ...bad.status,
    certificate: Buffer.from('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n').toString('base64'),
  };
  const b = await send('PUT', `${CSRS}/tables-status/status`, bad);
  assert.equal(b.status, 422, b.text);
  assert.match(String(b.json().message), /status\.certificate: Invalid value/);
  const csrPath = join(s.dir, 'tables.csr');
  writeFileSync(csrPath, pem);
  const sign = () =>
    openssl(['x509', '-req', '-in', csrPath, '-CA', join(s.dir, 'pki', 'ca.crt'), '-CAkey', join(s.dir, 'pki', 'ca.key'), '-days', '1']).stdout; // prettier-ignore
  const first = structuredClone(approved);
  first.status = { ...first.status, certificate: Buffer.from(sign()).toString('base64') };
  const set = await send('PUT', `${CSRS}/tables-status/status`, first);
  assert.equal(set.status, 200, set.text);
  // a second, different certificate: refused, the first stays
  const second = set.json() as Csr;
  second.status = { ...second.status, certificate: Buffer.from(sign()).toString('base64') };
  const again = await send('PUT', `${CSRS}/tables-status/status`, second);
  assert.equal(again.status, 422, again.text);
  assert.match(
    String(again.json().message),
    /status\.certificate: Forbidden: updates may not modify existing certificate content/,
  );
  // /status adding Denied: not its to add (kept as stored)
  const deny = set.json() as Csr;
  deny.status = {
    ...deny.status,
    conditions: [
      ...(deny.status as { conditions: object[] }).conditions,
      { type: 'Denied', status: 'True', reason: 'X' },
    ],
  };
  const d = await send('PUT', `${CSRS}/tables-status/status`, deny);
  const conds = ((d.json() as Csr).status as { conditions?: Array<{ type: string }> } | undefined)?.conditions ?? [];
  assert.ok(!conds.some((c) => c.type === 'Denied'), d.text);
});
