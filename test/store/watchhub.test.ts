import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../src/api/object.js';
import { filterChange, type Change } from '../../src/store/watchhub.js';

const o = (team: string, rv = '5'): KubeObject => ({ metadata: { name: 'x', resourceVersion: rv }, team });
const red = (x: KubeObject) => x.team === 'red';
const change = (type: 'ADDED' | 'MODIFIED' | 'DELETED', now: KubeObject, prev?: KubeObject): Change => ({
  key: '/core/secrets/ns/x',
  event: { type, object: now, revision: 9 },
  prev,
});

test('filtered watch events follow kube-apiserver’s watch cache: entering is ADDED, leaving is DELETED', () => {
  const f = (c: Change) => {
    const e = filterChange(c, red);
    return e && `${e.type} ${e.object.team as string} ${e.object.metadata.resourceVersion}`;
  };
  assert.equal(f(change('ADDED', o('red', '9'))), 'ADDED red 9');
  assert.equal(f(change('ADDED', o('blue', '9'))), undefined);
  assert.equal(f(change('MODIFIED', o('red', '9'), o('red'))), 'MODIFIED red 9');
  assert.equal(f(change('MODIFIED', o('red', '9'), o('blue'))), 'ADDED red 9');
  assert.equal(
    f(change('MODIFIED', o('blue', '9'), o('red'))),
    'DELETED red 9',
    'the last matching state, at the new revision',
  );
  assert.equal(f(change('MODIFIED', o('blue', '9'), o('green'))), undefined);
  assert.equal(f(change('DELETED', o('red', '9'))), 'DELETED red 9');
  assert.equal(f(change('DELETED', o('blue', '9'))), undefined);
  const c = change('MODIFIED', o('blue', '9'), o('red'));
  assert.equal(filterChange(c, undefined), c.event, 'no filter: the event itself');
});
