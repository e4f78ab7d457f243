import { test } from 'node:test';
import assert from 'node:assert/strict';
import { humanAge, humanDuration } from '../../../src/api/machinery/duration.js';
import { buildTable, defaultTableConvertor, partialObjectMetadata } from '../../../src/api/machinery/table.js';
import type { KubeObject } from '../../../src/api/object.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;
const Y = 365 * D;

test('humanDuration prints what kubectl prints (apimachinery HumanDuration)', () => {
  const cases: Array<[number, string]> = [
    [-3 * S, '<invalid>'],
    [-2 * S, '<invalid>'],
    [-1.5 * S, '0s'],
    [-1 * S, '0s'],
    [0, '0s'],
    [999, '0s'],
    [59 * S, '59s'],
    [119 * S, '119s'],
    [2 * M, '2m'],
    [2 * M + 10 * S, '2m10s'],
    [9 * M + 59 * S, '9m59s'],
    [10 * M + 30 * S, '10m'],
    [179 * M, '179m'],
    [3 * H, '3h'],
    [3 * H + 5 * M, '3h5m'],
    [7 * H + 59 * M, '7h59m'],
    [8 * H, '8h'],
    [47 * H, '47h'],
    [48 * H, '2d'],
    [3 * D + 4 * H, '3d4h'],
    [7 * D + 23 * H, '7d23h'],
    [8 * D, '8d'],
    [400 * D, '400d'],
    [2 * Y - D, '729d'],
    [2 * Y, '2y'],
    [2 * Y + 100 * D, '2y100d'],
    [8 * Y, '8y'],
    [30 * Y + 200 * D, '30y'],
  ];
  for (const [ms, want] of cases) assert.equal(humanDuration(ms), want, `${ms} ms`);
  const now = new Date('2026-12-05T12:00:00Z');
  assert.equal(humanAge('2026-12-05T11:55:00Z', now), '5m');
  assert.equal(humanAge(undefined, now), '<unknown>');
  assert.equal(humanAge('not a time', now), '<unknown>');
  assert.equal(humanAge('2026-12-05T12:00:10Z', now), '<invalid>');
});

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
