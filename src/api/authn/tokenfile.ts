/**
 * Static bearer tokens (kube-apiserver's `--token-auth-file`): a CSV file, one token a
 * record, `token,user,uid[,"group1,group2"]`; columns after the fourth are ignored, as
 * upstream. CSV per RFC 4180 (quotes, CRLF, quoted newlines) through csv-parse, whose
 * behaviour on bare and unclosed quotes matches Go's encoding/csv that kube-apiserver reads
 * the file with. Errors name the line, never a value (the first column is a secret).
 *
 * Tokens are indexed by their SHA-256 and confirmed with a constant-time compare
 * (secretequal.ts): a lookup keyed by a digest can leak, through timing, at most bits of the
 * digest, which say nothing about the token.
 */
import { timingSafeEqual } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { KubetlsError } from '../../errors/index.js';
import { secretDigest } from '../../util/secretequal.js';
import type { UserInfo } from '../object.js';
import type { AuthenticationResult, Authenticator, RequestCredentials } from '../resource.js';

export const MAX_TOKEN_FILE_BYTES = 4 * 1024 * 1024;
export const TOKEN_FILE_METHOD = 'token-file';

export interface TokenFile {
  /** by base64 SHA-256 of the token */
  tokens: Map<string, { digest: Buffer; user: UserInfo }>;
  /** what kube-apiserver logs as warnings: empty and duplicate tokens */
  warnings: string[];
}

const CSV_PROBLEMS: Record<string, string> = {
  INVALID_OPENING_QUOTE: 'a quote inside an unquoted field',
  CSV_INVALID_CLOSING_QUOTE: 'text after a closing quote',
  CSV_QUOTE_NOT_CLOSED: 'a quote is never closed',
  CSV_RECORD_INCONSISTENT_FIELDS_LENGTH: 'inconsistent number of fields',
};

/** Parses a token file; a KubetlsError (InvalidConfig) naming the first bad line. */
export function parseTokenFile(data: string | Buffer, source = 'token file'): TokenFile {
  if (data.length > MAX_TOKEN_FILE_BYTES)
    throw new KubetlsError(
      'TooLarge',
      `${source} is ${data.length} bytes, over the ${MAX_TOKEN_FILE_BYTES}-byte limit`,
    );
  let records: string[][];
  try {
    const rows: unknown = parse(data, { relax_column_count: true, skip_empty_lines: true, bom: true });
    records = rows as string[][];
  } catch (e) {
    const err = e as { code?: string; lines?: number };
    const problem = (err.code && CSV_PROBLEMS[err.code]) ?? 'malformed CSV';
    throw new KubetlsError(
      'InvalidConfig',
      `${source}${err.lines ? ` line ${err.lines}` : ''}: ${problem}`,
      'each line is token,user,uid[,"group1,group2"]; quote a field that holds a comma',
    );
  }
  const out: TokenFile = { tokens: new Map(), warnings: [] };
  records.forEach((r, i) => {
    const n = i + 1;
    if (r.length < 3)
      throw new KubetlsError(
        'InvalidConfig',
        `${source} record ${n}: must have at least 3 columns (token, user name, user uid), found ${r.length}`,
      );
    // Go's encoding/csv turns \r\n inside quoted fields into \n; so does this
    const [token, username, uid, groups] = r.map((f) => f.replaceAll('\r\n', '\n')) as [
      string,
      string,
      string,
      string | undefined,
    ];
    if (token === '') {
      out.warnings.push(`${source} record ${n}: empty token, ignored`);
      return;
    }
    if (username === '') throw new KubetlsError('InvalidConfig', `${source} record ${n}: empty user name`);
    const digest = secretDigest(token);
    const key = digest.toString('base64');
    if (out.tokens.has(key)) out.warnings.push(`${source} record ${n}: duplicate token, this record wins`);
    const user: UserInfo = { username, groups: groups === undefined ? [] : groups.split(',').filter((g) => g !== '') };
    if (uid !== '') user.uid = uid;
    out.tokens.set(key, { digest, user });
  });
  return out;
}

export class TokenFileAuthenticator implements Authenticator {
  constructor(private readonly file: { readonly current: TokenFile } | TokenFile) {}

  authenticate(c: RequestCredentials): Promise<AuthenticationResult> {
    return Promise.resolve(this.authenticateSync(c));
  }

  authenticateSync(c: RequestCredentials): AuthenticationResult {
    if (!c.bearerToken) return { authenticated: false };
    const tokens = 'current' in this.file ? this.file.current.tokens : this.file.tokens;
    const digest = secretDigest(c.bearerToken);
    const hit = tokens.get(digest.toString('base64'));
    if (!hit || !timingSafeEqual(hit.digest, digest)) return { authenticated: false };
    const u = hit.user;
    return {
      authenticated: true,
      method: TOKEN_FILE_METHOD,
      user: { ...u, groups: [...u.groups] },
    };
  }
}
