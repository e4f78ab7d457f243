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
import { certToPem } from '../pki/certpem.js';
import type { RandomSource } from '../pki/serial.js';
import { PUBLIC_MODE, SECRET_MODE, writeBatch, type BatchWrite } from '../util/files.js';
import type { CaName } from './catalog.js';
import { renderKubeconfig } from './kubeconfig.js';
import type { CaSource, Plan, SaSource, Step } from './plan.js';
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
  /** more files for the same batch (init's saved configuration), written with the rest or not at all */
  extraFiles?: BatchWrite[];
  /** where the batch's journal goes (see util/journal.ts); none: not journaled */
  journalDir?: string;
}

export interface ApplyResult {
  events: string[];
  written: string[];
}

/** A key to be generated; filled in when every key of the run is done. */
interface KeySlot {
  key?: EncodedKeyPair;
}

/**
 * The new keys of a run: each CA, step or shared identity asks for one, then all are
 * generated at once (libuv runs them on every core).
 */
class KeyRequests {
  private readonly slots: KeySlot[] = [];
  readonly forCa = new Map<CaName, KeySlot>();
  readonly forStep = new Map<Step, KeySlot>();
  /** a shared identity (kube-proxy) gets one key and one certificate for every node */
  readonly forShared = new Map<string, KeySlot>();
  sa: KeySlot | undefined;

  request(): KeySlot {
    const s: KeySlot = {};
    this.slots.push(s);
    return s;
  }

  async generate(algorithm: KeyAlgorithm, onProgress?: (done: number, total: number) => void): Promise<void> {
    let done = 0;
    const total = this.slots.length;
    onProgress?.(0, total);
    await Promise.all(
      this.slots.map(async (s) => {
        s.key = await generateEncodedKey(algorithm);
        onProgress?.(++done, total);
      }),
    );
  }
}

const keyOf = (slot: KeySlot | undefined): EncodedKeyPair => {
  if (!slot?.key) throw new KubetlsError('KeyGeneration', 'a key was used before it was generated');
  return slot.key;
};

export async function applyPlans(
  plans: Plan[],
  cas: Map<CaName, CaSource>,
  sa: SaSource,
  o: ApplyOptions,
): Promise<ApplyResult> {
  const now = o.clock.now();
  // 1. every new key, in parallel
  const keys = new KeyRequests();
  for (const src of cas.values()) if (src.generate) keys.forCa.set(src.name, keys.request());
  if (sa.generate && plans.some((p) => p.steps.some((s) => s.kind === 'sa' && s.action === 'generate')))
    keys.sa = keys.request();
  for (const p of plans)
    for (const s of p.steps) {
      if ((s.kind !== 'leaf' && s.kind !== 'kubeconfig') || s.action !== 'generate') continue;
      if (s.kind === 'kubeconfig' && s.spec.sharedIdentity) {
        let shared = keys.forShared.get(s.spec.clientName);
        if (!shared) keys.forShared.set(s.spec.clientName, (shared = keys.request()));
        keys.forStep.set(s, shared);
      } else keys.forStep.set(s, keys.request());
    }
  await keys.generate(o.algorithm, o.onProgress);
  const sharedCerts = new Map<string, string>();

  // 2. CAs, then issuers
  const issuers = new Map<CaName, Issuer>();
  const caPems = new Map<CaName, { cert: string; key?: string }>();
  for (const src of cas.values()) {
    let der: Buffer | undefined;
    let key: KeyObject | undefined;
    let keyPem: string | undefined;
    if (src.generate) {
      const kp = keyOf(keys.forCa.get(src.name));
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
  const saPems = keys.sa
    ? { key: keyOf(keys.sa).privatePem, pub: pemEncode('PUBLIC KEY', keyOf(keys.sa).spki) }
    : sa.key
      ? { key: privateKeyToPem(sa.key), pub: publicKeyToPem(sa.key) }
      : undefined;

  // 3. build every file, then write
  const events: string[] = [];
  const writes: BatchWrite[] = [];
  for (const plan of plans) {
    const prefix = plans.length > 1 ? `[${plan.node}] ` : '';
    for (const s of plan.steps) {
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
        const newKey = keyOf(keys.forStep.get(s));
        const der = signedLeaf(s.spec, newKey.spki, issuer(s.spec.ca), now, o.certificateValidityMs, o.random);
        writes.push({ path: certPath(plan.certDir, s.spec.baseName), data: certToPem(der), mode: PUBLIC_MODE });
        writes.push({ path: keyPath(plan.certDir, s.spec.baseName), data: newKey.privatePem, mode: SECRET_MODE });
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
        const newKey = keyOf(keys.forStep.get(s));
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
              newKey.spki,
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
          clientKeyPem: newKey.privatePem,
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
  }
  // plan only writes missing files, so an existing file with other content means a race: refuse
  const { written } = await writeBatch([...writes, ...(o.extraFiles ?? [])], {
    ...(o.journalDir ? { journalDir: o.journalDir } : {}),
  });
  return { events, written: written.filter((p) => !o.extraFiles?.some((f) => f.path === p)) };
}
