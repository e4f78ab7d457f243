/**
 * Apply: carries out plans. All new keys are generated first and in parallel (RSA key
 * generation dominates any RSA PKI; libuv runs it on every core), then CAs are signed before
 * their leaves, then files are written atomically: keys 0600, dirs 0700, kubeconfigs 0600.
 */
import type { KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { KubetlsError } from '../errors/index.js';
import { createIssuer, type Issuer } from '../pki/certificate.js';
import type { Clock } from '../pki/clock.js';
import {
  generateEncodedKey,
  parsePrivateKeyPem,
  privateKeyToPem,
  publicKeyToPem,
  type EncodedKeyPair,
  type KeyAlgorithm,
} from '../pki/keys.js';
import { pemEncode } from '../pki/pem.js';
import { certToPem } from '../pki/load.js';
import type { RandomSource } from '../pki/serial.js';
import { PUBLIC_MODE, SECRET_MODE, writeNewFilesAtomic, type BatchWrite } from '../util/files.js';
import type { CaName } from './catalog.js';
import { renderKubeconfig } from './kubeconfig.js';
import type { CaSource, Plan, SaSource } from './plan.js';
import { selfSignedCa, signedLeaf } from './templates.js';
import { certPath, keyPath } from './snapshot.js';

export interface ApplyOptions {
  algorithm: KeyAlgorithm;
  certificateValidityMs: number;
  caCertificateValidityMs: number;
  clusterName: string;
  clock: Clock;
  random?: RandomSource;
  /** called as keys finish: (done, total) */
  onProgress?: (done: number, total: number) => void;
}

export interface ApplyResult {
  events: string[];
  written: string[];
}

export async function applyPlans(
  plans: Plan[],
  cas: Map<CaName, CaSource>,
  sa: SaSource,
  o: ApplyOptions,
): Promise<ApplyResult> {
  const now = o.clock.now();
  // 1. every new key, in parallel
  const jobs: Array<() => Promise<EncodedKeyPair>> = [];
  const want = (): number => jobs.push(() => generateEncodedKey(o.algorithm)) - 1;
  const caKeyIdx = new Map<CaName, number>();
  for (const src of cas.values()) if (src.generate) caKeyIdx.set(src.name, want());
  const saIdx =
    sa.generate && plans.some((p) => p.steps.some((s) => s.kind === 'sa' && s.action === 'generate')) ? want() : -1;
  // a shared identity (kube-proxy) gets one key and one certificate for every node
  const sharedIdx = new Map<string, number>();
  const shared = (name: string): number => sharedIdx.get(name) ?? sharedIdx.set(name, want()).get(name)!;
  const stepIdx = plans.map((p) =>
    p.steps.map((s) => {
      if ((s.kind !== 'leaf' && s.kind !== 'kubeconfig') || s.action !== 'generate') return -1;
      return s.kind === 'kubeconfig' && s.spec.sharedIdentity ? shared(s.spec.clientName) : want();
    }),
  );
  const sharedCerts = new Map<string, string>();
  let done = 0;
  o.onProgress?.(0, jobs.length);
  const keys = await Promise.all(
    jobs.map((j) =>
      j().then((k) => {
        o.onProgress?.(++done, jobs.length);
        return k;
      }),
    ),
  );

  // 2. CAs, then issuers
  const issuers = new Map<CaName, Issuer>();
  const caPems = new Map<CaName, { cert: string; key?: string }>();
  for (const src of cas.values()) {
    let der: Buffer | undefined;
    let key: KeyObject | undefined;
    let keyPem: string | undefined;
    if (src.generate) {
      const kp = keys[caKeyIdx.get(src.name)!]!;
      const cn = src.name === 'ca' ? 'kubernetes' : src.name;
      // the signing KeyObject is loaded from the PEM: it shares nothing with the generation job
      key = parsePrivateKeyPem(kp.privatePem, `new ${src.name} key`);
      keyPem = kp.privatePem;
      der = selfSignedCa(cn, { privateKey: key, publicKey: kp.spki }, now, o.caCertificateValidityMs, o.random);
    } else if (src.cert) {
      der = src.cert.der;
      key = src.key;
    }
    if (!der) continue;
    caPems.set(
      src.name,
      key ? { cert: certToPem(der), key: keyPem ?? privateKeyToPem(key) } : { cert: certToPem(der) },
    );
    if (key) issuers.set(src.name, createIssuer(der, key));
  }
  const issuer = (name: CaName): Issuer => {
    const i = issuers.get(name);
    if (!i) throw new KubetlsError('ExternalCA', `the "${name}" CA key is not available`);
    return i;
  };
  const saPems =
    saIdx >= 0
      ? { key: keys[saIdx]!.privatePem, pub: pemEncode('PUBLIC KEY', keys[saIdx]!.spki) }
      : sa.key
        ? { key: privateKeyToPem(sa.key), pub: publicKeyToPem(sa.key) }
        : undefined;

  // 3. build every file, then write
  const events: string[] = [];
  const written: string[] = [];
  const allWrites: BatchWrite[] = [];
  for (const [pi, plan] of plans.entries()) {
    const writes: BatchWrite[] = [];
    const prefix = plans.length > 1 ? `[${plan.node}] ` : '';
    for (const [si, s] of plan.steps.entries()) {
      const newKey = stepIdx[pi]![si]! >= 0 ? keys[stepIdx[pi]![si]!]! : undefined;
      if (s.kind === 'ca') {
        const pem = caPems.get(s.spec.name)!;
        if (s.action === 'generate' || s.action === 'copy') {
          writes.push({ path: certPath(plan.certDir, s.spec.baseName), data: pem.cert, mode: PUBLIC_MODE });
          if (plan.catalog.caKeys && pem.key)
            writes.push({ path: keyPath(plan.certDir, s.spec.baseName), data: pem.key, mode: SECRET_MODE });
          events.push(
            `${prefix}[certs] ${s.action === 'generate' ? 'Generating' : 'Copying'} "${s.spec.name}" certificate${plan.catalog.caKeys && pem.key ? ' and key' : ''}`,
          );
        } else
          events.push(
            `${prefix}[certs] Using existing ${s.spec.name} certificate authority${s.action === 'external' ? ' (external: no key on disk)' : ''}`,
          );
      } else if (s.kind === 'leaf') {
        if (s.action === 'keep') {
          events.push(`${prefix}[certs] Using existing ${s.spec.name} certificate and key on disk`);
          continue;
        }
        const der = signedLeaf(s.spec, newKey!.spki, issuer(s.spec.ca), now, o.certificateValidityMs, o.random);
        writes.push({ path: certPath(plan.certDir, s.spec.baseName), data: certToPem(der), mode: PUBLIC_MODE });
        writes.push({ path: keyPath(plan.certDir, s.spec.baseName), data: newKey!.privatePem, mode: SECRET_MODE });
        events.push(`${prefix}[certs] Generating "${s.spec.name}" certificate and key`);
        if (s.spec.dnsNames.length || s.spec.ipAddresses.length) {
          events.push(
            `${prefix}[certs] ${s.spec.name} serving cert is signed for DNS names [${s.spec.dnsNames.join(' ')}] and IPs [${s.spec.ipAddresses.join(' ')}]`,
          );
        }
      } else if (s.kind === 'kubeconfig') {
        if (s.action === 'keep') {
          events.push(
            `${prefix}[kubeconfig] Using existing kubeconfig file: "${join(plan.kubeconfigDir, s.spec.name)}"`,
          );
          continue;
        }
        const sign = () =>
          certToPem(
            signedLeaf(
              {
                commonName: s.spec.clientName,
                organization: s.spec.organization,
                extKeyUsage: ['clientAuth'],
                dnsNames: [],
                ipAddresses: [],
              },
              newKey!.spki,
              issuer('ca'),
              now,
              o.certificateValidityMs,
              o.random,
            ),
          );
        let certPem: string;
        if (s.spec.sharedIdentity) {
          certPem = sharedCerts.get(s.spec.clientName) ?? sign();
          sharedCerts.set(s.spec.clientName, certPem);
        } else certPem = sign();
        const data = renderKubeconfig({
          clusterName: o.clusterName,
          server: s.spec.server,
          caPem: caPems.get('ca')!.cert,
          userName: s.spec.clientName,
          clientCertPem: certPem,
          clientKeyPem: newKey!.privatePem,
        });
        writes.push({ path: join(plan.kubeconfigDir, s.spec.name), data, mode: SECRET_MODE });
        events.push(`${prefix}[kubeconfig] Writing "${s.spec.name}" kubeconfig file`);
      } else {
        if (s.action === 'keep') {
          events.push(`${prefix}[certs] Using the existing "sa" key`);
          continue;
        }
        if (!saPems) throw new KubetlsError('NoServiceAccountKey', 'no service-account key available');
        if (s.action !== 'write-pub')
          writes.push({ path: join(plan.certDir, 'sa.key'), data: saPems.key, mode: SECRET_MODE });
        writes.push({ path: join(plan.certDir, 'sa.pub'), data: saPems.pub, mode: PUBLIC_MODE });
        events.push(
          `${prefix}[certs] ${s.action === 'generate' ? 'Generating "sa" key and public key' : s.action === 'copy' ? 'Copying "sa" key and public key' : 'Writing "sa.pub" from the existing "sa" key'}`,
        );
      }
    }
    allWrites.push(...writes);
  }
  // plan only writes missing files, so an existing file with other content means a race: refuse
  written.push(...(await writeNewFilesAtomic(allWrites)));
  return { events, written };
}
