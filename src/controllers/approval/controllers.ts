/**
 * The three approvers as controllers (registered in src/controllers/index.ts):
 * - `csrapproving`: kube-controller-manager's nodeclient / selfnodeclient approver;
 * - `kubelet-serving-approver`: kubelet serving certificates whose SANs the node owns (on by
 *   default, unlike upstream, because it checks ownership; `--controllers=-kubelet-serving-approver`
 *   turns it off);
 * - `csr-policy-approver`: --approver-config's rules (idle without the flag).
 * Each runs the pure decision (nodeclient.ts, kubeletserving.ts, policyapprover.ts) on a
 * CSR from the shared informer and applies it: approve or deny through `/approval` (re-read
 * and re-decided on a conflict: a CSR someone decided meanwhile is left alone), the
 * decision's Events, the approved/denied counters; a pending decision is looked at again
 * at its recheck time, or with the queue's backoff.
 */
import type { V1CertificateSigningRequest } from '@kubernetes/client-node';
import type { CertificateSigningRequest } from '../../api/resources/certificates/types.js';
import { GROUP, RESOURCE, SIGNERS } from '../../api/resources/certificates/types.js';
import {
  csrRef,
  isApproved,
  isDenied,
  isIssued,
  runCsrController,
  updateApproval,
  withCondition,
  type ControllerContext,
  type ControllerSpec,
  type Permission,
  type SyncResult,
} from '../framework/index.js';
import { loadSignerConfiguration } from '../signing/config.js';
import type { SigningPolicyFields } from '../signing/policy.js';
import { loadApproverConfiguration, type ApproverConfiguration } from './approverconfig.js';
import type { ApprovalDecision } from './decision.js';
import { nodeNameOf } from './kubelet.js';
import { decideKubeletServing, REASONS } from './kubeletserving.js';
import { NodeIndex } from './nodeaddresses.js';
import { decideNodeClient } from './nodeclient.js';
import { decidePolicy } from './policyapprover.js';
import { parseKubeletServingPolicy, type KubeletServingPolicyFlags } from './servingpolicy.js';
import type { SubjectAccessReviewSpec } from './review.js';

/** upstream runs 5 approving workers */
const WORKERS = 5;

/**
 * The informer's object (client-node's types, times as Date) as the JSON the decisions read:
 * only metadata.creationTimestamp differs in form; condition times are never read.
 */
export function asJsonCsr(csr: V1CertificateSigningRequest): CertificateSigningRequest {
  const m = csr.metadata ?? {};
  const created = m.creationTimestamp as Date | string | undefined;
  return {
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: {
      name: m.name ?? '',
      uid: m.uid ?? '',
      ...(created ? { creationTimestamp: created instanceof Date ? created.toISOString() : created } : {}),
    },
    spec: { ...csr.spec },
    status: {
      certificate: csr.status?.certificate ?? null,
      conditions: (csr.status?.conditions ?? []).map((c) => ({ type: c.type, status: c.status })),
    },
  };
}

const csrRules = (signerName: string): Permission[] => [
  { verb: 'list', group: GROUP, resource: RESOURCE },
  { verb: 'watch', group: GROUP, resource: RESOURCE },
  { verb: 'update', group: GROUP, resource: RESOURCE, subresource: 'approval' },
  { verb: 'approve', group: GROUP, resource: 'signers', name: signerName },
];

/**
 * Applies a decision to the CSR; resolves to when to look again. A pending decision without
 * a recheck time throws, so the worker requeues it with the per-key backoff (as upstream's
 * ignorable errors are).
 */
export async function applyDecision(
  ctx: ControllerContext,
  csr: V1CertificateSigningRequest,
  d: ApprovalDecision,
): Promise<SyncResult> {
  const ref = csrRef(csr);
  for (const e of d.events) ctx.recorder.event(ref, e.type, e.reason, e.message);
  const name = csr.metadata?.name ?? '';
  const signerName = csr.spec.signerName;
  if (d.kind === 'approve' || d.kind === 'deny') {
    const type = d.kind === 'approve' ? 'Approved' : 'Denied';
    const updated = await updateApproval(
      ctx.client,
      name,
      (cur) =>
        isApproved(cur) || isDenied(cur) || isIssued(cur)
          ? undefined
          : withCondition(cur, { type, reason: d.reason, message: d.message }, ctx.clock),
      { current: csr },
    );
    if (updated) {
      (d.kind === 'approve' ? ctx.metrics.approved : ctx.metrics.denied).inc({ signer_name: signerName });
      ctx.log(`${type.toLowerCase()} ${name} (${d.reason}): ${d.message}`);
    }
    return;
  }
  if (d.kind === 'pending') {
    if (d.recheckAt) return { requeueAfter: Math.max(1, d.recheckAt.getTime() - ctx.clock.now().getTime()) };
    throw new Error(d.message);
  }
  return;
}

/** A SubjectAccessReview through the API (the approver's identity needs create subjectaccessreviews). */
function apiAuthorizer(ctx: ControllerContext) {
  return async (spec: SubjectAccessReviewSpec): Promise<boolean> => {
    const r = await ctx.client.authorization.createSubjectAccessReview({
      body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec },
    });
    return r.status?.allowed === true;
  };
}

export const csrApprovingController: ControllerSpec = {
  name: 'csrapproving',
  description:
    "approves kubelet client CSRs after a SubjectAccessReview (nodeclient / selfnodeclient), as kube-controller-manager's",
  enabledByDefault: true,
  permissions: () => [
    ...csrRules(SIGNERS.kubeAPIServerClientKubelet),
    { verb: 'create', group: 'authorization.k8s.io', resource: 'subjectaccessreviews' },
  ],
  start(ctx, signal) {
    const informer = ctx.informers.csrs();
    const authorize = apiAuthorizer(ctx);
    runCsrController(ctx, signal, {
      workers: WORKERS,
      filter: (csr) => csr.spec.signerName === SIGNERS.kubeAPIServerClientKubelet,
      sync: async (name) => {
        const csr = informer.get(name);
        if (!csr) return;
        return applyDecision(ctx, csr, await decideNodeClient(asJsonCsr(csr), authorize));
      },
    });
  },
};

