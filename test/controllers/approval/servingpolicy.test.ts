import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isKubetlsError } from '../../../src/errors/index.js';
import { parseIpRanges, parseKubeletServingPolicy } from '../../../src/controllers/approval/servingpolicy.js';

test('IP ranges: IPv4, IPv6 and IPv4-mapped addresses', () => {
  const r = parseIpRanges('10.0.0.0/8,fd00::/8', 'f');
  assert.equal(r.contains('10.200.1.1'), true);
  assert.equal(r.contains('::ffff:10.1.2.3'), true);
  assert.equal(r.contains('fd12::1'), true);
  assert.equal(r.contains('11.0.0.1'), false);
  assert.equal(r.contains('fe80::1'), false);
  assert.equal(r.contains('not-an-ip'), false);
});

const code = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    if (isKubetlsError(e)) return `${e.code}: ${e.message}`;
    throw e;
  }
  return 'no error';
};

test('bad policy flags are usage errors naming the flag', () => {
  for (const [flags, want] of [
    [{ ipRanges: '10.0.0.0/33' }, /^InvalidCIDR: --kubelet-serving-ip-ranges: "10.0.0.0\/33" is not a valid CIDR/],
    [{ ipRanges: '10.0.0.1' }, /InvalidCIDR/],
    [{ ipRanges: ' , ' }, /no CIDR given/],
    [{ ipRanges: 'x'.repeat(100_000) }, /InvalidCIDR/],
    [{ dnsPattern: '(a' }, /^InvalidPattern: .*--kubelet-serving-dns-pattern/],
    [{ dnsPattern: '(?=a)b' }, /InvalidPattern/],
    [{ maxExpiration: 'forever' }, /InvalidDuration/],
    [{ maxExpiration: '5m' }, /less than 10m/],
  ] as const) {
    assert.match(
      code(() => parseKubeletServingPolicy(flags)),
      want,
    );
  }
  assert.deepEqual(parseKubeletServingPolicy({}), {});
  assert.equal(parseKubeletServingPolicy({ maxExpiration: '8760h' }).maxExpirationSeconds, 31536000);
});
