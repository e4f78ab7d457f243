/**
 * Kubelet identities: a node authenticates as `system:node:<name>` in group `system:nodes`,
 * and its certificates name it the same way in their CN. What a kubelet client or serving
 * request must look like is the built-in signers' rule (../signing/builtin.ts
 * `builtinProblem`), which the approvers reuse so that they recognise exactly what the
 * signers accept.
 */
export const NODE_USER_PREFIX = 'system:node:';

/** The node name a kubelet user or CN names (`system:node:<name>`), or undefined. */
export function nodeNameOf(name: string | null | undefined): string | undefined {
  return name?.startsWith(NODE_USER_PREFIX) ? name.slice(NODE_USER_PREFIX.length) : undefined;
}
