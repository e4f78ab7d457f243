/**
 * apiextensions.k8s.io/v1 CustomResourceDefinition (k8s.io/apiextensions-apiserver
 * `pkg/apis/apiextensions/v1/types.go`). kubetls serves no custom resources, so the resource
 * is always empty (src/api/resources/apiextensions/crds.ts); the schema is here for
 * `kubectl explain crd` and for the OpenAPI documents, which need one for every served kind.
 * A version's openAPIV3Schema (JSONSchemaProps, a recursive type) and a conversion webhook's
 * client config are described as free-form objects: nothing here ever decodes one. No
 * protobuf numbers: every write is refused before a body is read.
 */
import { bool, bytes, int32, listOf, obj, str, time, any } from '../schema.js';
import { topLevel } from './meta.js';

const names = obj('v1.CustomResourceDefinitionNames', {
  plural: str,
  singular: str,
  shortNames: listOf(str),
  kind: str,
  listKind: str,
  categories: listOf(str),
});

const version = obj('v1.CustomResourceDefinitionVersion', {
  name: str,
  served: bool,
  storage: bool,
  deprecated: bool,
  deprecationWarning: str,
  schema: obj('v1.CustomResourceValidation', { openAPIV3Schema: any }),
  subresources: obj('v1.CustomResourceSubresources', {
    status: any,
    scale: obj('v1.CustomResourceSubresourceScale', {
      specReplicasPath: str,
      statusReplicasPath: str,
      labelSelectorPath: str,
    }),
  }),
  additionalPrinterColumns: listOf(
    obj('v1.CustomResourceColumnDefinition', {
      name: str,
      type: str,
      format: str,
      description: str,
      priority: int32,
      jsonPath: str,
    }),
  ),
  selectableFields: listOf(obj('v1.SelectableField', { jsonPath: str })),
});

const conversion = obj('v1.CustomResourceConversion', {
  strategy: str,
  webhook: obj('v1.WebhookConversion', {
    clientConfig: obj('v1.WebhookClientConfig', {
      url: str,
      service: obj('v1.ServiceReference', { namespace: str, name: str, path: str, port: int32 }),
      caBundle: bytes,
    }),
    conversionReviewVersions: listOf(str),
  }),
});

export const customResourceDefinition = topLevel('v1.CustomResourceDefinition', {
  spec: obj('v1.CustomResourceDefinitionSpec', {
    group: str,
    names,
    scope: str,
    versions: listOf(version),
    conversion,
    preserveUnknownFields: bool,
  }),
  status: obj('v1.CustomResourceDefinitionStatus', {
    conditions: listOf(
      obj('v1.CustomResourceDefinitionCondition', {
        type: str,
        status: str,
        lastTransitionTime: time,
        reason: str,
        message: str,
      }),
    ),
    acceptedNames: names,
    storedVersions: listOf(str),
  }),
});