const servingFlags = (flags: Readonly<Record<string, unknown>>): KubeletServingPolicyFlags => ({
  dnsPattern: flags.kubeletServingDnsPattern as string | undefined,
  ipRanges: flags.kubeletServingIpRanges as string | undefined,
  maxExpiration: flags.kubeletServingMaxExpiration as string | undefined,
});

export const kubeletServingApproverController: ControllerSpec = {
  name: 'kubelet-serving-approver',
  description:
    "approves kubelet serving CSRs whose every DNS name and IP is an address of the requesting Node and of no other (kubetls's; upstream approves none)",
  enabledByDefault: true,
  flags: [
    {
      flags: '--kubelet-serving-dns-pattern <re2>',
      description: 'kubelet-serving-approver: every DNS name must also match this RE2 pattern (whole name)',
    },
    {
      flags: '--kubelet-serving-ip-ranges <cidrs>',
      description: 'kubelet-serving-approver: every IP must also lie in one of these comma-separated CIDRs',
    },
    {
      flags: '--kubelet-serving-max-expiration <duration>',
      description: 'kubelet-serving-approver: deny a spec.expirationSeconds longer than this (e.g. 8760h)',
    },
  ],
  validate(flags) {
    parseKubeletServingPolicy(servingFlags(flags));
  },
  permissions: () => [
    ...csrRules(SIGNERS.kubeletServing),
    { verb: 'list', group: '', resource: 'nodes' },
    { verb: 'watch', group: '', resource: 'nodes' },
  ],
  start(ctx, signal) {
    const policy = parseKubeletServingPolicy(servingFlags(ctx.flags));
    const csrs = ctx.informers.csrs();
    const nodeInformer = ctx.informers.nodes();
    const nodes = new NodeIndex();
    /** CSRs waiting for their Node, by node name: queued again when it appears */
    const waiting = new Map<string, Set<string>>();
    const { queue } = runCsrController(ctx, signal, {
      workers: WORKERS,
      filter: (csr) => csr.spec.signerName === SIGNERS.kubeletServing,
      sync: async (name) => {
        const csr = csrs.get(name);
        if (!csr) return;
        // a CSR read before the Nodes are would wait for a Node that is already there
        await nodeInformer.waitForSync(signal);
        const d = decideKubeletServing(asJsonCsr(csr), { nodes, now: ctx.clock.now(), policy });
        const node = nodeNameOf(csr.spec.username);
        if (node !== undefined) {
          if (d.kind === 'pending' && d.reason === REASONS.nodeNotFound) {
            let set = waiting.get(node);
            if (!set) waiting.set(node, (set = new Set()));
            set.add(name);
          } else {
            waiting.get(node)?.delete(name);
            if (waiting.get(node)?.size === 0) waiting.delete(node);
          }
        }
        return applyDecision(ctx, csr, d);
      },
    });
    nodeInformer.onChange((node, type) => {
      const name = node.metadata?.name;
      if (!name) return;
      if (type === 'delete') {
        nodes.delete(name);
        return;
      }
      nodes.setNode({ metadata: { name }, status: node.status });
      for (const csr of waiting.get(name) ?? []) queue.add(csr);
      waiting.delete(name);
    });
  },
};

/** The --signer-config policies this process signs with, so approval never outruns signing. */
function signerPolicies(flags: Readonly<Record<string, unknown>>): Map<string, SigningPolicyFields> {
  const file = flags.signerConfig as string | undefined;
  if (!file) return new Map();
  return new Map(loadSignerConfiguration(file).signers.map((s) => [s.signerName, s.policy]));
}

const approverConfig = (flags: Readonly<Record<string, unknown>>): ApproverConfiguration | undefined => {
  const file = flags.approverConfig as string | undefined;
  return file ? loadApproverConfiguration(file) : undefined;
};

export const policyApproverController: ControllerSpec = {
  name: 'csr-policy-approver',
  description: 'approves CSRs for custom signers by --approver-config rules (idle without it)',
  enabledByDefault: true,
  flags: [
    {
      flags: '--approver-config <file>',
      description:
        'csr-policy-approver: an ApproverConfiguration (kubetls.io/v1alpha1): rules {signerName, users, groups, allowed...} whose requests are approved',
    },
  ],
  validate(flags) {
    approverConfig(flags);
  },
  permissions: (flags) => {
    const config = approverConfig(flags);
    if (!config) return [];
    return [...new Set(config.rules.map((r) => r.signerName))].flatMap(csrRules);
  },
  start(ctx, signal) {
    const config = approverConfig(ctx.flags);
    if (!config) {
      ctx.log('idle: no --approver-config');
      return;
    }
    const policies = signerPolicies(ctx.flags);
    const signers = new Set(config.rules.map((r) => r.signerName));
    const csrs = ctx.informers.csrs();
    runCsrController(ctx, signal, {
      workers: WORKERS,
      filter: (csr) => signers.has(csr.spec.signerName),
      sync: (name) => {
        const csr = csrs.get(name);
        if (!csr) return Promise.resolve();
        return applyDecision(ctx, csr, decidePolicy(asJsonCsr(csr), { rules: config.rules, signerPolicies: policies }));
      },
    });
  },
};

export const APPROVAL_CONTROLLERS: readonly ControllerSpec[] = [
  csrApprovingController,
  kubeletServingApproverController,
  policyApproverController,
];
