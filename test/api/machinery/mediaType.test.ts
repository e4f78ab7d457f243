import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  negotiateDiscovery,
  negotiateOutput,
  parseAccept,
  requestBodyFormat,
  wantsTable,
} from '../../../src/api/machinery/mediaType.js';
import { toStatus } from '../../../src/api/machinery/status.js';

/** The Accept headers kubectl sends (docs/upstream/csr-api.md Part A) */
const AGG_133 =
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';
const AGG_127 = 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';
const LEGACY_120 = 'application/json, */*';
const TABLE =
  'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';
const PROTO_GET = 'application/vnd.kubernetes.protobuf,application/json';

test('discovery negotiation: aggregated v2 / v2beta1 when offered, with the matching Content-Type; legacy otherwise', () => {
  const cases: Array<[string | undefined, string]> = [
    [AGG_133, 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList'],
    [AGG_127, 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList'],
    [LEGACY_120, 'application/json'],
    [undefined, 'application/json'],
    ['', 'application/json'],
    ['application/json', 'application/json'],
    // the q values decide, then the order sent
    [
      'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList;q=0.5,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList',
      'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList',
    ],
    // a version we do not serve, or another kind, is skipped
    ['application/json;g=apidiscovery.k8s.io;v=v3;as=APIGroupDiscoveryList,application/json', 'application/json'],
    ['application/json;g=apidiscovery.k8s.io;v=v2;as=Other', 'application/json'],
    // like kube: clauses without a conversion are skipped, so an aggregated clause after plain JSON still wins
    [
      'application/json,application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList',
      'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList',
    ],
    [
      '*/*;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList',
      'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList',
    ],
    // protobuf-only aggregated requests get legacy JSON (we do not write protobuf)
    ['application/vnd.kubernetes.protobuf;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList', 'application/json'],
    // garbage
    ['\u0000;;;,,,=', 'application/json'],
  ];
  for (const [accept, contentType] of cases)
    assert.equal(negotiateDiscovery(accept).contentType, contentType, String(accept));
  assert.deepEqual(negotiateDiscovery(AGG_133), {
    aggregated: true,
    version: 'v2',
    contentType: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList',
  });
});

test('resource negotiation: Table v1/v1beta1, plain JSON, protobuf offered first, 406 when nothing fits', () => {
  const t = negotiateOutput(TABLE);
  assert.deepEqual(t, { as: 'Table', version: 'v1', mediaType: 'application/json', pretty: false, stream: false });
  assert.equal(wantsTable(TABLE), true);
  assert.deepEqual(negotiateOutput('application/json;as=Table;v=v1beta1;g=meta.k8s.io'), {
    as: 'Table',
    version: 'v1beta1',
    mediaType: 'application/json',
    pretty: false,
    stream: false,
  });
  // no printer: the Table clauses are skipped and plain JSON answers
  assert.equal(negotiateOutput(TABLE, { table: false }).as, 'object');
  for (const a of ['application/json', 'application/json, */*', PROTO_GET, '*/*', undefined, '', 'application/*'])
    assert.deepEqual(
      negotiateOutput(a),
      { as: 'object', mediaType: 'application/json', pretty: false, stream: false },
      String(a),
    );
  assert.equal(wantsTable('application/json'), false);
  assert.equal(
    negotiateOutput('application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io').as,
    'PartialObjectMetadataList',
  );
  assert.equal(negotiateOutput('application/json;stream=watch').stream, true);
  assert.equal(negotiateOutput('application/json;pretty=1').pretty, true);
  assert.equal(
    negotiateOutput('application/yaml', { supported: ['application/json', 'application/yaml'] }).mediaType,
    'application/yaml',
  );
  // conversions we cannot do are skipped, then 406 when nothing is left
  for (const a of [
    'application/vnd.kubernetes.protobuf',
    'application/json;as=Table;v=v2;g=meta.k8s.io',
    'application/json;as=Table;v=v1;g=other.io',
    'application/json;as=Table',
    'application/json;as=Deployment;v=v1;g=meta.k8s.io',
    'application/json;stream=other',
    'text/html',
    'application/json;q=x;as=Table',
  ]) {
    assert.throws(
      () => negotiateOutput(a),
      (e) => {
        const s = toStatus(e);
        assert.equal(s.code, 406, a);
        assert.equal(s.message, 'only the following media types are accepted: application/json');
        return true;
      },
    );
  }
  assert.throws(() => negotiateOutput('a/b,'.repeat(5000)), /longer than 16384 characters/);
});

test('Accept parsing: q, wildcards, quoted parameters, case', () => {
  const r = parseAccept(
    'text/*;q=0.5, Application/JSON;AS=Table;v="v1" ;g=meta.k8s.io, */*;q=0.1, bad, a/b;=x, a/b;q=0.9',
  );
  assert.deepEqual(
    r.map((c) => `${c.type}/${c.subtype} ${c.q}`),
    ['application/json 1', 'a/b 0.9', 'text/* 0.5', '*/* 0.1'],
  );
  assert.deepEqual(r[0]!.params, { as: 'Table', v: 'v1', g: 'meta.k8s.io' });
  // equal q: concrete before wildcards, else the order sent
  assert.deepEqual(
    parseAccept('*/*, text/*, a/b, c/d').map((c) => `${c.type}/${c.subtype}`),
    ['a/b', 'c/d', 'text/*', '*/*'],
  );
  assert.deepEqual(parseAccept(undefined), []);
});

test('request bodies: JSON by default, protobuf and YAML recognised, 415 for the rest', () => {
  const cases: Array<[string | undefined, string]> = [
    [undefined, 'json'],
    ['', 'json'],
    ['application/json', 'json'],
    ['application/json; charset=utf-8', 'json'],
    ['APPLICATION/JSON', 'json'],
    ['application/vnd.kubernetes.protobuf', 'protobuf'],
  ];
  for (const [ct, want] of cases) assert.equal(requestBodyFormat(ct), want, String(ct));
  assert.equal(requestBodyFormat('application/yaml', ['json', 'yaml']), 'yaml');
  for (const ct of [
    'text/plain',
    'application/x-www-form-urlencoded',
    'application/*',
    '*/*',
    'garbage',
    'application/json;',
    'application/merge-patch+json',
    'application/yaml',
  ]) {
    if (ct === 'application/json;') {
      assert.equal(requestBodyFormat(ct), 'json');
      continue;
    }
    assert.throws(
      () => requestBodyFormat(ct),
      (e) =>
        toStatus(e).code === 415 &&
        toStatus(e).message ===
          'the body of the request was in an unknown format - accepted media types include: application/json, application/vnd.kubernetes.protobuf',
      ct,
    );
  }
  assert.throws(
    () => requestBodyFormat('application/yaml', ['json']),
    /accepted media types include: application\/json$/,
  );
});
