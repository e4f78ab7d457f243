/**
 * The RBAC authorizer (kube-apiserver's `--authorization-mode=RBAC`), evaluated from the
 * stored Roles, ClusterRoles, RoleBindings and ClusterRoleBindings.
 *
 * Every request is authorized, so the objects are compiled into an index: each binding is
 * resolved to its role's compiled rules once, and filed under its subjects (users, groups,
 * service-account user names), cluster-wide or per namespace. A decision then looks at the
 * bindings of the requester's name and groups only, never at every binding. The index is
 * rebuilt after a change: the core calls invalidate() when any object of the four kinds is
 * written or a watch reports one, and the next request rebuilds (once, shared by concurrent
 * requests); RBAC objects change rarely, requests never stop.
 *
 * As upstream: ClusterRoleBindings apply everywhere, RoleBindings in their namespace only (a
 * RoleBinding to a ClusterRole grants that role's rules in the binding's namespace); a
 * binding whose role is missing grants nothing and its error becomes the denial's reason
 * (`RBAC: clusterrole.rbac.authorization.k8s.io "x" not found`); RBAC never denies, it only
 * allows or has no opinion. Aggregated ClusterRoles (aggregationRule) are not expanded: a
 * ClusterRole grants the rules stored in it (kube-controller-manager's aggregation controller
 * writes those upstream; kubetls seeds no aggregated role).
 */
import type { RequestAttributes, UserInfo } from '../object.js';
import type { Authorizer, Decision } from '../resource.js';
import { compileRule, ruleAllows, type CompiledRule } from './rules.js';
import type { BindingObject, RbacObjects, RoleObject, Subject } from './types.js';

const SA_PREFIX = 'system:serviceaccount:';

interface IndexedBinding {
  kind: 'ClusterRoleBinding' | 'RoleBinding';
  name: string;
  namespace: string;
  roleKind: string;
  roleName: string;
  subjects: readonly Subject[];
  /** the allow reason for each subject, worded on first use and kept */
  reasons: Array<string | undefined>;
  /** undefined when the role is missing (see error) */
  rules: readonly CompiledRule[] | undefined;
  error: string | undefined;
}

interface SubjectIndex {
  users: Map<string, IndexedBinding[]>;
  groups: Map<string, IndexedBinding[]>;
}

const newSubjectIndex = (): SubjectIndex => ({ users: new Map(), groups: new Map() });

function file(map: Map<string, IndexedBinding[]>, key: string, b: IndexedBinding): void {
  const list = map.get(key);
  if (!list) map.set(key, [b]);
  else if (list[list.length - 1] !== b) list.push(b); // one binding may name a subject twice
}

/** The user name a ServiceAccount subject stands for, or undefined when it names none. */
function serviceAccountUser(s: Subject, bindingNamespace: string): string | undefined {
  const ns = s.namespace || bindingNamespace;
  return ns && s.name ? `${SA_PREFIX}${ns}:${s.name}` : undefined;
}

/** Whether a binding subject is the user (kube-apiserver's appliesTo). */
function appliesTo(user: UserInfo, s: Subject, bindingNamespace: string): boolean {
  switch (s.kind) {
    case 'User':
      return s.name === user.username;
    case 'Group':
      return user.groups.includes(s.name);
    case 'ServiceAccount':
      return serviceAccountUser(s, bindingNamespace) === user.username;
    default:
      return false;
  }
}

