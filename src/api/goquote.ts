/**
 * Go's strconv.Quote (the `%q` of kube-apiserver's messages: `secrets "x" not found`, `User
 * "bob" cannot …`) and the unicode.IsPrint it relies on, which apimachinery also uses to
 * validate field manager names.
 */

const GO_PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/** Go's unicode.IsPrint for one character: letters, marks, numbers, punctuation, symbols and the ASCII space. */
export const isGoPrint = (ch: string): boolean => GO_PRINTABLE.test(ch);

/** Go's strconv.Quote: "…" with \" \\ \n \t … escaped and non-printable characters as \x, \u or \U. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    switch (ch) {
      case '"':
        out += '\\"';
        continue;
      case '\\':
        out += '\\\\';
        continue;
      case '\x07':
        out += '\\a';
        continue;
      case '\b':
        out += '\\b';
        continue;
      case '\f':
        out += '\\f';
        continue;
      case '\n':
        out += '\\n';
        continue;
      case '\r':
        out += '\\r';
        continue;
      case '\t':
        out += '\\t';
        continue;
      case '\v':
        out += '\\v';
        continue;
    }
    if (cp >= 0xd800 && cp <= 0xdfff)
      out += '\\ufffd'; // a lone surrogate: invalid UTF-8 in Go
    else if (isGoPrint(ch)) out += ch;
    else if (cp < 0x80) out += '\\x' + cp.toString(16).padStart(2, '0');
    else if (cp < 0x10000) out += '\\u' + cp.toString(16).padStart(4, '0');
    else out += '\\U' + cp.toString(16).padStart(8, '0');
  }
  return out + '"';
}
