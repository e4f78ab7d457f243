/**
 * Reading node YAML (static-pod manifests, kubelet config, kubeconfigs) defensively: size
 * limit before parsing, alias expansion capped (billion-laughs), one-line errors.
 */
import { parse } from 'yaml';
import { KubetlsError } from '../errors.js';
import { readFileLimited } from '../util/files.js';

export const MAX_YAML_BYTES = 1024 * 1024;

export function parseYamlText(text: string, source: string): unknown {
  try {
    return parse(text, { maxAliasCount: 100, uniqueKeys: false, prettyErrors: false, strict: false });
  } catch (e) {
    throw new KubetlsError('MalformedYAML', `${source}: ${(e as Error).message.split('\n')[0]}`);
  }
}

export function readYamlFile(path: string, source: string, maxBytes = MAX_YAML_BYTES): unknown {
  const buf = readFileLimited(path, maxBytes);
  return parseYamlText(buf.toString('utf8'), source);
}

export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined);