function describeSubject(s: Subject, bindingNamespace: string): string {
  if (s.kind === 'ServiceAccount') return `${s.kind} ${JSON.stringify(`${s.name}/${s.namespace || bindingNamespace}`)}`;
  return `${s.kind} ${JSON.stringify(s.name)}`;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** The index of one snapshot of the RBAC objects; pure, so tests and the benchmark build it directly. */
export class RbacIndex {
  private readonly cluster = newSubjectIndex();
  private readonly namespaced = new Map<string, SubjectIndex>();
  readonly bindingCount: number;

  constructor(objs: RbacObjects) {
    const clusterRoles = new Map<string, CompiledRule[]>();
    for (const r of objs.clusterRoles as readonly RoleObject[])
      clusterRoles.set(str(r.metadata.name), compileRules(r.rules));
    const roles = new Map<string, CompiledRule[]>();
    for (const r of objs.roles as readonly RoleObject[])
      roles.set(`${str(r.metadata.namespace)}/${str(r.metadata.name)}`, compileRules(r.rules));

    const resolve = (b: BindingObject, namespace: string): Pick<IndexedBinding, 'rules' | 'error'> => {
      const ref = b.roleRef ?? { kind: '', name: '', apiGroup: '' };
      const name = str(ref.name);
      if (ref.kind === 'ClusterRole') {
        const rules = clusterRoles.get(name);
        return rules
          ? { rules, error: undefined }
          : { rules: undefined, error: `clusterrole.rbac.authorization.k8s.io ${JSON.stringify(name)} not found` };
      }
      if (ref.kind === 'Role') {
        const rules = namespace ? roles.get(`${namespace}/${name}`) : undefined;
        return rules
          ? { rules, error: undefined }
          : { rules: undefined, error: `role.rbac.authorization.k8s.io ${JSON.stringify(name)} not found` };
      }
      return { rules: undefined, error: `unsupported role reference kind: ${JSON.stringify(str(ref.kind))}` };
    };

    let count = 0;
    const add = (b: BindingObject, kind: IndexedBinding['kind'], namespace: string, into: SubjectIndex): void => {
      const subjects = Array.isArray(b.subjects) ? b.subjects.filter((s) => s && typeof s.name === 'string') : [];
      const name = str(b.metadata.name);
      const roleKind = str(b.roleRef?.kind);
      const roleName = str(b.roleRef?.name);
      const ib: IndexedBinding = {
        kind,
        name,
        namespace,
        roleKind,
        roleName,
        subjects,
        reasons: [],
        ...resolve(b, namespace),
      };
      count++;
      for (const s of subjects) {
        if (s.kind === 'User') file(into.users, s.name, ib);
        else if (s.kind === 'Group') file(into.groups, s.name, ib);
        else if (s.kind === 'ServiceAccount') {
          const u = serviceAccountUser(s, namespace);
          if (u) file(into.users, u, ib);
        }
      }
    };
    for (const b of objs.clusterRoleBindings as readonly BindingObject[])
      add(b, 'ClusterRoleBinding', '', this.cluster);
    for (const b of objs.roleBindings as readonly BindingObject[]) {
      const ns = str(b.metadata.namespace);
      if (!ns) continue; // a RoleBinding without a namespace cannot be stored; ignore one that was
      let into = this.namespaced.get(ns);
      if (!into) this.namespaced.set(ns, (into = newSubjectIndex()));
      add(b, 'RoleBinding', ns, into);
    }
    this.bindingCount = count;
  }

  /** The decision for one request: allowed with the binding that allowed it, or no opinion with errors. */
  decide(a: RequestAttributes): Decision {
    // no closures or per-call sets here: this runs for every request (see bench/authz.ts)
    const errors: string[] = [];
    const allowed =
      this.check(this.cluster, a, errors) ??
      (a.namespace ? this.check(this.namespaced.get(a.namespace), a, errors) : undefined);
    if (allowed) return { allowed: true, reason: allowed };
    if (!errors.length) return { allowed: false };
    // apimachinery's aggregate error: one message as is, several in brackets
    return { allowed: false, reason: `RBAC: ${errors.length === 1 ? errors[0]! : `[${errors.join(', ')}]`}` };
  }

  private check(idx: SubjectIndex | undefined, a: RequestAttributes, errors: string[]): string | undefined {
    if (!idx) return undefined;
    const byUser = visit(idx.users.get(a.user.username), a, errors);
    if (byUser) return byUser;
    for (const g of a.user.groups) {
      const byGroup = visit(idx.groups.get(g), a, errors);
      if (byGroup) return byGroup;
    }
    return undefined;
  }
}

/** The first binding of the list whose rules allow the request, described; missing roles noted in `errors`. */
function visit(list: IndexedBinding[] | undefined, a: RequestAttributes, errors: string[]): string | undefined {
  if (!list) return undefined;
  for (const b of list) {
    if (!b.rules) {
      if (b.error && !errors.includes(b.error)) errors.push(b.error);
      continue;
    }
    for (const r of b.rules) {
      if (!ruleAllows(a, r)) continue;
      // upstream names the first subject of the binding that applies to the user
      const i = b.subjects.findIndex((s) => appliesTo(a.user, s, b.namespace));
      if (i < 0) return `RBAC: allowed by ${b.kind} ${JSON.stringify(b.name)}`; // not reached: filed by subject
      return (b.reasons[i] ??= describeAllow(b.kind, b.name, b.namespace, b.roleKind, b.roleName, b.subjects[i]!));
    }
  }
  return undefined;
}

function compileRules(rules: unknown): CompiledRule[] {
  return Array.isArray(rules)
    ? rules.filter((r) => r && typeof r === 'object').map((r) => compileRule(r as never))
    : [];
}

/** `RBAC: allowed by ClusterRoleBinding "x" of ClusterRole "y" to Group "z"`, as upstream words it. */
function describeAllow(
  kind: IndexedBinding['kind'],
  name: string,
  namespace: string,
  roleKind: string,
  roleName: string,
  subject: Subject,
): string {
  const binding = kind === 'RoleBinding' ? `${name}/${namespace}` : name;
  return (
    `RBAC: allowed by ${kind} ${JSON.stringify(binding)} of ${roleKind} ${JSON.stringify(roleName)}` +
    ` to ${describeSubject(subject, namespace)}`
  );
}

/** Lists the current RBAC objects; the core backs it with the store. */
export type RbacSource = () => Promise<RbacObjects>;

export class RbacAuthorizer implements Authorizer {
  private generation = 0;
  private built: { generation: number; index: RbacIndex } | undefined;
  private building: { generation: number; promise: Promise<RbacIndex> } | undefined;

  constructor(private readonly source: RbacSource) {}

  /** Marks the index stale: call on every write or watch event of the four RBAC kinds. */
  invalidate(): void {
    this.generation++;
  }

  /** The index for the current generation, built on first use after a change. */
  index(): Promise<RbacIndex> {
    const generation = this.generation;
    if (this.built?.generation === generation) return Promise.resolve(this.built.index);
    let entry = this.building;
    if (entry?.generation !== generation) {
      const promise = this.source().then((objs) => {
        const index = new RbacIndex(objs);
        if (!this.built || this.built.generation <= generation) this.built = { generation, index };
        return index;
      });
      const current = { generation, promise };
      this.building = entry = current;
      // a failed load is not cached: the next request tries again
      const done = (): void => {
        if (this.building === current) this.building = undefined;
      };
      promise.then(done, done);
    }
    return entry.promise;
  }

  authorize(a: RequestAttributes): Promise<Decision> {
    const built = this.built;
    // the common case: the index is current, decide without waiting on anything
    if (built?.generation === this.generation) return Promise.resolve(built.index.decide(a));
    return this.index().then((index) => index.decide(a));
  }
}
