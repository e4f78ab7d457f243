import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseCreateOptions,
  parseDeleteOptions,
  parseGetOptions,
  parseListOptions,
  parsePatchOptions,
  parseTableOptions,
  parseUpdateOptions,
} from '../../../src/api/machinery/queryOptions.js';
import { parseGoBool, queryBool } from '../../../src/api/machinery/queryBool.js';
import { toStatus } from '../../../src/api/machinery/status.js';

const q = (s: string): URLSearchParams => new URLSearchParams(s);

/** asserts the call throws a Status with this code and message (exact or matching) */
function throwsStatus(fn: () => unknown, code: number, message: string | RegExp): void {
  assert.throws(fn, (e) => {
    const s = toStatus(e);
    assert.equal(s.code, code, String(message));
    if (typeof message === 'string') assert.equal(s.message, message);
    else assert.match(s.message!, message);
    return true;
  });
}

test("query booleans: Go's ParseBool spellings, and kube-apiserver's lenient reading", () => {
  for (const t of ['1', 't', 'T', 'TRUE', 'true', 'True']) assert.equal(parseGoBool(t), true, t);
  for (const f of ['0', 'f', 'F', 'FALSE', 'false', 'False']) assert.equal(parseGoBool(f), false, f);
  for (const x of ['', 'yes', 'tRUE', ' true', '2']) assert.equal(parseGoBool(x), undefined, x);
  // kube: absent, 0 and false in any case are false; anything else is true
  const table: Array<[string | null | undefined | string[], boolean]> = [
    [undefined, false],
    [null, false],
    [[], false],
    ['0', false],
    ['false', false],
    ['FALSE', false],
    ['fAlSe', false],
    ['1', true],
    ['true', true],
    ['True', true],
    ['', true],
    ['f', true],
    ['yes', true],
    [['false', 'true'], false],
  ];
  for (const [v, want] of table) assert.equal(queryBool(v), want, JSON.stringify(v));
});

test('list and watch options: what kubectl 1.20, 1.27 and 1.33 send', () => {
  // get csr
  let o = parseListOptions(q('limit=500'));
  assert.equal(o.limit, 500);
  assert.equal(o.watch, false);
  assert.deepEqual(o.labelSelector, []);
  // get csr -w
  o = parseListOptions(q('resourceVersion=42&watch=true'));
  assert.equal(o.watch, true);
  assert.equal(o.resourceVersion, '42');
  // delete's wait (1.27/1.33)
  o = parseListOptions(
    q('allowWatchBookmarks=true&fieldSelector=metadata.name%3Dx&resourceVersion=7&timeoutSeconds=372&watch=true'),
    { fields: { 'spec.signerName': () => '' }, namespaced: false },
  );
  assert.equal(o.allowWatchBookmarks, true);
  assert.equal(o.timeoutSeconds, 372);
  assert.deepEqual(o.fieldSelector, [{ field: 'metadata.name', operator: '=', value: 'x' }]);
  // client-node and others
  for (const w of ['1', 't', 'True', '']) assert.equal(parseListOptions(q(`watch=${w}`)).watch, true, w);
  for (const w of ['0', 'false', 'False']) assert.equal(parseListOptions(q(`watch=${w}`)).watch, false, w);
  // limit 0 and negatives mean no limit
  assert.equal(parseListOptions(q('limit=0')).limit, undefined);
  assert.equal(parseListOptions(q('limit=-5')).limit, undefined);
  assert.equal(parseListOptions(q('continue=abc&limit=2')).continue, 'abc');
  assert.equal(
    parseListOptions(q('resourceVersion=5&resourceVersionMatch=NotOlderThan')).resourceVersionMatch,
    'NotOlderThan',
  );
  assert.equal(parseListOptions(q('limit=99999999999999999')).limit, Number.MAX_SAFE_INTEGER);
  // sendInitialEvents with a watch
  o = parseListOptions(q('watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan'));
  assert.equal(o.sendInitialEvents, true);
});

