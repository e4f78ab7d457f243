/** Every resource `kubetls serve` serves, in discovery order (core first, as kube-apiserver lists it). */
import type { ResourceDefinition } from '../resource.js';
import { certificateSigningRequests } from './certificates/index.js';
import { configMaps } from './core/configmaps.js';
import { namespaces } from './core/namespaces.js';
import { nodes } from './core/nodes.js';
import { secrets } from './core/secrets.js';
import { coreEvents, eventsV1 } from './events/events.js';
import { leases } from './coordination/leases.js';
import { clusterRoleBindings, clusterRoles, roleBindings, roles } from './rbac/rbac.js';
import { customResourceDefinitions } from './apiextensions/crds.js';
import {
  selfSubjectAccessReviews,
  selfSubjectReviews,
  selfSubjectReviewsV1beta1,
  subjectAccessReviews,
  tokenReviews,
} from './reviews/reviews.js';

export function servedResources(extra: readonly ResourceDefinition[] = []): ResourceDefinition[] {
  return [
    configMaps,
    coreEvents,
    namespaces,
    nodes,
    secrets,
    certificateSigningRequests,
    leases,
    eventsV1,
    clusterRoleBindings,
    clusterRoles,
    roleBindings,
    roles,
    subjectAccessReviews,
    selfSubjectAccessReviews,
    selfSubjectReviews,
    tokenReviews,
    // after every v1 resource of the group: discovery lists versions in the order their first
    // resource comes, and the first is the preferred one (v1, as kube-apiserver prefers it)
    selfSubjectReviewsV1beta1,
    customResourceDefinitions,
    ...extra,
  ];
}
