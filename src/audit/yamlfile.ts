/**
 * Reading node YAML (static-pod manifests, kubelet config, kubeconfigs) defensively: size
 * limit before parsing, alias expansion capped (billion-laughs), one-line errors.
 */
import { readFileBounded } from '../util/read.js';
import { parseYaml } from '../util/yaml.js';

export const MAX_YAML_BYTES = 1024 * 1024;

export function readYamlFile(path: string, source: string, maxBytes = MAX_YAML_BYTES): unknown {
  const buf = readFileBounded(path, maxBytes);
  // components tolerate duplicate keys in their own files, so the audit does too
  return parseYaml(buf.toString('utf8'), source, { uniqueKeys: false });
}

export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
export const str = (v: unknown): string | undefined =>
  typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
