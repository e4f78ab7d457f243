/**
 * kube-controller-manager's built-in signers: which CertificateSigningRequests each accepts
 * (docs/upstream/csr-api.md Part B §1, "Signers, their controllers and their checks"; the
 * checks in upstream's order and with its messages, which clients and docs quote), and the
 * flags that give each its CA. The certificate itself is kube-controller-manager's template
 * (src/signer/kcm.ts).
 *
 * `kubernetes.io/legacy-unknown` is never signed, a deliberate difference: upstream signs it
 * only for CSRs created through certificates.k8s.io/v1beta1, which kubetls does not serve
 * (v1 refuses that signerName on create), so a legacy-unknown CSR here can only come from
 * another API server and is left alone.
 */
import { KubetlsError } from '../../errors/index.js';
import { SIGNERS } from '../../api/resources/certificates/types.js';
import type { ParsedCsr } from '../../pki/index.js';

export const BUILTIN_SIGNER_NAMES = [
  SIGNERS.kubeAPIServerClient,
  SIGNERS.kubeAPIServerClientKubelet,
  SIGNERS.kubeletServing,
] as const;
export type BuiltinSignerName = (typeof BUILTIN_SIGNER_NAMES)[number];

export const isBuiltinSignerName = (s: string): s is BuiltinSignerName =>
  (BUILTIN_SIGNER_NAMES as readonly string[]).includes(s);

/** The per-signer flag infix, as kube-controller-manager names them (`--cluster-signing-<infix>-cert-file`). */
export const BUILTIN_FLAG_NAMES: Record<BuiltinSignerName, string> = {
  [SIGNERS.kubeAPIServerClient]: 'kube-apiserver-client',
  [SIGNERS.kubeAPIServerClientKubelet]: 'kubelet-client',
  [SIGNERS.kubeletServing]: 'kubelet-serving',
};

const NODES_ORG = 'system:nodes';
const NODE_PREFIX = 'system:node:';

/** Set equality of usages (the API refuses duplicates, so sizes compare sets). */
function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const s = new Set(a);
  return s.size === b.length && b.every((x) => s.has(x));
}

/** Upstream prints the allowed set as a Go %v of the sorted list. */
const usagesDidNotMatch = (allowed: readonly string[]): string =>
  `usages did not match [${[...allowed].sort().join(' ')}]`;

function orgIsNodes(csr: ParsedCsr): boolean {
  const o = csr.subject.organization ?? [];
  return o.length === 1 && o[0] === NODES_ORG;
}

function kubeletClientProblem(csr: ParsedCsr, usages: readonly string[]): string | undefined {
  if (!orgIsNodes(csr)) return 'subject organization is not system:nodes';
  if (csr.dnsNames.length) return 'DNS subjectAltNames are not allowed';
  if (csr.emailAddresses.length) return 'Email subjectAltNames are not allowed';
  if (csr.ipAddresses.length) return 'IP subjectAltNames are not allowed';
  if (csr.uris.length) return 'URI subjectAltNames are not allowed';
  if (!(csr.subject.commonName ?? '').startsWith(NODE_PREFIX))
    return 'subject common name does not begin with system:node:';
  const rsa = ['digital signature', 'key encipherment', 'client auth'];
  if (!sameSet(usages, rsa) && !sameSet(usages, ['digital signature', 'client auth'])) return usagesDidNotMatch(rsa);
  return undefined;
}

function kubeletServingProblem(csr: ParsedCsr, usages: readonly string[]): string | undefined {
  if (!orgIsNodes(csr)) return 'subject organization is not system:nodes';
  if (csr.dnsNames.length === 0 && csr.ipAddresses.length === 0) return 'DNS or IP subjectAltName is required';
  if (csr.emailAddresses.length) return 'Email subjectAltNames are not allowed';
  if (csr.uris.length) return 'URI subjectAltNames are not allowed';
  const rsa = ['digital signature', 'key encipherment', 'server auth'];
  if (!sameSet(usages, rsa) && !sameSet(usages, ['digital signature', 'server auth'])) return usagesDidNotMatch(rsa);
  if (!(csr.subject.commonName ?? '').startsWith(NODE_PREFIX))
    return 'subject common name does not begin with system:node:';
  return undefined;
}

const CLIENT_USAGES = ['digital signature', 'key encipherment', 'client auth'];

function apiserverClientProblem(_csr: ParsedCsr, usages: readonly string[]): string | undefined {
  for (const u of usages) if (!CLIENT_USAGES.includes(u)) return `invalid usage for client certificate: ${u}`;
  if (!usages.includes('client auth')) return 'missing required usage for client certificate: client auth';
  return undefined;
}

/**
 * Why the built-in signer `signerName` refuses this request (upstream's message, which becomes
 * the `Failed` condition's message with reason SignerValidationFailure), or undefined.
 */
export function builtinProblem(
  signerName: BuiltinSignerName,
  csr: ParsedCsr,
  usages: readonly string[],
): string | undefined {
  switch (signerName) {
    case SIGNERS.kubeAPIServerClient:
      return apiserverClientProblem(csr, usages);
    case SIGNERS.kubeAPIServerClientKubelet:
      return kubeletClientProblem(csr, usages);
    case SIGNERS.kubeletServing:
      return kubeletServingProblem(csr, usages);
  }
}

export interface CaFiles {
  certFile: string;
  keyFile: string;
}

export interface ClusterSigningFlags {
  /** --cluster-signing-cert-file / -key-file as given (undefined when not given) */
  certFile?: string | undefined;
  keyFile?: string | undefined;
  /** the per-signer pairs as given, by signerName */
  perSigner?: Partial<Record<BuiltinSignerName, Partial<CaFiles>>> | undefined;
  /** the CA used when no flag is given at all (kubetls serve: its PKI's ca.crt/ca.key) */
  fallback?: CaFiles | undefined;
}

/**
 * Which built-in signers run and with which CA files, as kube-controller-manager decides:
 * the default pair for all three; per-signer pairs, when any is given, for those signers
 * only (the others do not run); both kinds at once is an error; neither runs every signer
 * on `fallback`, or none without one.
 */
export function builtinSignerFiles(f: ClusterSigningFlags): Array<{ signerName: BuiltinSignerName } & CaFiles> {
  const per = Object.entries(f.perSigner ?? {}).filter(([, v]) => v && (v.certFile || v.keyFile)) as Array<
    [BuiltinSignerName, Partial<CaFiles>]
  >;
  const hasDefault = Boolean(f.certFile || f.keyFile);
  if (hasDefault && per.length)
    throw new KubetlsError(
      'BadFlag',
      'cannot specify default and per controller certs at the same time',
      'use --cluster-signing-cert-file/--cluster-signing-key-file, or the per-signer flags, not both',
    );
  const pair = (certFile: string | undefined, keyFile: string | undefined, flag: string): CaFiles => {
    if (!certFile || !keyFile)
      throw new KubetlsError('MissingFlag', `--cluster-signing-${flag}cert-file and -key-file must be given together`);
    return { certFile, keyFile };
  };
  if (per.length)
    return per.map(([signerName, v]) => ({
      signerName,
      ...pair(v.certFile, v.keyFile, `${BUILTIN_FLAG_NAMES[signerName]}-`),
    }));
  const def = hasDefault ? pair(f.certFile, f.keyFile, '') : f.fallback;
  return def ? BUILTIN_SIGNER_NAMES.map((signerName) => ({ signerName, ...def })) : [];
}