test('bad list options: 400 for what does not parse, 422 ListOptions for what kube forbids', () => {
  throwsStatus(() => parseListOptions(q('limit=abc')), 400, 'strconv.ParseInt: parsing "abc": invalid syntax');
  throwsStatus(() => parseListOptions(q('limit=1.5')), 400, 'strconv.ParseInt: parsing "1.5": invalid syntax');
  throwsStatus(
    () => parseListOptions(q('timeoutSeconds=99999999999999999999')),
    400,
    'strconv.ParseInt: parsing "99999999999999999999": value out of range',
  );
  throwsStatus(
    () => parseListOptions(q('labelSelector=a%3Db%20c')),
    400,
    "found 'c', expected: ',' or 'end of string'",
  );
  throwsStatus(() => parseListOptions(q('fieldSelector=x')), 400, "invalid selector: 'x'; can't understand 'x'");
  throwsStatus(
    () =>
      parseListOptions(q('fieldSelector=spec.username%3Dx'), {
        fields: { 'spec.signerName': () => '' },
        namespaced: false,
      }),
    400,
    'field label not supported: spec.username',
  );
  throwsStatus(
    () => parseListOptions(q('resourceVersionMatch=Exact')),
    422,
    'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided',
  );
  throwsStatus(
    () => parseListOptions(q('resourceVersion=0&resourceVersionMatch=Exact')),
    422,
    'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch "exact" is forbidden for resourceVersion "0"',
  );
  throwsStatus(
    () => parseListOptions(q('resourceVersion=1&resourceVersionMatch=Newest')),
    422,
    'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Unsupported value: "Newest": supported values: "Exact", "NotOlderThan", ""',
  );
  throwsStatus(
    () => parseListOptions(q('sendInitialEvents=true')),
    422,
    'ListOptions.meta.k8s.io "" is invalid: sendInitialEvents: Forbidden: sendInitialEvents is forbidden for list',
  );
  throwsStatus(
    () => parseListOptions(q('watch=1&resourceVersionMatch=NotOlderThan')),
    422,
    /resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided/,
  );
  throwsStatus(
    () => parseListOptions(q('watch=1&sendInitialEvents=1')),
    422,
    /sendInitialEvents requires setting resourceVersionMatch to NotOlderThan/,
  );
});

test('get, create, update and patch options', () => {
  assert.deepEqual(parseGetOptions(q('')), {});
  assert.deepEqual(parseGetOptions(q('resourceVersion=0')), { resourceVersion: '0' });
  assert.deepEqual(parseCreateOptions(q('fieldManager=kubectl-create&fieldValidation=Strict')), {
    dryRun: false,
    fieldManager: 'kubectl-create',
    fieldValidation: 'Strict',
  });
  // 1.20 sends no fieldValidation: kube's default is Warn
  assert.equal(parseCreateOptions(q('fieldManager=kubectl-create')).fieldValidation, 'Warn');
  assert.equal(parseCreateOptions(q('fieldValidation=')).fieldValidation, 'Warn');
  assert.equal(parseUpdateOptions(q('dryRun=All')).dryRun, true);
  assert.equal(
    parsePatchOptions(q('fieldManager=kubectl-client-side-apply&fieldValidation=Ignore')).fieldValidation,
    'Ignore',
  );
  throwsStatus(
    () => parseCreateOptions(q('dryRun=true')),
    422,
    'CreateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: ["true"]: supported values: "All"',
  );
  throwsStatus(
    () => parseUpdateOptions(q('dryRun=All&dryRun=Some')),
    422,
    'UpdateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: ["All","Some"]: supported values: "All"',
  );
  throwsStatus(
    () => parseCreateOptions(q('fieldValidation=strict')),
    422,
    'CreateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "strict": supported values: "", "Ignore", "Strict", "Warn"',
  );
  throwsStatus(
    () => parseCreateOptions(q(`fieldManager=${'m'.repeat(129)}`)),
    422,
    'CreateOptions.meta.k8s.io "" is invalid: fieldManager: Too long: may not be more than 128 bytes',
  );
  throwsStatus(
    () => parseCreateOptions(q('fieldManager=a%0Ab')),
    422,
    'CreateOptions.meta.k8s.io "" is invalid: fieldManager: Invalid value: "a\\nb": invalid character U+000A (at position 1)',
  );
  throwsStatus(
    () => parsePatchOptions(q('force=true')),
    422,
    'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch',
  );
  // several problems at once, each reported
  throwsStatus(
    () => parseCreateOptions(q('dryRun=x&fieldValidation=y')),
    422,
    /^CreateOptions.meta.k8s.io "" is invalid: \[dryRun: .*, fieldValidation: .*\]$/,
  );
  // unicode that is printable is fine
  assert.equal(parseCreateOptions(q('fieldManager=gestionnaire-é')).fieldManager, 'gestionnaire-é');
});

