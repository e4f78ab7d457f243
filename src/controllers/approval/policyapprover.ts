/**
 * The policy approver's decision (`csr-policy-approver`): a CSR for a signer that
 * --approver-config has rules for is approved, reason `PolicyApproved`, when its requester
 * matches a rule (spec.username in `users`, or one of spec.groups in `groups`) and its
 * content satisfies that rule's policy fields — and, when the signer itself runs in the same
 * process with a --signer-config policy, that policy too: the approver never approves what
 * the signer would refuse. Rules are tried in file order; the first that is satisfied wins.
 *
 * It never denies: Denied is final, and a request outside every rule may still be one a
 * person means to approve. A requester some rule names whose request breaks the rule gets a
 * Warning Event listing what broke it, and the CSR waits for a person; a requester no rule
 * names is left alone without one.
 */
import type { CertificateSigningRequest } from '../../api/resources/certificates/types.js';
import { goQuote } from '../../api/goquote.js';
import { policyViolations, type SigningPolicyFields } from '../signing/policy.js';
import type { ApproverRule } from './approverconfig.js';
import { alreadyDecided, csrView, parseRequest, type CsrView } from './csrview.js';
import { approve, listProblems, skip, warning, type ApprovalDecision } from './decision.js';

export const POLICY_APPROVED = 'PolicyApproved';
export const POLICY_NOT_SATISFIED = 'PolicyNotSatisfied';

export interface PolicyApproverContext {
  /** the rules of --approver-config, in file order */
  rules: readonly ApproverRule[];
  /** the --signer-config policy of each custom signer this process runs, by signerName */
  signerPolicies?: ReadonlyMap<string, SigningPolicyFields>;
}

export const requesterMatches = (r: ApproverRule, v: CsrView): boolean =>
  r.users.has(v.username) || v.groups.some((g) => r.groups.has(g));

export function decidePolicy(csr: CertificateSigningRequest, ctx: PolicyApproverContext): ApprovalDecision {
  const v = csrView(csr);
  const decided = alreadyDecided(v);
  if (decided) return skip('AlreadyDecided', decided);
  const forSigner = ctx.rules.filter((r) => r.signerName === v.signerName);
  if (!forSigner.length) return skip('NoRule', `no rule for signerName ${v.signerName}`);
  const matching = forSigner.filter((r) => requesterMatches(r, v));
  if (!matching.length)
    return skip(
      'NoRule',
      `no rule for signerName ${v.signerName} names requester ${goQuote(v.username)} or its groups`,
    );
  const parsed = parseRequest(csr);
  if (!parsed.ok) return skip('UnparseableRequest', `unable to parse csr ${goQuote(v.name)}: ${parsed.reason}`);

  const subject = { csr: parsed.csr, usages: v.usages };
  const signerPolicy = ctx.signerPolicies?.get(v.signerName);
  const signerProblems = signerPolicy ? policyViolations(subject, signerPolicy).map((m) => `signer policy: ${m}`) : [];
  const failures: string[] = [];
  for (const r of matching) {
    const problems = [...policyViolations(subject, r.policy), ...signerProblems];
    if (!problems.length)
      return approve(
        POLICY_APPROVED,
        `Approved by rule ${goQuote(r.name)} of the approver configuration: requester ${goQuote(v.username)}, every name, usage and key within the rule.`,
      );
    failures.push(`rule ${goQuote(r.name)}: ${listProblems(problems)}`);
  }
  const msg = `not approved automatically (left for manual approval): ${failures.join(' | ')}`;
  return skip(POLICY_NOT_SATISFIED, msg, [warning(POLICY_NOT_SATISFIED, msg)]);
}
