/**
 * What `kubectl explain` prints about each type and field, in kubetls's own short words
 * (upstream's descriptions are not copied; field names, types and which fields are required
 * are facts of the API), and the `required` list of each definition (upstream's, from the
 * fields without `+optional` in k8s.io/api). Keyed by definition name; `''` is the type
 * itself. A field with no entry here is explained by its name and type alone.
 * ./definitions.ts refuses a required field the schema does not have, so the two cannot drift.
 */
const M = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const CSR = 'io.k8s.api.certificates.v1';
const CORE = 'io.k8s.api.core.v1';
const RBAC = 'io.k8s.api.rbac.v1';
const COORD = 'io.k8s.api.coordination.v1';
const EVENTS = 'io.k8s.api.events.v1';
const AUTHZ = 'io.k8s.api.authorization.v1';
const AUTHN = 'io.k8s.api.authentication.v1';
const AUTHN_V1BETA1 = 'io.k8s.api.authentication.v1beta1';
const WHOAMI = 'Returns who the caller is authenticated as (kubectl auth whoami).';
const APIEXT = 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1';

/** Every top-level type and list has these two (TypeMeta). */
const TYPE_META: Record<string, string> = {
  apiVersion: 'The group and version of the schema this object follows (for example certificates.k8s.io/v1).',
  kind: 'The type of this object, in CamelCase (for example CertificateSigningRequest).',
  metadata: "The object's name, namespace, labels, annotations and the fields the server maintains.",
};

