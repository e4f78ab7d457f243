/**
 * The fields a CSR list or watch can be filtered on with `fieldSelector`: metadata.name
 * (kubectl delete waits on `metadata.name=<name>`) and spec.signerName (a signer watches
 * only its own requests). CSRs are cluster-scoped, so metadata.namespace is not one of them.
 * A missing value reads as "", as in kube-apiserver.
 */
import type { FieldGetter } from '../../resource.js';
import { asCSR } from './types.js';

export const csrFields: Record<string, FieldGetter> = {
  'metadata.name': (obj) => obj.metadata?.name ?? '',
  'spec.signerName': (obj) => asCSR(obj).spec?.signerName ?? '',
};
