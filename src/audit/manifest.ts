/**
 * Static-pod manifests → component flags. kubeadm writes one Pod per component with the
 * binary and its `--flag=value` arguments in `spec.containers[0].command`; `args` is
 * honoured too. As with Go's pflag, a repeated flag keeps its last value.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { KubetlsError } from '../errors/index.js';
import { isRecord, readYamlFile, str } from './yamlfile.js';

export const COMPONENTS = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'etcd'] as const;
export type Component = (typeof COMPONENTS)[number];

export interface StaticPod {
  component: Component;
  /** path relative to the root, for evidence */
  file: string;
  flags: Map<string, string>;
}

export const MAX_MANIFESTS = 64;

/** Parses `--a=b`, `--a b` and bare `--a` (= "true") out of a command line. */
export function parseFlags(argv: readonly string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--') || a.length <= 2) continue;
    const eq = a.indexOf('=');
    if (eq > 2) flags.set(a.slice(2, eq), a.slice(eq + 1));
    else if (i + 1 < argv.length && !argv[i + 1]!.startsWith('-')) flags.set(a.slice(2), argv[++i]!);
    else flags.set(a.slice(2), 'true');
  }
  return flags;
}

/** The component a pod runs: by the binary name, else by the container name. */
function componentOf(pod: Record<string, unknown>): { component: Component; argv: string[] } | null {
  const spec = isRecord(pod.spec) ? pod.spec : undefined;
  const containers = Array.isArray(spec?.containers) ? spec.containers : [];
  for (const c of containers.slice(0, 16)) {
    if (!isRecord(c)) continue;
    const command = (Array.isArray(c.command) ? c.command : []).map(str).filter((s): s is string => s !== undefined);
    const args = (Array.isArray(c.args) ? c.args : []).map(str).filter((s): s is string => s !== undefined);
    const argv = [...command, ...args].slice(0, 1000);
    const bin = (command[0] ?? '').split('/').pop() ?? '';
    const name = str(c.name) ?? '';
    const hit = COMPONENTS.find((k) => k === bin) ?? COMPONENTS.find((k) => k === name);
    if (hit) return { component: hit, argv };
  }
  return null;
}

export interface ManifestProblem {
  file: string;
  message: string;
  /** when "fix or remove the file" does not apply */
  remediation?: string;
}

/** Reads every *.yaml/*.yml/*.json in the manifests dir; problems are returned, not thrown. */
export function readStaticPods(
  dir: string,
  rel: (p: string) => string,
): { pods: StaticPod[]; problems: ManifestProblem[] } {
  const pods: StaticPod[] = [];
  const problems: ManifestProblem[] = [];
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((n) => /\.(ya?ml|json)$/.test(n))
      .sort();
  } catch {
    return {
      pods,
      problems: [
        {
          file: rel(dir),
          message: 'manifests directory not found',
          remediation:
            "point --root at the node's filesystem root (it must hold etc/kubernetes/manifests, the kubelet's staticPodPath; an empty directory is fine on a worker)",
        },
      ],
    };
  }
  if (names.length > MAX_MANIFESTS) {
    problems.push({ file: rel(dir), message: `${names.length} manifests; only the first ${MAX_MANIFESTS} are read` });
    names = names.slice(0, MAX_MANIFESTS);
  }
  for (const n of names) {
    const path = join(dir, n);
    try {
      const doc = readYamlFile(path, rel(path));
      if (!isRecord(doc) || doc.kind !== 'Pod') throw new KubetlsError('NotAPod', `${rel(path)}: not a Pod manifest`);
      const c = componentOf(doc);
      if (c) pods.push({ component: c.component, file: rel(path), flags: parseFlags(c.argv) });
    } catch (e) {
      problems.push({ file: rel(path), message: (e as Error).message.replace(/^cannot read \S+: /, '') });
    }
  }
  return { pods, problems };
}