const DESCRIPTIONS: Record<string, Record<string, string>> = {
  [`${CSR}.CertificateSigningRequest`]: {
    '':
      'A request for an X.509 certificate: a PKCS#10 request, the signer asked to sign it and the usages wanted. ' +
      'Approvers add an Approved or Denied condition through the approval subresource; the signer puts the ' +
      'issued certificate in status.certificate through the status subresource.',
    spec: 'What is requested: the PKCS#10 request, the signer, the usages and the validity wished for. Cannot change once created.',
    status: 'The approval decision (conditions) and, once signed, the issued certificate.',
  },
  [`${CSR}.CertificateSigningRequestList`]: { '': 'A page of CertificateSigningRequests.', items: 'The requests.' },
  [`${CSR}.CertificateSigningRequestSpec`]: {
    '': 'The certificate request itself and what the requester wants signed. Fixed at creation.',
    request:
      'The PEM-encoded PKCS#10 certificate request ("CERTIFICATE REQUEST" block), base64-encoded in JSON. ' +
      'Its signature must verify.',
    signerName:
      'The signer asked to sign the request, as a qualified name: kubernetes.io/kube-apiserver-client, ' +
      'kubernetes.io/kube-apiserver-client-kubelet, kubernetes.io/kubelet-serving, or a domain-prefixed name ' +
      'of your own such as example.com/serving.',
    expirationSeconds:
      'The validity wished for the certificate, in seconds (at least 600). A signer may issue a shorter one.',
    usages:
      'The key usages and extended key usages requested: "digital signature", "key encipherment", ' +
      '"client auth", "server auth" and the other names of the KeyUsage type. Each signer accepts its own set.',
    username: 'The user who created the request, set by the server from the credentials of the create call.',
    uid: 'The UID of the user who created the request, set by the server.',
    groups: 'The groups of the user who created the request, set by the server.',
    extra: 'Extra attributes of the user who created the request, set by the server.',
  },
  [`${CSR}.CertificateSigningRequestStatus`]: {
    '': 'The decision about the request and its outcome.',
    conditions:
      'Approved or Denied (set through the approval subresource), and Failed (set by the signer). ' +
      'A request may not be both approved and denied.',
    certificate:
      'The issued certificate chain, PEM-encoded ("CERTIFICATE" blocks), set once by the signer through the ' +
      'status subresource after approval.',
  },
  [`${CSR}.CertificateSigningRequestCondition`]: {
    '': 'One state of a request: Approved, Denied or Failed.',
    type: 'Approved, Denied or Failed.',
    status: 'True, False or Unknown. Approved and Denied must be True.',
    reason: 'A short machine-readable cause, in CamelCase (kubectl sets KubectlApprove or KubectlDeny).',
    message: 'A human-readable explanation.',
    lastUpdateTime: 'When this condition was last written.',
    lastTransitionTime: 'When the status of this condition last changed.',
  },

  [`${CORE}.Secret`]: {
    '': 'Sensitive data (keys, tokens, passwords) in a namespace, as base64-encoded values.',
    data: 'The secret values, by key; each value is base64-encoded in JSON.',
    stringData:
      'Write-only convenience: plain-text values that the server encodes and merges into data on create ' +
      'and update (a key here wins over the same key in data). Never returned on read.',
    type: 'How the data is to be used, for example Opaque, kubernetes.io/tls or bootstrap.kubernetes.io/token.',
    immutable: 'When true, data and stringData can no longer be changed (only metadata can).',
  },
  [`${CORE}.ConfigMap`]: {
    '': 'Non-secret configuration in a namespace, as string values (data) or bytes (binaryData).',
    data: 'Configuration values by key, as UTF-8 strings.',
    binaryData: 'Configuration values by key, as bytes (base64-encoded in JSON). Keys may not repeat keys of data.',
    immutable: 'When true, data and binaryData can no longer be changed.',
  },
  [`${CORE}.Namespace`]: { '': 'A scope for names: namespaced objects live in exactly one namespace.' },
  [`${CORE}.Node`]: {
    '': 'A machine of the cluster, as its kubelet registers it.',
    spec: 'How the node is configured.',
    status: 'What was last observed about the node; the kubelet-serving approver trusts its addresses.',
  },
  [`${CORE}.NodeStatus`]: {
    addresses:
      'The addresses of the node (Hostname, InternalIP, ExternalIP…), merged by type. The kubelet-serving ' +
      'approver accepts only these names and addresses in a kubelet serving certificate.',
    conditions: 'The observed conditions of the node (Ready, MemoryPressure…), merged by type.',
  },
  [`${CORE}.NodeAddress`]: {
    '': 'One address of a node.',
    type: 'Hostname, InternalIP, ExternalIP, InternalDNS or ExternalDNS.',
    address: 'The address itself.',
  },
  [`${CORE}.Event`]: {
    '': 'A report that something happened to an object (core/v1 form).',
    involvedObject: 'The object this event is about.',
    reason: 'A short machine-readable cause, in CamelCase.',
    message: 'A human-readable description.',
    type: 'Normal or Warning.',
    count: 'How many times this event happened.',
  },
  [`${EVENTS}.Event`]: {
    '': 'A report that something happened to an object (events.k8s.io/v1 form).',
    regarding: 'The object this event is about.',
    note: 'A human-readable description.',
    reason: 'A short machine-readable cause, in CamelCase.',
    type: 'Normal or Warning.',
    eventTime: 'When the event was first observed.',
  },
  [`${COORD}.Lease`]: {
    '': 'A lease: who holds a named lock and until when (used for leader election).',
    spec: 'The holder and the timing of the lease.',
  },
  [`${COORD}.LeaseSpec`]: {
    '': 'Who holds the lease and when it was taken and renewed.',
    holderIdentity: 'The identity of the current holder.',
    leaseDurationSeconds: 'How long others must wait after the last renewal before taking the lease.',
    acquireTime: 'When the current holder took the lease.',
    renewTime: 'When the current holder last renewed the lease.',
    leaseTransitions: 'How many times the lease changed holder.',
    strategy: 'How the next holder is chosen, when coordinated leader election is on.',
    preferredHolder: 'The holder the strategy prefers next.',
  },
  [`${RBAC}.Role`]: { '': 'A set of permissions in one namespace.', rules: 'The permissions.' },
  [`${RBAC}.ClusterRole`]: {
    '': 'A set of permissions, cluster-wide or to bind in namespaces.',
    rules: 'The permissions.',
    aggregationRule: 'When set, the rules are those of the ClusterRoles its selectors match.',
  },
  [`${RBAC}.RoleBinding`]: {
    '': 'Grants a Role or ClusterRole to subjects in one namespace.',
    roleRef: 'The role granted. Cannot change once created.',
    subjects: 'The users, groups and service accounts it is granted to.',
  },
  [`${RBAC}.ClusterRoleBinding`]: {
    '': 'Grants a ClusterRole to subjects in every namespace and at the cluster scope.',
    roleRef: 'The role granted. Cannot change once created.',
    subjects: 'The users, groups and service accounts it is granted to.',
  },
  [`${RBAC}.PolicyRule`]: {
    '': 'Verbs allowed on resources or on non-resource URLs.',
    verbs: 'The verbs allowed (get, list, create, approve, sign…), or "*".',
    apiGroups: 'The API groups of the resources ("" is the core group).',
    resources: 'The resources, as plural names with an optional "/subresource", or "*".',
    resourceNames: 'When set, only objects with these names.',
    nonResourceURLs: 'URL paths (a trailing "*" matches a prefix); only in ClusterRoles.',
  },
  [`${AUTHZ}.SubjectAccessReview`]: { '': 'Asks whether a given user may perform an action.' },
  [`${AUTHZ}.SelfSubjectAccessReview`]: { '': 'Asks whether the caller may perform an action (kubectl auth can-i).' },
  [`${AUTHN}.SelfSubjectReview`]: { '': WHOAMI },
  [`${AUTHN_V1BETA1}.SelfSubjectReview`]: {
    '': `${WHOAMI} Deprecated since 1.30 (kubectl 1.27 asks this version): use authentication.k8s.io/v1.`,
  },
  [`${AUTHN}.TokenReview`]: {
    '': 'Asks who a bearer token authenticates as (delegated authentication, e.g. a /metrics endpoint). Not stored.',
  },
  [`${AUTHN}.TokenReviewSpec`]: {
    token: 'The bearer token to authenticate.',
    audiences: "The audiences the token must be valid for; empty means the server's own.",
  },
  [`${AUTHN}.TokenReviewStatus`]: {
    authenticated: 'True when the token authenticates someone.',
    user: 'Who the token authenticates as.',
    audiences: 'The requested audiences the token is valid for.',
    error: 'Why the token could not be authenticated.',
  },

  [`${M}.ObjectMeta`]: {
    '': 'The metadata every stored object has.',
    name: 'The name, unique among objects of this type (in its namespace, for namespaced types).',
    generateName: 'A prefix from which the server generates a unique name when name is empty.',
    namespace: 'The namespace of a namespaced object; empty for cluster-scoped ones.',
    labels: 'Key/value pairs for selecting and grouping objects.',
    annotations: 'Key/value pairs for tools; kubectl apply keeps the last applied configuration here.',
    resourceVersion: 'An opaque version set by the server on every write; updates with a stale one conflict.',
    uid: 'A unique identifier set by the server on creation.',
    creationTimestamp: 'When the server created the object.',
  },
  [`${M}.ListMeta`]: {
    '': 'The metadata of a list.',
    resourceVersion: 'The version of the store the list was read at (a watch can start from it).',
    continue: 'The token that fetches the next page, when the list was limited.',
    remainingItemCount: 'How many items are left after this page, when known.',
  },
  [`${M}.Time`]: { '': 'A time in RFC 3339 form, to the second.' },
  [`${M}.MicroTime`]: { '': 'A time in RFC 3339 form, to the microsecond.' },
  ['io.k8s.apimachinery.pkg.api.resource.Quantity']: { '': 'An amount with an optional suffix, such as 100Mi or 2.' },
  [`${APIEXT}.CustomResourceDefinition`]: {
    '':
      'A custom resource type added to the API. kubetls serve defines none and accepts none: the list is ' +
      'always empty, and kubectl reads it to learn that a kind is not a custom resource.',
    spec: 'The group, names, scope and versions of the custom resource.',
    status: 'The names accepted and the versions ever stored.',
  },
  [`${APIEXT}.CustomResourceDefinitionList`]: { '': 'A page of CustomResourceDefinitions.', items: 'The definitions.' },
};

