/**
 * Defensive YAML parsing, in one place for every reader (kubeadm configs, kubeconfigs,
 * static-pod manifests, kubelet configs, scanned files): alias expansion capped against
 * billion-laughs documents, and a one-line error naming the source. Callers on the `init`
 * path import this module lazily, so the YAML library never loads when no YAML is read.
 */
import { parse, parseAllDocuments } from 'yaml';
import { KubetlsError, type ErrorCode } from '../errors/index.js';

/** Aliases a document may expand; real Kubernetes YAML uses none or a few. */
export const MAX_YAML_ALIASES = 100;

const firstLine = (e: unknown): string => (e instanceof Error ? e.message : String(e)).split('\n')[0]!;

export interface YamlOptions {
  /** error code of the KubetlsError thrown on malformed input (default MalformedYAML) */
  code?: ErrorCode;
  /** false tolerates duplicate keys, as a component reading its own config would */
  uniqueKeys?: boolean;
}

/** One YAML document → plain JS value. */
export function parseYaml(text: string, source: string, o: YamlOptions = {}): unknown {
  try {
    return parse(text, { maxAliasCount: MAX_YAML_ALIASES, uniqueKeys: o.uniqueKeys ?? true, prettyErrors: false });
  } catch (e) {
    throw new KubetlsError(o.code ?? 'MalformedYAML', `${source}: not valid YAML: ${firstLine(e)}`);
  }
}

/** Every non-empty document of a multi-document stream. */
export function parseYamlDocuments(text: string, source: string, o: YamlOptions = {}): unknown[] {
  try {
    const docs = parseAllDocuments(text, { uniqueKeys: o.uniqueKeys ?? true });
    const list = Array.isArray(docs) ? docs : [docs];
    for (const d of list) {
      const first = d.errors[0];
      if (first) throw first;
    }
    return list
      .map((d) => d.toJS({ maxAliasCount: MAX_YAML_ALIASES }) as unknown)
      .filter((d) => d !== null && d !== undefined);
  } catch (e) {
    throw new KubetlsError(o.code ?? 'MalformedYAML', `${source}: not valid YAML: ${firstLine(e)}`);
  }
}
