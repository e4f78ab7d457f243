/**
 * Validation of `metadata`, shared by every resource, with apimachinery's rules and words
 * (ValidateObjectMeta / ValidateObjectMetaUpdate): the name (each resource says how names
 * are checked), generateName, namespace, generation, labels, annotations (keys and a 256 KiB
 * total), ownerReferences, finalizers, managedFields; on update, the fields that may never
 * change. Expects a decoded object (../machinery/schema.ts checked its JSON types): strings
 * are strings.
 */
import { fieldError, FieldPath, type FieldError } from '../../errors/index.js';
import type { ObjectMeta, OwnerReference } from '../object.js';
import { isGoPrint } from '../goquote.js';
import { timeValue } from '../time.js';
import {
  byteLength,
  isDNS1123Label,
  isDNS1123Subdomain,
  isPathSegmentName,
  isQualifiedName,
  isValidLabelValue,
} from './content.js';

/** Why a name (or, with `prefix`, a generateName) is not acceptable; an empty list when it is. */
export type NameValidator = (name: string, prefix: boolean) => string[];

/** apimachinery's maskTrailingDash: a generateName may end in '-' since characters are appended to it. */
const maskTrailingDash = (name: string): string =>
  name.length > 1 && name.endsWith('-') ? `${name.slice(0, -2)}a` : name;

/** Most resources (Secrets, ConfigMaps, Nodes, RBAC objects…): a DNS-1123 subdomain of at most 253 bytes. */
export const nameIsDNSSubdomain: NameValidator = (name, prefix) =>
  isDNS1123Subdomain(prefix ? maskTrailingDash(name) : name);

/** Namespaces and other label-like names: a DNS-1123 label of at most 63 bytes. */
export const nameIsDNSLabel: NameValidator = (name, prefix) => isDNS1123Label(prefix ? maskTrailingDash(name) : name);

/**
 * Resources that accept any name (CertificateSigningRequests, RBAC): what a URL path segment
 * needs, and at most 512 characters. kube-apiserver sets no length here (etcd takes long
 * keys); the store's keys are bounded (src/store/keys.ts MAX_KEY_LENGTH, 1024: this leaves
 * room for the group, resource and namespace before the name), and a longer name was
 * refused by the store as a malformed key — a 500 — instead of here, as bad input.
 */
export const nameIsPathSegment: NameValidator = (name, prefix) => [
  ...isPathSegmentName(name, prefix),
  ...(name.length > PATH_SEGMENT_NAME_MAX_LENGTH
    ? [`must be no more than ${PATH_SEGMENT_NAME_MAX_LENGTH} characters`]
    : []),
];
const PATH_SEGMENT_NAME_MAX_LENGTH = 512;

export interface ObjectMetaRules {
  namespaced: boolean;
  name: NameValidator;
}

export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;
/** apimachinery FieldManagerMaxLength */
export const FIELD_MANAGER_MAX_LENGTH = 128;
const SUBRESOURCE_NAME_MAX_LENGTH = 256;
const FINALIZER_ORPHAN = 'orphan';
const FINALIZER_FOREGROUND = 'foregroundDeletion';

/** Metadata as it arrives (decoded, types checked): the ObjectMeta fields plus the ones kubetls does not model. */
type Meta = ObjectMeta & { deletionGracePeriodSeconds?: number | null };

const entries = (m: Record<string, string> | null | undefined): Array<[string, string]> => (m ? Object.entries(m) : []);

export function validateLabels(labels: Record<string, string> | null | undefined, path: FieldPath): FieldError[] {
  const out: FieldError[] = [];
  for (const [k, v] of entries(labels)) {
    for (const msg of isQualifiedName(k)) out.push(fieldError.invalid(path, k, msg));
    for (const msg of isValidLabelValue(v)) out.push(fieldError.invalid(path, v, msg));
  }
  return out;
}

export function validateAnnotations(
  annotations: Record<string, string> | null | undefined,
  path: FieldPath,
): FieldError[] {
  const out: FieldError[] = [];
  let size = 0;
  for (const [k, v] of entries(annotations)) {
    // annotation keys are label keys whose case does not matter
    for (const msg of isQualifiedName(k.toLowerCase())) out.push(fieldError.invalid(path, k, msg));
    size += byteLength(k) + byteLength(v);
  }
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT) out.push(fieldError.tooLong(path, TOTAL_ANNOTATION_SIZE_LIMIT));
  return out;
}

