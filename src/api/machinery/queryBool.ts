/**
 * Booleans in query strings, the two ways kube-apiserver reads them:
 *
 * - `queryBool`: how the API handlers decode `watch`, `allowWatchBookmarks`,
 *   `sendInitialEvents`, `force`… into their options (apimachinery `pkg/runtime/conversion.go`
 *   Convert_Slice_string_To_bool): absent is false, `0` and `false` in any case are false,
 *   and **anything else is true**, the empty string and `f` included. Clients that send
 *   `watch=1`, `watch=True` or `watch=true` all get a watch.
 * - `parseGoBool`: Go's strconv.ParseBool (`1 t T TRUE true True`, `0 f F FALSE false
 *   False`), used by kube where a malformed value must be an error (`pretty`), and by
 *   anything of ours that wants the strict spellings.
 */

const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/** Go's strconv.ParseBool; undefined when the text is none of its twelve spellings. */
export function parseGoBool(s: string): boolean | undefined {
  if (TRUE.has(s)) return true;
  if (FALSE.has(s)) return false;
  return undefined;
}

/** A query parameter read as kube-apiserver reads its boolean options (first value wins). */
export function queryBool(values: readonly string[] | string | null | undefined): boolean {
  const first = typeof values === 'string' ? values : values?.[0];
  if (first === undefined || first === null) return false;
  return !(first === '0' || first.toLowerCase() === 'false');
}