test('delete options from the body (kubectl) or from the query', () => {
  // kubectl delete sends {"propagationPolicy":"Background"}
  assert.deepEqual(parseDeleteOptions(q(''), { propagationPolicy: 'Background' }), {
    dryRun: false,
    propagationPolicy: 'Background',
  });
  assert.deepEqual(parseDeleteOptions(q(''), {}), { dryRun: false });
  assert.deepEqual(parseDeleteOptions(q('')), { dryRun: false });
  assert.deepEqual(parseDeleteOptions(q('gracePeriodSeconds=0&propagationPolicy=Foreground&dryRun=All')), {
    dryRun: true,
    gracePeriodSeconds: 0,
    propagationPolicy: 'Foreground',
  });
  assert.deepEqual(
    parseDeleteOptions(q('propagationPolicy=Orphan'), {
      kind: 'DeleteOptions',
      apiVersion: 'v1',
      gracePeriodSeconds: 5,
      preconditions: { uid: 'u', resourceVersion: '9' },
      dryRun: ['All'],
    }),
    { dryRun: true, gracePeriodSeconds: 5, preconditions: { uid: 'u', resourceVersion: '9' } },
    'the body wins over the query',
  );
  throwsStatus(
    () => parseDeleteOptions(q('propagationPolicy=Now')),
    422,
    'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "Now": supported values: "Foreground", "Background", "Orphan", "nil"',
  );
  throwsStatus(
    () => parseDeleteOptions(q(''), { orphanDependents: true, propagationPolicy: 'Orphan' }),
    422,
    /orphanDependents and deletionPropagation cannot be both set/,
  );
  throwsStatus(() => parseDeleteOptions(q('gracePeriodSeconds=soon')), 400, /invalid syntax/);
  throwsStatus(
    () => parseDeleteOptions(q(''), { gracePeriodSeconds: '5' }),
    400,
    'json: cannot unmarshal string into Go struct field DeleteOptions.gracePeriodSeconds of type int64',
  );
  throwsStatus(
    () => parseDeleteOptions(q(''), { preconditions: { uid: 5 } }),
    400,
    /Preconditions.preconditions.uid of type string/,
  );
  throwsStatus(() => parseDeleteOptions(q(''), ['x']), 400, /DeleteOptions must be a JSON object/);
  throwsStatus(() => parseDeleteOptions(q(''), { dryRun: 'All' }), 400, /DeleteOptions.dryRun of type \[\]string/);
});

test('table options', () => {
  assert.deepEqual(parseTableOptions(q('')), { includeObject: 'Metadata', noHeaders: false });
  assert.deepEqual(parseTableOptions(q('includeObject=Object')), { includeObject: 'Object', noHeaders: false });
  throwsStatus(
    () => parseTableOptions(q('includeObject=All')),
    400,
    `Unable to convert to Table as requested: includeObject: Invalid value: "All": must be 'Metadata', 'Object', 'None', or empty`,
  );
});