function validateOwnerReferences(refs: OwnerReference[] | null | undefined, path: FieldPath): FieldError[] {
  const out: FieldError[] = [];
  let controller = '';
  (refs ?? []).forEach((r, i) => {
    const p = path.index(i);
    const apiVersion = r.apiVersion ?? '';
    const parts = apiVersion === '/' ? ['', ''] : apiVersion.split('/');
    const [group, version] = parts.length === 1 ? ['', parts[0]!] : parts.length === 2 ? parts : ['', ''];
    if (apiVersion === '') out.push(fieldError.required(p.child('apiVersion'), 'must not be empty'));
    else if (parts.length > 2 || version === '')
      out.push(fieldError.invalid(p.child('apiVersion'), apiVersion, 'must be <group>/<version> or <version>'));
    for (const k of ['kind', 'name', 'uid'] as const)
      if (!r[k]) out.push(fieldError.required(p.child(k), 'must not be empty'));
    // core/v1 Events may not own anything (garbage collection never looks at them)
    if (group === '' && version === 'v1' && r.kind === 'Event')
      out.push(fieldError.invalid(p, r, '/v1, Kind=Event is disallowed from being an owner'));
    if (r.controller === true) {
      const current = `${r.kind ?? ''}/${r.name ?? ''}`;
      if (controller)
        out.push(
          fieldError.invalid(
            path,
            refs,
            `Only one reference can have Controller set to true. Found "true" in references for ${controller} and ${current}`,
          ),
        );
      else controller = current;
    }
  });
  return out;
}

function validateFinalizers(finalizers: string[] | null | undefined, path: FieldPath): FieldError[] {
  const out: FieldError[] = [];
  const list = finalizers ?? [];
  for (const f of list) for (const msg of isQualifiedName(f)) out.push(fieldError.invalid(path, f, msg));
  if (list.includes(FINALIZER_ORPHAN) && list.includes(FINALIZER_FOREGROUND))
    out.push(
      fieldError.invalid(path, list, `finalizer ${FINALIZER_ORPHAN} and ${FINALIZER_FOREGROUND} cannot be both set`),
    );
  return out;
}

/**
 * A field manager's name (apimachinery ValidateFieldManager): at most 128 bytes, printable
 * characters only. The same rules for the `fieldManager` query option of a write and for
 * `manager` in each managedFields entry.
 */
export function validateFieldManager(manager: string, path: FieldPath | string): FieldError[] {
  const out: FieldError[] = [];
  if (byteLength(manager) > FIELD_MANAGER_MAX_LENGTH) out.push(fieldError.tooLong(path, FIELD_MANAGER_MAX_LENGTH));
  let at = 0;
  for (const ch of manager) {
    if (!isGoPrint(ch)) {
      const code = ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
      out.push(fieldError.invalid(path, manager, `invalid character U+${code} (at position ${at})`));
    }
    at += byteLength(ch);
  }
  return out;
}

function validateManagedFields(list: unknown[] | null | undefined, path: FieldPath): FieldError[] {
  const out: FieldError[] = [];
  (list ?? []).forEach((raw, i) => {
    const e = (raw ?? {}) as { operation?: string; fieldsType?: string; manager?: string; subresource?: string };
    const p = path.index(i);
    if (!e.operation) out.push(fieldError.required(p.child('operation'), 'must not be empty'));
    else if (e.operation !== 'Apply' && e.operation !== 'Update')
      out.push(fieldError.notSupported(p.child('operation'), e.operation, ['Apply', 'Update']));
    if (e.fieldsType && e.fieldsType !== 'FieldsV1')
      out.push(fieldError.invalid(p.child('fieldsType'), e.fieldsType, 'must be `FieldsV1`'));
    out.push(...validateFieldManager(e.manager ?? '', p.child('manager')));
    if (byteLength(e.subresource ?? '') > SUBRESOURCE_NAME_MAX_LENGTH)
      out.push(fieldError.tooLong(p.child('subresource'), SUBRESOURCE_NAME_MAX_LENGTH));
  });
  return out;
}

const nonNegative = (v: number | null | undefined, path: FieldPath): FieldError[] =>
  typeof v === 'number' && v < 0 ? [fieldError.invalid(path, v, 'must be greater than or equal to 0')] : [];

