/**
 * Text from input (a file name, a certificate's CN or SAN, a YAML value) can carry control
 * characters and terminal escape sequences: printed raw, `ESC ]…` retitles the terminal,
 * `ESC [2J` clears it, a CR or newline forges a table row or a second "error:" line, and
 * the bidirectional overrides make text read differently from what it is. Everything the
 * CLI prints for a human goes through `escapeControls`: such characters become visible
 * escapes (`\x1b`, `\u202e`) and the rest, other Unicode included, stays as it is.
 * Machine output (JSON, YAML, PEM, kubeconfigs) is left to its own encoders.
 */

// C0 controls, DEL, C1 controls; the line and paragraph separators; bidi embeddings,
// overrides and isolates (U+202A–U+202E, U+2066–U+2069)
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const escape = (c: string): string => {
  const n = c.charCodeAt(0);
  return n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
};

/** `s` with every control character, C1 control and bidi control escaped (`\x1b`, `\x0a`, `\u202e`). */
export function escapeControls(s: string): string {
  return s.replace(UNSAFE, escape);
}

/** Whether `s` holds any character escapeControls would escape (for validators that refuse them). */
export function hasControls(s: string): boolean {
  UNSAFE.lastIndex = 0;
  return UNSAFE.test(s);
}