/** upstream's required fields (struct fields without `+optional`) */
const REQUIRED: Record<string, string[]> = {
  [`${CSR}.CertificateSigningRequest`]: ['spec'],
  [`${CSR}.CertificateSigningRequestSpec`]: ['request', 'signerName'],
  [`${CSR}.CertificateSigningRequestCondition`]: ['type', 'status'],
  [`${CORE}.NamespaceCondition`]: ['type', 'status'],
  [`${CORE}.NodeAddress`]: ['type', 'address'],
  [`${CORE}.NodeCondition`]: ['type', 'status'],
  [`${CORE}.Taint`]: ['key', 'effect'],
  [`${CORE}.DaemonEndpoint`]: ['Port'],
  [`${CORE}.AttachedVolume`]: ['name', 'devicePath'],
  [`${CORE}.ConfigMapNodeConfigSource`]: ['namespace', 'name', 'kubeletConfigKey'],
  [`${CORE}.NodeSystemInfo`]: [
    'machineID',
    'systemUUID',
    'bootID',
    'kernelVersion',
    'osImage',
    'containerRuntimeVersion',
    'kubeletVersion',
    'kubeProxyVersion',
    'operatingSystem',
    'architecture',
  ],
  [`${CORE}.Event`]: ['metadata', 'involvedObject'],
  [`${EVENTS}.Event`]: ['eventTime'],
  [`${EVENTS}.EventSeries`]: ['count', 'lastObservedTime'],
  [`${RBAC}.PolicyRule`]: ['verbs'],
  [`${RBAC}.Subject`]: ['kind', 'name'],
  [`${RBAC}.RoleRef`]: ['apiGroup', 'kind', 'name'],
  [`${RBAC}.RoleBinding`]: ['roleRef'],
  [`${RBAC}.ClusterRoleBinding`]: ['roleRef'],
  [`${AUTHZ}.SubjectAccessReview`]: ['spec'],
  [`${AUTHZ}.SelfSubjectAccessReview`]: ['spec'],
  [`${AUTHZ}.SubjectAccessReviewStatus`]: ['allowed'],
  [`${AUTHN}.TokenReview`]: ['spec'],
  [`${APIEXT}.CustomResourceDefinition`]: ['spec'],
  [`${APIEXT}.CustomResourceDefinitionSpec`]: ['group', 'names', 'scope', 'versions'],
  [`${APIEXT}.CustomResourceDefinitionNames`]: ['plural', 'kind'],
  [`${APIEXT}.CustomResourceDefinitionVersion`]: ['name', 'served', 'storage'],
  [`${APIEXT}.CustomResourceColumnDefinition`]: ['name', 'type', 'jsonPath'],
  [`${APIEXT}.CustomResourceSubresourceScale`]: ['specReplicasPath', 'statusReplicasPath'],
  [`${APIEXT}.SelectableField`]: ['jsonPath'],
  [`${APIEXT}.CustomResourceConversion`]: ['strategy'],
  [`${APIEXT}.WebhookConversion`]: ['conversionReviewVersions'],
  [`${APIEXT}.ServiceReference`]: ['namespace', 'name'],
  [`${APIEXT}.CustomResourceDefinitionCondition`]: ['type', 'status'],
  [`${M}.OwnerReference`]: ['apiVersion', 'kind', 'name', 'uid'],
  [`${M}.LabelSelectorRequirement`]: ['key', 'operator'],
  [`${M}.FieldSelectorRequirement`]: ['key', 'operator'],
};

/**
 * The description of definition `def` (field `''`: the type itself), or undefined;
 * `topLevel`: a kind or a list, whose apiVersion, kind and metadata read the same everywhere.
 */
export function describe(def: string, field: string, topLevel = false): string | undefined {
  const own = Object.hasOwn(DESCRIPTIONS, def) ? DESCRIPTIONS[def] : undefined;
  if (own && Object.hasOwn(own, field)) return own[field];
  if (topLevel && Object.hasOwn(TYPE_META, field)) return TYPE_META[field];
  return undefined;
}

export const requiredOf = (def: string): string[] => (Object.hasOwn(REQUIRED, def) ? [...REQUIRED[def]!] : []);

/** Every description key, for the test that each names an existing definition and field. */
export const describedFields = (): Array<[string, string]> =>
  Object.entries(DESCRIPTIONS).flatMap(([d, fs]) => Object.keys(fs).map((f): [string, string] => [d, f]));