/** Checked on create and on update alike. */
function commonErrors(meta: Meta, path: FieldPath): FieldError[] {
  return [
    ...validateLabels(meta.labels, path.child('labels')),
    ...validateAnnotations(meta.annotations, path.child('annotations')),
    ...validateOwnerReferences(meta.ownerReferences, path.child('ownerReferences')),
  ];
}

/**
 * A new object's metadata. Run after the server has generated a name from generateName (the
 * generated name is checked as a name; generateName as a prefix).
 */
export function validateObjectMeta(
  meta: Meta | null | undefined,
  rules: ObjectMetaRules,
  path: FieldPath = FieldPath.root('metadata'),
): FieldError[] {
  const m: Meta = meta ?? {};
  const out: FieldError[] = [];
  if (m.generateName)
    for (const msg of rules.name(m.generateName, true))
      out.push(fieldError.invalid(path.child('generateName'), m.generateName, msg));
  if (!m.name) out.push(fieldError.required(path.child('name'), 'name or generateName is required'));
  else for (const msg of rules.name(m.name, false)) out.push(fieldError.invalid(path.child('name'), m.name, msg));
  if (rules.namespaced) {
    if (!m.namespace) out.push(fieldError.required(path.child('namespace')));
    else
      for (const msg of nameIsDNSLabel(m.namespace, false))
        out.push(fieldError.invalid(path.child('namespace'), m.namespace, msg));
  } else if (m.namespace) out.push(fieldError.forbidden(path.child('namespace'), 'not allowed on this type'));
  out.push(...nonNegative(m.generation, path.child('generation')));
  out.push(...commonErrors(m, path));
  out.push(...validateFinalizers(m.finalizers, path.child('finalizers')));
  out.push(...validateManagedFields(m.managedFields, path.child('managedFields')));
  return out;
}

const FIELD_IMMUTABLE = 'field is immutable';

/**
 * An update's metadata against the stored object's: name, namespace, uid, creationTimestamp,
 * deletionTimestamp and deletionGracePeriodSeconds never change; generation never goes
 * down; no finalizer is added once deletion started; a resourceVersion is required (for a
 * resource that allows unconditional updates the handler fills it in from the stored object
 * first, as kube-apiserver does).
 */
export function validateObjectMetaUpdate(
  meta: Meta | null | undefined,
  oldMeta: Meta | null | undefined,
  path: FieldPath = FieldPath.root('metadata'),
): FieldError[] {
  const n: Meta = meta ?? {};
  const o: Meta = oldMeta ?? {};
  const out: FieldError[] = [];
  if (o.deletionTimestamp) {
    const added = [...new Set(n.finalizers ?? [])].filter((f) => !(o.finalizers ?? []).includes(f)).sort();
    if (added.length)
      out.push(
        fieldError.forbidden(
          path.child('finalizers'),
          `no new finalizers can be added if the object is being deleted, found new finalizers []string{${added.map((f) => JSON.stringify(f)).join(', ')}}`,
        ),
      );
  }
  if (!n.resourceVersion)
    out.push(
      fieldError.invalid(path.child('resourceVersion'), n.resourceVersion ?? '', 'must be specified for an update'),
    );
  out.push(...nonNegative(n.generation, path.child('generation')));
  if ((n.generation ?? 0) < (o.generation ?? 0))
    out.push(fieldError.invalid(path.child('generation'), n.generation ?? 0, 'must not be decremented'));
  const same = (a: unknown, b: unknown) => (a ?? '') === (b ?? '');
  for (const k of ['name', 'namespace', 'uid'] as const)
    if (!same(n[k], o[k])) out.push(fieldError.invalid(path.child(k), n[k] ?? '', FIELD_IMMUTABLE));
  for (const k of ['creationTimestamp', 'deletionTimestamp'] as const)
    if (timeValue(n[k]) !== timeValue(o[k])) out.push(fieldError.invalid(path.child(k), n[k] ?? null, FIELD_IMMUTABLE));
  if ((n.deletionGracePeriodSeconds ?? null) !== (o.deletionGracePeriodSeconds ?? null))
    out.push(
      fieldError.invalid(
        path.child('deletionGracePeriodSeconds'),
        n.deletionGracePeriodSeconds ?? null,
        FIELD_IMMUTABLE,
      ),
    );
  out.push(...commonErrors(n, path));
  out.push(...validateManagedFields(n.managedFields, path.child('managedFields')));
  return out;
}
