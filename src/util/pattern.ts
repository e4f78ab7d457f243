/**
 * Regular expressions that come from a configuration file, a flag or a request: compiled
 * with RE2 syntax and matched in time linear in the input, never on V8's backtracking
 * engine. A pattern such as `^([a-z0-9]+-?)+\.example\.com$` takes V8 minutes on a
 * 46-character name that almost matches; on RE2 it takes microseconds whatever the
 * input. cfssl (Go's regexp) and Kubernetes use RE2 syntax, so the same patterns mean
 * the same thing here: no look-around, no back-references, repeat counts ≤ 1000.
 *
 * re2js is a pure-JavaScript port of Go's regexp (no native build, unlike `re2`); it is
 * loaded only by the commands that compile a pattern. Every pattern from outside goes
 * through this module: `compilePattern` when the file or flag is loaded (an invalid
 * pattern is a configuration error then, never at request time), `search` for cfssl's
 * unanchored MatchString semantics, `fullMatch` for policies that must match a whole value.
 * Matching costs O(pattern size × input length): the pattern length is capped here and the
 * callers cap the inputs.
 */
import { createRequire } from 'node:module';
import type { RE2JS } from 're2js';
import { KubetlsError, type ErrorCode } from '../errors/index.js';

type Re2js = typeof import('re2js');
let engine: Re2js | undefined;
/**
 * re2js is ~260 KB of JavaScript: required on first use, not imported, so the CLI bundle does
 * not carry it and commands that compile no pattern do not parse it (measured: a bundle with it
 * inlined costs every command a few ms of start-up).
 */
function re2(): Re2js {
  return (engine ??= createRequire(import.meta.url)('re2js') as Re2js);
}

/** Longest pattern accepted unless the caller says otherwise (cfssl's name_whitelist allows 4096). */
export const MAX_PATTERN_LENGTH = 4096;

export interface Pattern {
  /** the pattern as written */
  readonly source: string;
  /** true when the pattern matches somewhere in `s` (Go's MatchString, JavaScript's RegExp.test) */
  search(s: string): boolean;
  /** true when the pattern matches all of `s` (as if written `^(?:…)$`) */
  fullMatch(s: string): boolean;
}

export interface CompileOptions {
  /** names the pattern in errors: a field path (`signing.default.name_whitelist`) or a flag (`-mutual-tls-cn`) */
  where: string;
  maxLength?: number;
  /** the error code for an invalid pattern (default InvalidPattern) */
  code?: ErrorCode;
}

class Re2Pattern implements Pattern {
  constructor(
    readonly source: string,
    private readonly re: RE2JS,
  ) {}

  search(s: string): boolean {
    return this.re.test(s);
  }

  fullMatch(s: string): boolean {
    return this.re.testExact(s);
  }

  toString(): string {
    return this.source;
  }
}

/**
 * Why `source` is not an acceptable pattern (too long, or not RE2 syntax), or undefined when
 * it is. For validators that collect field errors rather than throw.
 */
export function patternProblem(source: string, maxLength = MAX_PATTERN_LENGTH): string | undefined {
  try {
    compileRe2(source, maxLength);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

function compileRe2(source: string, maxLength: number): RE2JS {
  if (source.length > maxLength) throw new Error(`longer than ${maxLength} characters`);
  try {
    return re2().RE2JS.compile(source);
  } catch (e) {
    // re2js reports Go's wording ("error parsing regexp: missing closing ]: `[`")
    if (e instanceof re2().RE2JSException)
      throw new Error(`invalid regular expression (RE2 syntax): ${oneLine(e.message)}`);
    throw e;
  }
}

/** Compiles a pattern from outside; an invalid one is a KubetlsError naming where it came from. */
export function compilePattern(source: string, o: CompileOptions): Pattern {
  try {
    return new Re2Pattern(source, compileRe2(source, o.maxLength ?? MAX_PATTERN_LENGTH));
  } catch (e) {
    throw new KubetlsError(o.code ?? 'InvalidPattern', `${o.where}: ${(e as Error).message}`, {
      hint: 'patterns use RE2 syntax (as Go and cfssl): no look-around or back-references, repeat counts up to 1000',
      cause: e,
    });
  }
}

function oneLine(s: string): string {
  const t = s.replace(/[\r\n]+/g, ' ');
  return t.length > 200 ? `${t.slice(0, 200)}...` : t;
}
