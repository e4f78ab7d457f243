/**
 * Unknown-field warnings for the config sections kubetls reads. kubeadm decodes its config
 * strictly and warns about fields it does not know; a silently ignored typo (`certSans` for
 * `certSANs`) would otherwise surface much later as a certificate without the SAN. Only the
 * sections kubetls reads are checked, against kubeadm's v1beta3 and v1beta4 field names, so
 * valid kubeadm files pass without noise.
 */
const K = (...names: string[]): ReadonlySet<string> => new Set(names);

/** Known field names by section path ("" = the document). */
export const CLUSTER_CONFIGURATION_FIELDS: Record<string, ReadonlySet<string>> = {
  '': K(
    'apiVersion',
    'kind',
    'etcd',
    'networking',
    'kubernetesVersion',
    'controlPlaneEndpoint',
    'apiServer',
    'controllerManager',
    'scheduler',
    'dns',
    'proxy',
    'certificatesDir',
    'imageRepository',
    'featureGates',
    'clusterName',
    'encryptionAlgorithm',
    'certificateValidityPeriod',
    'caCertificateValidityPeriod',
  ),
  networking: K('serviceSubnet', 'podSubnet', 'dnsDomain'),
  apiServer: K('extraArgs', 'extraVolumes', 'extraEnvs', 'certSANs', 'timeoutForControlPlane'),
  etcd: K('local', 'external'),
  'etcd.local': K('imageRepository', 'imageTag', 'dataDir', 'extraArgs', 'extraEnvs', 'serverCertSANs', 'peerCertSANs'),
};

export const INIT_CONFIGURATION_FIELDS: Record<string, ReadonlySet<string>> = {
  '': K(
    'apiVersion',
    'kind',
    'bootstrapTokens',
    'dryRun',
    'nodeRegistration',
    'localAPIEndpoint',
    'certificateKey',
    'skipPhases',
    'patches',
    'timeouts',
  ),
  localAPIEndpoint: K('advertiseAddress', 'bindPort'),
  nodeRegistration: K(
    'name',
    'criSocket',
    'taints',
    'kubeletExtraArgs',
    'ignorePreflightErrors',
    'imagePullPolicy',
    'imagePullSerial',
  ),
};

export const CLUSTER_NODES_FIELDS: Record<string, ReadonlySet<string>> = {
  '': K('apiVersion', 'kind', 'nodes'),
  'nodes[]': K('name', 'role', 'address', 'certSANs'),
};

type Doc = Record<string, unknown>;
const isDoc = (v: unknown): v is Doc => typeof v === 'object' && v !== null && !Array.isArray(v);

/** One warning per unknown field of `doc`'s checked sections, naming a known field that differs only in case. */
export function unknownFields(doc: Doc, kind: string, known: Record<string, ReadonlySet<string>>): string[] {
  const out: string[] = [];
  const check = (section: unknown, names: ReadonlySet<string>, shown: string): void => {
    if (!isDoc(section)) return; // wrong types are reported by the reader of that section
    for (const key of Object.keys(section)) {
      if (names.has(key)) continue;
      const near = [...names].find((n) => n.toLowerCase() === key.toLowerCase());
      out.push(
        `${kind}: unknown field "${shown ? `${shown}.` : ''}${key}"${near ? ` (did you mean "${near}"?)` : ''}; ignored`,
      );
    }
  };
  for (const [path, names] of Object.entries(known)) {
    if (path.endsWith('[]')) {
      const list = doc[path.slice(0, -2)];
      if (Array.isArray(list)) list.forEach((item, i) => check(item, names, `${path.slice(0, -2)}[${i}]`));
      continue;
    }
    const section = path === '' ? doc : path.split('.').reduce<unknown>((v, k) => (isDoc(v) ? v[k] : undefined), doc);
    check(section, names, path);
  }
  return out;
}
