/**
 * Events, in both APIs kube-apiserver serves them: core/v1 `events` (what `kubectl get
 * events` and `kubectl describe` read, and what the controllers write) and
 * `events.k8s.io/v1` `events`. Both are one stored object: the core/v1 form is the storage
 * form, and events.k8s.io/v1 objects are converted field by field on the way in and out
 * (regarding ↔ involvedObject, note ↔ message, reportingController ↔ reportingComponent,
 * deprecatedX ↔ X), so an event written through either API is read through the other.
 */
import { fieldError, FieldPath, type FieldError } from '../../../errors/index.js';
import type { KubeObject } from '../../object.js';
import type { ResourceDefinition } from '../../resource.js';
import { humanAge } from '../../humanduration.js';
import { basicStrategy } from '../basic.js';

type Obj = Record<string, unknown>;
const isRecord = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Field renames between events.k8s.io/v1 (left) and core/v1 (right). */
const RENAMES: Array<[string, string]> = [
  ['regarding', 'involvedObject'],
  ['note', 'message'],
  ['reportingController', 'reportingComponent'],
  ['deprecatedSource', 'source'],
  ['deprecatedFirstTimestamp', 'firstTimestamp'],
  ['deprecatedLastTimestamp', 'lastTimestamp'],
  ['deprecatedCount', 'count'],
];

function rename(o: KubeObject, pairs: Array<[string, string]>, apiVersion: string): KubeObject {
  const out: KubeObject = { ...o, apiVersion, kind: 'Event', metadata: o.metadata };
  for (const [from, to] of pairs) {
    delete out[from];
    if (o[from] !== undefined) out[to] = o[from];
  }
  return out;
}

export const eventsV1ToCore = (o: KubeObject): KubeObject => rename(o, RENAMES, 'v1');
export const coreToEventsV1 = (o: KubeObject): KubeObject =>
  rename(
    o,
    RENAMES.map(([a, b]) => [b, a]),
    'events.k8s.io/v1',
  );

const NOTE_MAX = 1024;
const TYPES = ['Normal', 'Warning'];

function validateCore(obj: KubeObject): FieldError[] {
  const errors: FieldError[] = [];
  const io = obj.involvedObject;
  if (!isRecord(io)) errors.push(fieldError.required(FieldPath.root('involvedObject')));
  else {
    const ns = typeof io.namespace === 'string' ? io.namespace : '';
    const evNs = obj.metadata.namespace ?? '';
    // an event about a cluster-scoped object (a CSR, a Node) lives in "default"
    if (ns ? ns !== evNs : evNs !== 'default' && evNs !== '')
      errors.push(
        fieldError.invalid(FieldPath.root('involvedObject').child('namespace'), ns, 'does not match event.namespace'),
      );
  }
  if (obj.type !== undefined && !TYPES.includes(String(obj.type)))
    errors.push(fieldError.notSupported(FieldPath.root('type'), obj.type, TYPES));
  if (typeof obj.message === 'string' && obj.reportingComponent && Buffer.byteLength(obj.message) > NOTE_MAX)
    errors.push(fieldError.tooLong(FieldPath.root('message'), NOTE_MAX));
  return errors;
}

/** events.k8s.io/v1 adds required fields on create (kube: ValidateEventCreate for the new API). */
function validateEventsV1(obj: KubeObject): FieldError[] {
  const errors: FieldError[] = [];
  for (const f of ['eventTime', 'reportingController', 'reportingInstance', 'action', 'reason'])
    if (!obj[f]) errors.push(fieldError.required(FieldPath.root(f)));
  if (typeof obj.note === 'string' && Buffer.byteLength(obj.note) > NOTE_MAX)
    errors.push(fieldError.tooLong(FieldPath.root('note'), NOTE_MAX));
  return [...errors, ...validateCore(eventsV1ToCore(obj)).map((e) => ({ ...e, field: mapField(e.field) }))];
}

const mapField = (f: string): string => {
  for (const [a, b] of RENAMES) if (f === b || f.startsWith(`${b}.`)) return a + f.slice(b.length);
  return f;
};

const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));
const sub = (o: KubeObject, a: string, b: string): string => str(isRecord(o[a]) ? o[a][b] : undefined);

function refFields(prefix: string, field: string): Record<string, (o: KubeObject) => string> {
  const out: Record<string, (o: KubeObject) => string> = {};
  for (const k of ['kind', 'namespace', 'name', 'uid', 'apiVersion', 'resourceVersion', 'fieldPath'])
    out[`${prefix}.${k}`] = (o) => sub(o, field, k);
  return out;
}

/** When the event was last seen: lastTimestamp, else the series' last observation, else eventTime, else creation. */
const lastSeen = (o: KubeObject): string | undefined => {
  const v = o.lastTimestamp ?? (isRecord(o.series) ? o.series.lastObservedTime : undefined) ?? o.eventTime;
  return typeof v === 'string' ? v : o.metadata.creationTimestamp;
};

const EVENT_NAMES = {
  group: '',
  version: 'v1',
  resource: 'events',
  singular: 'event',
  kind: 'Event',
  listKind: 'EventList',
  namespaced: true,
  verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
};

export const coreEvents: ResourceDefinition = {
  names: { ...EVENT_NAMES, shortNames: ['ev'] },
  strategy: basicStrategy({ validate: validateCore, allowCreateOnUpdate: true }),
  table: {
    columns: [
      { name: 'Last Seen', type: 'string' },
      { name: 'Type', type: 'string' },
      { name: 'Reason', type: 'string' },
      { name: 'Object', type: 'string' },
      { name: 'Message', type: 'string' },
    ],
    cells: (o, now) => [
      humanAge(lastSeen(o), now),
      str(o.type),
      str(o.reason),
      `${sub(o, 'involvedObject', 'kind').toLowerCase()}/${sub(o, 'involvedObject', 'name')}`,
      str(o.message),
    ],
  },
  // `kubectl describe` selects an object's events by involvedObject.name, .namespace ("" for a
  // cluster-scoped CSR), .kind and .uid (measured with kubectl 1.20, 1.27 and 1.33)
  fields: {
    ...refFields('involvedObject', 'involvedObject'),
    reason: (o) => str(o.reason),
    reportingComponent: (o) => str(o.reportingComponent),
    source: (o) => sub(o, 'source', 'component'),
    type: (o) => str(o.type),
  },
};

export const eventsV1: ResourceDefinition = {
  names: { ...EVENT_NAMES, group: 'events.k8s.io' },
  strategy: basicStrategy({
    validate: validateEventsV1,
    validateUpdate: (obj) => validateCore(eventsV1ToCore(obj)).map((e) => ({ ...e, field: mapField(e.field) })),
  }),
  storage: { group: '', resource: 'events', toStorage: eventsV1ToCore, fromStorage: coreToEventsV1 },
  // the columns read the core/v1 form; field selectors (below) run on the stored (core/v1) form too
  table: { columns: coreEvents.table!.columns, cells: (o, now) => coreEvents.table!.cells(eventsV1ToCore(o), now) },
  fields: {
    ...refFields('regarding', 'involvedObject'),
    reason: (o) => str(o.reason),
    reportingController: (o) => str(o.reportingComponent),
    type: (o) => str(o.type),
  },
};
