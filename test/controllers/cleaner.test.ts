import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1CertificateSigningRequest } from '@kubernetes/client-node';
import { cleanupReason } from '../../src/controllers/cleaner.js';
import { openssl } from '../helpers.js';

const H = 3600_000;
const now = new Date('2026-06-01T12:00:00Z');
const ago = (ms: number) => new Date(now.getTime() - ms);

/** A self-signed certificate valid from now (real time) for `days`, PEM base64 as status.certificate carries it. */
function cert(days: number): string {
  const pem = openssl([
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', '/dev/null',
    '-subj', '/CN=x', '-days', String(days),
  ]).stdout; // prettier-ignore
  return Buffer.from(pem).toString('base64');
}

function csr(o: {
  created?: Date;
  conditions?: Array<{ type: string; at?: Date }>;
  certificate?: string;
}): V1CertificateSigningRequest {
  return {
    metadata: { name: 'c', uid: 'u', ...(o.created ? { creationTimestamp: o.created } : {}) },
    spec: { request: '', signerName: 'example.com/x', usages: ['digital signature'] },
    status: {
      ...(o.conditions
        ? {
            conditions: o.conditions.map((c) => ({
              type: c.type,
              status: 'True',
              ...(c.at ? { lastUpdateTime: c.at } : {}),
            })),
          }
        : {}),
      ...(o.certificate ? { certificate: o.certificate } : {}),
    },
  };
}

test('the cleaner deletes what kube-controller-manager deletes, and keeps the rest (fake clock)', () => {
  const valid = cert(365);
  const real = Date.now();
  // a certificate of 1 day, looked at 2 days later: expired
  const shortLived = cert(1);
  const later = new Date(real + 2 * 24 * H);
  const rows: Array<[string, V1CertificateSigningRequest, Date, RegExp | undefined]> = [
    ['pending 23h', csr({ created: ago(23 * H) }), now, undefined],
    ['pending 24h + 1s', csr({ created: ago(24 * H + 1000) }), now, /pending for more than 24h/],
    ['pending, no creation time', csr({}), now, undefined],
    ['denied 59m ago', csr({ created: ago(48 * H), conditions: [{ type: 'Denied', at: ago(59 * 60_000) }] }), now, undefined],
    ['denied 61m ago', csr({ conditions: [{ type: 'Denied', at: ago(61 * 60_000) }] }), now, /denied more than 1h ago/],
    ['denied, zero time', csr({ created: ago(48 * H), conditions: [{ type: 'Denied' }] }), now, undefined],
    ['failed 2h ago', csr({ conditions: [{ type: 'Approved', at: ago(3 * H) }, { type: 'Failed', at: ago(2 * H) }] }), now, /failed more than 1h ago/],
    ['failed 10m ago', csr({ conditions: [{ type: 'Approved', at: ago(3 * H) }, { type: 'Failed', at: ago(10 * 60_000) }] }), now, undefined],
    ['approved 2h ago, issued', csr({ conditions: [{ type: 'Approved', at: ago(2 * H) }], certificate: valid }), now, /issued more than 1h ago/],
    ['approved 30m ago, issued', csr({ conditions: [{ type: 'Approved', at: ago(30 * 60_000) }], certificate: valid }), now, undefined],
    ['approved 5h ago, never issued: kept (upstream keeps it)', csr({ conditions: [{ type: 'Approved', at: ago(5 * H) }] }), now, undefined],
    ['approved just now, certificate expired', csr({ conditions: [{ type: 'Approved', at: later }], certificate: shortLived }), later, /its certificate expired at/],
    ['approved just now, certificate valid', csr({ conditions: [{ type: 'Approved', at: new Date(real) }], certificate: shortLived }), new Date(real), undefined],
    ['issued with an unreadable certificate, approved 10m ago', csr({ conditions: [{ type: 'Approved', at: ago(10 * 60_000) }], certificate: Buffer.from('junk').toString('base64') }), now, undefined],
  ]; // prettier-ignore
  for (const [name, c, at, want] of rows) {
    const got = cleanupReason(c, at);
    if (want) assert.match(got ?? '(kept)', want, name);
    else assert.equal(got, undefined, name);
  }
});
