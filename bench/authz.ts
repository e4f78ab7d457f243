/**
 * Authorization decisions per second: the default policy `kubetls serve` seeds plus 1,000
 * extra bindings (500 ClusterRoleBindings to users and groups, 500 RoleBindings in 100
 * namespaces), asked a mix of the requests the API answers (an admin listing CSRs, a node
 * creating one, the controller manager signing, anonymous health checks and cluster-info, a
 * bound user in its namespace, refusals). Times the index lookup alone (RbacIndex.decide),
 * the whole chain as the core calls it (system:masters + RBAC, async), and an index rebuild
 * (what a write to an RBAC object costs the next request). Also client-certificate
 * authentication of a returning client (verified path cached; validity, a 10,000-entry CRL
 * and a 1,000-entry deny list checked on every request), the other per-request cost of
 * authn/authz.
 *
 * No anchor: kube-apiserver's RBAC authorizer cannot run here without a whole control plane,
 * and no other tool answers the same question. The figure says whether authorization matters
 * next to the API's other per-request work (issue #18's target is ~8,000 requests/s in all).
 * Usage: npm run build && node dist/bench/authz.js
 */
import { loadClientCrls } from '../src/api/authn/crlset.js';
import { parseDenyList } from '../src/api/authn/denylist.js';
import { RevocationChecker } from '../src/api/authn/revocation.js';
import { ClientCertificateAuthenticator } from '../src/api/authn/x509.js';
import { createRequestAuthorization } from '../src/api/authz/authorizer.js';
import { defaultPolicy } from '../src/api/authz/policy.js';
import { RbacIndex } from '../src/api/authz/rbac.js';
import type { RbacObjects } from '../src/api/authz/types.js';
import type { KubeObject, RequestAttributes, UserInfo } from '../src/api/object.js';
import { createCrl, createIssuer, generateKey, issueCertificate, parseCertificate } from '../src/pki/index.js';
import { machine } from './common.js';

const G = 'rbac.authorization.k8s.io';
const EXTRA = 1000;

function policyWithExtraBindings(): RbacObjects {
  const p = defaultPolicy();
  const clusterRoleBindings: KubeObject[] = [...p.clusterRoleBindings];
  const roleBindings: KubeObject[] = [...p.roleBindings];
  const clusterRoles: KubeObject[] = [
    ...p.clusterRoles,
    {
      apiVersion: `${G}/v1`,
      kind: 'ClusterRole',
      metadata: { name: 'bench:configmap-editor' },
      rules: [{ verbs: ['get', 'list', 'watch', 'update'], apiGroups: [''], resources: ['configmaps'] }],
    },
  ];
  for (let i = 0; i < EXTRA / 2; i++) {
    clusterRoleBindings.push({
      apiVersion: `${G}/v1`,
      kind: 'ClusterRoleBinding',
      metadata: { name: `bench:crb-${i}` },
      roleRef: { apiGroup: G, kind: 'ClusterRole', name: i % 2 ? 'system:node-bootstrapper' : 'view-missing' },
      subjects: [
        { kind: 'User', apiGroup: G, name: `user-${i}` },
        { kind: 'Group', apiGroup: G, name: `group-${i % 50}` },
      ],
    });
    roleBindings.push({
      apiVersion: `${G}/v1`,
      kind: 'RoleBinding',
      metadata: { name: `bench:rb-${i}`, namespace: `ns-${i % 100}` },
      roleRef: { apiGroup: G, kind: 'ClusterRole', name: 'bench:configmap-editor' },
      subjects: [{ kind: 'User', apiGroup: G, name: `user-${i}` }],
    });
  }
  return { ...p, clusterRoles, clusterRoleBindings, roleBindings };
}

const AUTH = 'system:authenticated';
const u = (username: string, ...groups: string[]): UserInfo => ({ username, groups: [...groups, AUTH] });
const CSR = { apiGroup: 'certificates.k8s.io', resource: 'certificatesigningrequests' };

function requests(): RequestAttributes[] {
  const out: RequestAttributes[] = [
    { user: u('kubernetes-admin', 'kubeadm:cluster-admins'), verb: 'list', resourceRequest: true, ...CSR },
    { user: u('kubernetes-super-admin', 'system:masters'), verb: 'get', resourceRequest: true, ...CSR, name: 'c' },
    { user: u('system:node:w1', 'system:nodes'), verb: 'create', resourceRequest: true, ...CSR },
    { user: u('system:kube-controller-manager'), verb: 'sign', resourceRequest: true, apiGroup: 'certificates.k8s.io', resource: 'signers', name: 'kubernetes.io/kubelet-serving' },
    { user: u('system:kube-controller-manager'), verb: 'update', resourceRequest: true, ...CSR, subresource: 'status', name: 'c' },
    { user: { username: 'system:anonymous', groups: ['system:unauthenticated'] }, verb: 'get', resourceRequest: false, path: '/readyz' },
    { user: { username: 'system:anonymous', groups: ['system:unauthenticated'] }, verb: 'get', resourceRequest: true, apiGroup: '', resource: 'configmaps', namespace: 'kube-public', name: 'cluster-info' },
    { user: u('jane', 'devs'), verb: 'get', resourceRequest: false, path: '/apis/certificates.k8s.io/v1' },
    { user: u('jane', 'devs'), verb: 'delete', resourceRequest: true, ...CSR, name: 'c' },
    { user: u('system:bootstrap:abcdef', 'system:bootstrappers', 'system:bootstrappers:kubeadm:default-node-token'), verb: 'create', resourceRequest: true, ...CSR },
  ]; // prettier-ignore
  for (let i = 0; i < 10; i++) {
    const n = i * 37;
    out.push({ user: u(`user-${n}`, `group-${n % 50}`), verb: 'update', resourceRequest: true, apiGroup: '', resource: 'configmaps', namespace: `ns-${n % 100}`, name: 'x' }); // prettier-ignore
  }
  return out;
}

