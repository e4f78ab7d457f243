/**
 * What exists from the first start, as kube-apiserver and kubeadm create it: the namespaces
 * default, kube-system, kube-public and kube-node-lease; the default RBAC policy (roles and
 * bindings that make admin.conf, discovery, node bootstrap and the CSR controllers work); and
 * kube-public/cluster-info, the ConfigMap a joining node reads anonymously to learn the
 * server and its CA. Missing objects are created on every start; existing ones are left as
 * they are (an administrator's change survives a restart).
 */
import { isKubetlsError } from '../errors/index.js';
import { objectKey } from '../store/keys.js';
import type { Store } from '../store/store.js';
import type { KubeObject } from './object.js';
import { INITIAL_NAMESPACES } from './resources/core/namespaces.js';
import { formatTime } from './time.js';
import type { ResourceRegistry } from './registry.js';
import { groupVersion } from './handlers/common.js';

export interface SeedOptions {
  /** the default RBAC objects (ClusterRoles, ClusterRoleBindings, Roles, RoleBindings) */
  policy: KubeObject[];
  /** cluster-info's kubeconfig: the server URL and the CA bundle (PEM) */
  clusterInfo?: { server: string; caPem: string };
  /**
   * objects kubetls owns and rewrites on every start (the embedded controllers' declared
   * RBAC, authz/declared.ts): created when missing, their content replaced when it differs
   */
  reconciled?: KubeObject[];
  now: Date;
  uid: () => string;
}

/** The cluster-info kubeconfig kubeadm publishes: one cluster named "", no users, no contexts. */
export function clusterInfoKubeconfig(server: string, caPem: string): string {
  return [
    'apiVersion: v1',
    'clusters:',
    '- cluster:',
    `    certificate-authority-data: ${Buffer.from(caPem).toString('base64')}`,
    `    server: ${server}`,
    '  name: ""',
    'contexts: null',
    'current-context: ""',
    'kind: Config',
    'preferences: {}',
    'users: null',
    '',
  ].join('\n');
}

function keyFor(registry: ResourceRegistry, o: KubeObject): string {
  const def = registry.all.find((d) => d.names.kind === o.kind && groupVersion(d) === o.apiVersion && !d.storage);
  if (!def) throw new Error(`seed: no resource serves ${o.apiVersion}/${o.kind}`);
  return objectKey(def.names.group, def.names.resource, o.metadata.namespace, o.metadata.name!);
}

/** Creates what is missing; returns how many objects were created. */
export async function seed(store: Store, registry: ResourceRegistry, o: SeedOptions): Promise<number> {
  const stamp = formatTime(o.now);
  const objects: KubeObject[] = [
    ...INITIAL_NAMESPACES.map((name): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name, labels: { 'kubernetes.io/metadata.name': name } },
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active' },
    })),
    ...o.policy,
  ];
  if (o.clusterInfo)
    objects.push({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'cluster-info', namespace: 'kube-public' },
      data: { kubeconfig: clusterInfoKubeconfig(o.clusterInfo.server, o.clusterInfo.caPem) },
    });
  let created = 0;
  for (const obj of objects) {
    const key = keyFor(registry, obj);
    if (await store.get(key)) continue;
    const full: KubeObject = {
      ...obj,
      metadata: { ...obj.metadata, uid: o.uid(), creationTimestamp: stamp },
    };
    try {
      await store.create(key, full);
      created++;
    } catch (e) {
      if (!(isKubetlsError(e) && e.code === 'AlreadyExists')) throw e;
    }
  }
  for (const obj of o.reconciled ?? []) {
    const key = keyFor(registry, obj);
    if (await store.get(key))
      await store.update(key, (cur) => ({
        ...obj,
        metadata: { ...cur.metadata, labels: { ...cur.metadata.labels, ...obj.metadata.labels } },
      }));
    else {
      await store.create(key, { ...obj, metadata: { ...obj.metadata, uid: o.uid(), creationTimestamp: stamp } });
      created++;
    }
  }
  return created;
}
