import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FieldPath, formatFieldError } from '../../../../src/errors/index.js';
import {
  MAX_SIGNER_NAME_LENGTH,
  isKubernetesSignerName,
  signerDomain,
  validateSignerName,
} from '../../../../src/api/resources/certificates/signername.js';

const PATH = FieldPath.root('spec').child('signerName');
const errors = (s: string | undefined): string[] => validateSignerName(s, PATH).map(formatFieldError);

/** A DNS domain of exactly `n` bytes: labels of 63 and a shorter last one (n must not be 64k). */
function domainOf(n: number): string {
  const labels: string[] = [];
  for (let left = n; left > 0; left -= 64) labels.push('abcdefghij'[labels.length]!.repeat(Math.min(63, left)));
  return labels.join('.');
}

test('the longest acceptable signerName: a 253-byte domain and a 317-byte path (571 in all)', () => {
  const domain = domainOf(253);
  assert.equal(domain.length, 253);
  assert.ok(domain.split('.').every((l) => l.length <= 63));
  const path = `${'x'.repeat(253)}.${'y'.repeat(63)}`;
  const longest = `${domain}/${path}`;
  assert.equal(longest.length, MAX_SIGNER_NAME_LENGTH);
  assert.equal(MAX_SIGNER_NAME_LENGTH, 571);
  assert.deepEqual(errors(longest), []);
  // one byte more anywhere in the path goes over the total
  assert.deepEqual(errors(`${domain}/${path}z`), ['spec.signerName: Too long: may not be more than 571 bytes']);
});

test('signerName length limits: domain 253, domain label 63, path segment 253, total 571', () => {
  const long254 = domainOf(254);
  assert.equal(long254.length, 254);
  assert.deepEqual(errors(`${long254}/signer`), ['spec.signerName: Too long: may not be more than 253 bytes']);
  const label64 = `${'a'.repeat(64)}.com`;
  assert.deepEqual(errors(`${label64}/signer`), [
    `spec.signerName: Invalid value: "${label64}": validating label "${'a'.repeat(64)}": must be no more than 63 bytes`,
  ]);
  assert.deepEqual(errors(`${'a'.repeat(63)}.com/signer`), []);
  const seg254 = 'p'.repeat(254);
  assert.deepEqual(errors(`example.com/${seg254}`), [
    `spec.signerName: Invalid value: "${seg254}": validating label "${seg254}": must be no more than 253 bytes`,
  ]);
  assert.deepEqual(errors(`example.com/${'p'.repeat(253)}`), []);
  // a path made of many short valid segments still may not pass 571 in all
  const manySegments = Array.from({ length: 150 }, () => 'abc').join('.');
  assert.deepEqual(errors(`example.com/${manySegments}`), [
    'spec.signerName: Too long: may not be more than 571 bytes',
  ]);
});

test('signerName shapes: one slash, a dotted domain, lower-case DNS names, the first bad label only', () => {
  const re = "(e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
  const cases: Array<[string | undefined, string[]]> = [
    [undefined, ['spec.signerName: Required value']],
    ['', ['spec.signerName: Required value']],
    ['example.com/serving', []],
    ['kubernetes.io/kube-apiserver-client', []],
    ['example.com/ns.name', []],
    [
      'example.com',
      [
        'spec.signerName: Invalid value: "example.com": must be a fully qualified domain and path of the form \'example.com/signer-name\'',
      ],
    ],
    [
      'example.com/a/b',
      [
        'spec.signerName: Invalid value: "example.com/a/b": must be a fully qualified domain and path of the form \'example.com/signer-name\'',
      ],
    ],
    [
      'example/serving',
      ['spec.signerName: Invalid value: "example": should be a domain with at least two segments separated by dots'],
    ],
    [
      'Example.com/serving',
      [
        `spec.signerName: Invalid value: "Example.com": validating label "Example": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character ${re}`,
      ],
    ],
    // both bad labels of the domain: only the first is reported
    [
      'a_b.c_d.com/serving',
      [
        `spec.signerName: Invalid value: "a_b.c_d.com": validating label "a_b": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character ${re}`,
      ],
    ],
    [
      'example.com/',
      [
        `spec.signerName: Invalid value: "": validating label "": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
      ],
    ],
    [
      '/serving',
      [
        `spec.signerName: Invalid value: "": validating label "": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character ${re}`,
        'spec.signerName: Invalid value: "": should be a domain with at least two segments separated by dots',
      ],
    ],
  ];
  for (const [name, want] of cases) assert.deepEqual(errors(name), want, String(name));
});

test('signerDomain and the kubernetes.io reservation', () => {
  assert.equal(signerDomain('example.com/serving'), 'example.com');
  assert.equal(signerDomain('example.com'), 'example.com');
  assert.equal(isKubernetesSignerName('kubernetes.io/kubelet-serving'), true);
  assert.equal(isKubernetesSignerName('foo.kubernetes.io/x'), true);
  assert.equal(isKubernetesSignerName('notkubernetes.io/x'), false);
});