function rate(iterations: number, f: () => void): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) f();
  return iterations / (Number(process.hrtime.bigint() - t0) / 1e9);
}

/** Client-certificate authentications per second for a returning client. */
async function x509Rate(): Promise<number> {
  const k = await generateKey('ECDSA-P256');
  const now = Date.now();
  const caDer = issueCertificate(
    {
      subject: { commonName: 'kubernetes' },
      notBefore: new Date(now - 3600_000),
      notAfter: new Date(now + 86400_000),
      isCA: true,
      keyUsage: ['digitalSignature', 'keyEncipherment', 'keyCertSign'],
    },
    { publicKey: k.publicKey, selfSignKey: k.privateKey },
  );
  const issuer = createIssuer(caDer, k.privateKey);
  const lk = await generateKey('ECDSA-P256');
  const leaf = issueCertificate(
    {
      subject: { commonName: 'system:node:w1', organization: ['system:nodes'] },
      notBefore: new Date(now - 60_000),
      notAfter: new Date(now + 86400_000),
      extKeyUsage: ['clientAuth'],
    },
    { publicKey: lk.publicKey, issuer },
  );
  const crl = createCrl(
    {
      thisUpdate: new Date(now - 60_000),
      nextUpdate: new Date(now + 86400_000),
      revoked: Array.from({ length: 10_000 }, (_, i) => ({
        serialNumber: BigInt(i + 1),
        revocationDate: new Date(now),
      })),
      crlNumber: 1n,
    },
    issuer,
  );
  const ca = parseCertificate(caDer);
  const deny = Array.from({ length: 1000 }, (_, i) =>
    i % 2 ? (i + 20_000).toString(16) : i.toString(16).padStart(64, 'f'),
  );
  const revocation = new RevocationChecker({
    crls: { current: loadClientCrls(crl, [ca], new Date(now)) },
    denyList: { current: parseDenyList(deny.join('\n')) },
  });
  const auth = new ClientCertificateAuthenticator({ clientCAs: [ca], revocation });
  if (!auth.authenticateSync({ peerCertificates: [leaf] }).authenticated) throw new Error('benchmark client refused');
  const N = 100_000;
  const t0 = process.hrtime.bigint();
  // a new array per request, as presentedChain() returns for each request
  for (let i = 0; i < N; i++) auth.authenticateSync({ peerCertificates: [leaf] });
  return N / (Number(process.hrtime.bigint() - t0) / 1e9);
}

async function main(): Promise<void> {
  console.log(`# authorization benchmark\n${machine()}\n`);
  const objs = policyWithExtraBindings();
  const reqs = requests();
  // measured first, before the decision loops leave garbage for the collector
  const rebuilds: number[] = [];
  for (let i = 0; i < 40; i++) {
    const t0 = performance.now();
    new RbacIndex(objs);
    // the first rebuilds run before the JIT has compiled the builder; a server rebuilds warm
    if (i >= 31) rebuilds.push(performance.now() - t0);
  }
  rebuilds.sort((a, b) => a - b);

  const index = new RbacIndex(objs);
  let allowed = 0;
  for (const r of reqs) if (index.decide(r).allowed) allowed++;

  // warm-up, then the median of 5 rounds
  const N = 200_000;
  const rounds = (f: () => number) => {
    f();
    const xs = Array.from({ length: 5 }, f).sort((a, b) => a - b);
    return xs[2]!;
  };
  let k = 0;
  const sync = rounds(() => rate(N, () => index.decide(reqs[k++ % reqs.length]!)));

  const { authorizer } = createRequestAuthorization(() => Promise.resolve(objs));
  const asyncRate = async (): Promise<number> => {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < N; i++) await authorizer.authorize(reqs[i % reqs.length]!);
    return N / (Number(process.hrtime.bigint() - t0) / 1e9);
  };
  await asyncRate();
  const asyncs: number[] = [];
  for (let i = 0; i < 5; i++) asyncs.push(await asyncRate());
  asyncs.sort((a, b) => a - b);

  await x509Rate(); // warm-up
  const x509 = [await x509Rate(), await x509Rate(), await x509Rate()].sort((a, b) => a - b)[1]!;

  const n = (x: number) => Math.round(x).toLocaleString('en-US');
  console.log(
    `${objs.clusterRoleBindings.length + objs.roleBindings.length} bindings (default policy + ${EXTRA}), ` +
      `${reqs.length} request kinds (${allowed} allowed, ${reqs.length - allowed} refused)\n`,
  );
  console.log('| measure | result |');
  console.log('|---|---|');
  console.log(`| RbacIndex.decide (sync, index lookup only) | ${n(sync)} decisions/s |`);
  console.log(
    `| authorizer.authorize (system:masters + RBAC, async, as the core calls it) | ${n(asyncs[2]!)} decisions/s |`,
  );
  console.log(`| index rebuild after an RBAC write | ${rebuilds[4]!.toFixed(2)} ms |`);
  console.log(
    `| x509 authentication of a returning client (10,000-entry CRL, 1,000-entry deny list) | ${n(x509)} authentications/s |`,
  );
}

await main();
