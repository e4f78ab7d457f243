/**
 * apiextensions.k8s.io/v1 CustomResourceDefinitions, read-only and always empty: kubetls
 * serve defines no custom resources. It is served because kubectl ≥ 1.27 asks for it: with
 * client-side field validation (the default `--validate=strict`), a kind whose OpenAPI has no
 * PATCH operation (the review kinds) or that the server does not serve at all makes kubectl
 * list CRDs to learn whether the kind is a custom one, and a 404 there fails the whole
 * `kubectl create/apply -f` ("failed to check CRD"). An empty list answers "no".
 *
 * get, list and watch go through the generic handlers over a store prefix nothing ever writes
 * to (list: an empty CustomResourceDefinitionList at the current resourceVersion; get: 404
 * NotFound; watch: an open stream with bookmarks only). Every write is 405 MethodNotSupported,
 * the answer kube-apiserver gives for a verb a resource does not serve, since only get, list
 * and watch are advertised. RBAC needs no rule of its own: as upstream, only cluster-admin
 * (and the controller manager's list/watch on everything) reaches it.
 */
import type { ResourceDefinition } from '../../resource.js';
import { createdAtTableConvertor } from '../../machinery/table.js';
import { noStrategy } from '../basic.js';

export const customResourceDefinitions: ResourceDefinition = {
  names: {
    group: 'apiextensions.k8s.io',
    version: 'v1',
    resource: 'customresourcedefinitions',
    singular: 'customresourcedefinition',
    kind: 'CustomResourceDefinition',
    listKind: 'CustomResourceDefinitionList',
    shortNames: ['crd', 'crds'],
    categories: ['api-extensions'],
    namespaced: false,
    verbs: ['get', 'list', 'watch'],
  },
  strategy: noStrategy,
  table: createdAtTableConvertor,
};
