/**
 * certificates.k8s.io/v1 CertificateSigningRequests, as the generic API handler serves them:
 * names (shortName `csr`, which kubectl needs), the strategy for create, update, /approval
 * and /status, kubectl's Table columns, field selectors and kube-apiserver's three admission
 * checks (the schema is machinery/schemas/certificates.ts, found by `schemaFor(names)`).
 */
import type { ResourceDefinition } from '../../resource.js';
import { CSR_ADMISSION } from './admission.js';
import { csrFields } from './fields.js';
import { csrStrategy } from './strategy.js';
import { csrTable } from './table.js';
import { GROUP, KIND, RESOURCE, VERSION } from './types.js';

export const certificateSigningRequests: ResourceDefinition = {
  names: {
    group: GROUP,
    version: VERSION,
    resource: RESOURCE,
    singular: 'certificatesigningrequest',
    kind: KIND,
    listKind: `${KIND}List`,
    shortNames: ['csr'],
    namespaced: false,
    verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
    subresources: ['approval', 'status'],
  },
  strategy: csrStrategy,
  table: csrTable,
  fields: csrFields,
  admission: CSR_ADMISSION,
};

export * from './types.js';
export { csrStrategy } from './strategy.js';
export { csrTable, csrCondition } from './table.js';
export { csrFields } from './fields.js';
export { certificateApproval, certificateSigning, certificateSubjectRestriction, CSR_ADMISSION } from './admission.js';
export { isAuthorizedForSignerName } from './signerauthorization.js';
export { validateSignerName, signerDomain, isKubernetesSignerName } from './signername.js';
export { readRequest } from './request.js';
export { validateCreate, validateUpdate, validationOptions } from './validation.js';
