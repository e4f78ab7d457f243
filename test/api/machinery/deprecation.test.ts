/**
 * The deprecation warning and audit annotations of a deprecated API version, checked against
 * the strings kube-apiserver sends (TokenReview v1beta1 as kube-apiserver 1.19-1.21 warned of
 * it, SelfSubjectReview v1beta1 as 1.30-1.32 do: upstream names no replacement for it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deprecationAnnotations, deprecationWarning } from '../../../src/api/machinery/deprecation.js';
import { selfSubjectReviewsV1beta1 } from '../../../src/api/resources/reviews/reviews.js';
import { servedResources } from '../../../src/api/resources/index.js';

test('deprecationWarning: group/version kind, the releases, and the replacement when there is one', () => {
  const tokenReview = { group: 'authentication.k8s.io', version: 'v1beta1', kind: 'TokenReview' };
  assert.equal(
    deprecationWarning(tokenReview, {
      deprecated: '1.19',
      removed: '1.22',
      replacement: { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenReview' },
    }),
    'authentication.k8s.io/v1beta1 TokenReview is deprecated in v1.19+, unavailable in v1.22+; use authentication.k8s.io/v1 TokenReview',
  );
  // the core group has no group in its name; a lifecycle without a removal release says nothing of one
  assert.equal(
    deprecationWarning({ group: '', version: 'v1', kind: 'ComponentStatus' }, { deprecated: '1.19' }),
    'v1 ComponentStatus is deprecated in v1.19+',
  );
  assert.deepEqual(deprecationAnnotations({ deprecated: '1.19' }), { 'k8s.io/deprecated': 'true' });
});

test('SelfSubjectReview v1beta1 is the one deprecated version served, with upstream lifecycle', () => {
  const d = selfSubjectReviewsV1beta1.deprecation!;
  assert.equal(
    deprecationWarning(selfSubjectReviewsV1beta1.names, d),
    'authentication.k8s.io/v1beta1 SelfSubjectReview is deprecated in v1.30+, unavailable in v1.33+',
  );
  assert.deepEqual(deprecationAnnotations(d), { 'k8s.io/deprecated': 'true', 'k8s.io/removed-release': '1.33' });
  assert.deepEqual(
    servedResources()
      .filter((r) => r.deprecation)
      .map((r) => `${r.names.group}/${r.names.version}/${r.names.resource}`),
    ['authentication.k8s.io/v1beta1/selfsubjectreviews'],
  );
});
