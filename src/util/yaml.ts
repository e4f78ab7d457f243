/**
 * Defensive YAML parsing, in one place for every reader (kubeadm configs, kubeconfigs,
 * static-pod manifests, kubelet configs, scanned files): alias expansion capped against
 * billion-laughs documents, and a one-line error naming the source. Callers on the `init`
 * path import this module lazily, so the YAML library never loads when no YAML is read.
 */
import { isScalar, parseAllDocuments, parseDocument, visit, type Document } from 'yaml';
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

/**
 * Refuses a mapping that repeats a key, in one pass with a Set: the library's own uniqueKeys
 * check compares each key with every earlier one, and a 1 MB request body of 50,000 keys
 * held the API server's main thread for 13 s (the fuzz test found it); the library parses
 * the same document without it in ~0.6 s. Scalar keys compare by the string they become as
 * a JS object's key (so `1` and `"1"`, which the library lets by and one of which would be
 * lost, are refused too); other keys (rare: a sequence or mapping as a key) by their JSON.
 */
function assertUniqueKeys(doc: Document): void {
  visit(doc, {
    Map(_, map) {
      const seen = new Set<string>();
      for (const item of map.items) {
        const k = item.key;
        const id = isScalar(k) ? `s:${String(k.value)}` : `j:${JSON.stringify(k)}`;
        if (seen.has(id)) throw new Error('Map keys must be unique');
        seen.add(id);
      }
    },
  });
}

/** One YAML document → plain JS value. */
export function parseYaml(text: string, source: string, o: YamlOptions = {}): unknown {
  try {
    const doc = parseDocument(text, { uniqueKeys: false, prettyErrors: false });
    const first = doc.errors[0];
    if (first) throw first;
    if (o.uniqueKeys ?? true) assertUniqueKeys(doc);
    return doc.toJS({ maxAliasCount: MAX_YAML_ALIASES }) as unknown;
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
