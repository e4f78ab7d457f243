import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTable, defaultTableConvertor, partialObjectMetadata } from '../../../src/api/machinery/table.js';
import type { KubeObject } from '../../../src/api/object.js';

test('Tables: columns, rows, PartialObjectMetadata, list metadata, v1beta1, no headers', () => {
  const now = new Date('2026-12-05T12:00:00Z');
  const objs: KubeObject[] = [
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: 'a',
        namespace: 'default',
        resourceVersion: '3',
        creationTimestamp: '2026-12-05T11:00:00Z',
        labels: { x: 'y' },
      },
    },
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'b', namespace: 'default', resourceVersion: '4' } },
  ];
  const t = buildTable(
    defaultTableConvertor,
    objs,
    { resourceVersion: '9', continue: 'tok', remainingItemCount: 5 },
    now,
  );
  assert.equal(t.kind, 'Table');
  assert.equal(t.apiVersion, 'meta.k8s.io/v1');
  assert.deepEqual(t.metadata, { resourceVersion: '9', continue: 'tok', remainingItemCount: 5 });
  assert.deepEqual(
    t.columnDefinitions.map((c) => [c.name, c.type, c.format, c.priority]),
    [
      ['Name', 'string', 'name', 0],
      ['Age', 'string', '', 0],
    ],
  );
  assert.ok(t.columnDefinitions.every((c) => c.description.length > 10));
  assert.deepEqual(
    t.rows.map((r) => r.cells),
    [
      ['a', '60m'],
      ['b', '<unknown>'],
    ],
  );
  assert.deepEqual(t.rows[0]!.object, {
    kind: 'PartialObjectMetadata',
    apiVersion: 'meta.k8s.io/v1',
    metadata: objs[0]!.metadata,
  });
  const beta = buildTable(defaultTableConvertor, objs.slice(0, 1), { resourceVersion: '3' }, now, {
    version: 'v1beta1',
    includeObject: 'Object',
    noHeaders: true,
  });
  assert.equal(beta.apiVersion, 'meta.k8s.io/v1beta1');
  assert.deepEqual(beta.columnDefinitions, []);
  assert.equal(beta.rows[0]!.object, objs[0]);
  const none = buildTable(defaultTableConvertor, objs, {}, now, { includeObject: 'None' });
  assert.ok(none.rows.every((r) => !('object' in r)));
  assert.deepEqual(none.metadata, {});
  assert.equal(partialObjectMetadata(objs[1]!, 'v1beta1').apiVersion, 'meta.k8s.io/v1beta1');
  // what travels is plain JSON
  assert.deepEqual(JSON.parse(JSON.stringify(t)), t);
});
