/**
 * Builds the request authenticator from the server's flags, in kube-apiserver's order:
 * client certificates (`--client-ca-file`, with `--client-crl-file` / `--client-deny-list`
 * revocation), bearer tokens (`--token-auth-file`, then bootstrap tokens when
 * `--enable-bootstrap-token-auth`), then anonymous (`--anonymous-auth`). No HTTP here: the
 * core extracts RequestCredentials from the TLS socket and the Authorization header.
 */
import { KubetlsError } from '../../errors/index.js';
import type { ParsedCertificate } from '../../pki/certparse.js';
import type { Clock } from '../../pki/clock.js';
import { readFileBounded } from '../../util/read.js';
import type { Log, Timers } from '../../util/reloadable.js';
import type { Authenticator } from '../resource.js';
import { AnonymousAuthenticator } from './anonymous.js';
import { BearerTokenAuthenticator } from './bearer.js';
import { BootstrapTokenAuthenticator, type SecretLookup } from './bootstrap.js';
import { openRevocationFiles, type RevocationFiles, type StaleCrlPolicy } from './revocation.js';
import { MAX_TOKEN_FILE_BYTES, parseTokenFile, TokenFileAuthenticator } from './tokenfile.js';
import { UnionAuthenticator } from './union.js';
import { ClientCertificateAuthenticator } from './x509.js';

export interface AuthenticationConfig {
  /** `--client-ca-file` contents; no client-certificate authentication without it */
  clientCAs?: readonly ParsedCertificate[] | undefined;
  clientCrlFile?: string | undefined;
  clientDenyListFile?: string | undefined;
  /** what a CRL past its nextUpdate means; default 'refuse' (see revocation.ts) */
  staleCrl?: StaleCrlPolicy;
  /** `--token-auth-file` */
  tokenAuthFile?: string | undefined;
  /** set (backed by the store) when `--enable-bootstrap-token-auth` */
  bootstrapTokenSecrets?: SecretLookup | undefined;
  /** `--anonymous-auth`; `{ paths }` restricts it to exact paths (e.g. ANONYMOUS_PATHS) */
  anonymous?: boolean | { paths?: readonly string[] };
  clock?: Clock;
  log?: Log;
  timers?: Timers;
  /** revocation files' poll period; default 1 s */
  reloadIntervalMs?: number;
}

export interface RequestAuthentication {
  authenticator: Authenticator;
  /**
   * the bearer-token authenticators alone (what TokenReview asks: src/api/authn/tokenreview.ts),
   * with no token authenticator configured one that refuses every token
   */
  tokens: Authenticator;
  /** present with clientCAs; setClientCAs() swaps the bundle */
  clientCertificates: ClientCertificateAuthenticator | undefined;
  revocation: RevocationFiles | undefined;
  /** token file warnings (empty or duplicate tokens) for the start-up log */
  warnings: string[];
  /** stops the revocation files' polling */
  close(): void;
}

/** Throws (a KubetlsError naming the file) when a configured file is missing or invalid. */
export async function createRequestAuthentication(cfg: AuthenticationConfig): Promise<RequestAuthentication> {
  const authenticators: Authenticator[] = [];
  const warnings: string[] = [];
  let revocation: RevocationFiles | undefined;
  let x509: ClientCertificateAuthenticator | undefined;
  if ((cfg.clientCrlFile || cfg.clientDenyListFile) && !cfg.clientCAs?.length)
    throw new KubetlsError(
      'MissingFlag',
      'client certificate revocation (--client-crl-file, --client-deny-list) needs --client-ca-file',
    );
  if (cfg.clientCAs?.length) {
    if (cfg.clientCrlFile || cfg.clientDenyListFile) {
      revocation = await openRevocationFiles({
        clientCAs: cfg.clientCAs,
        crlFile: cfg.clientCrlFile,
        denyListFile: cfg.clientDenyListFile,
        ...(cfg.staleCrl ? { staleCrl: cfg.staleCrl } : {}),
        ...(cfg.clock ? { clock: cfg.clock } : {}),
        ...(cfg.log ? { log: cfg.log } : {}),
        ...(cfg.timers ? { timers: cfg.timers } : {}),
        ...(cfg.reloadIntervalMs !== undefined ? { intervalMs: cfg.reloadIntervalMs } : {}),
      });
    }
    x509 = new ClientCertificateAuthenticator({
      clientCAs: cfg.clientCAs,
      revocation: revocation?.checker,
      ...(cfg.clock ? { clock: cfg.clock } : {}),
    });
    authenticators.push(x509);
  }
  const tokens: Authenticator[] = [];
  if (cfg.tokenAuthFile) {
    try {
      const file = parseTokenFile(readFileBounded(cfg.tokenAuthFile, MAX_TOKEN_FILE_BYTES), cfg.tokenAuthFile);
      warnings.push(...file.warnings);
      tokens.push(new TokenFileAuthenticator(file));
    } catch (e) {
      revocation?.close();
      throw e;
    }
  }
  if (cfg.bootstrapTokenSecrets)
    tokens.push(
      new BootstrapTokenAuthenticator({
        secrets: cfg.bootstrapTokenSecrets,
        ...(cfg.clock ? { clock: cfg.clock } : {}),
      }),
    );
  const bearer = new BearerTokenAuthenticator(tokens);
  if (tokens.length) authenticators.push(bearer);
  const anon = cfg.anonymous;
  const anonymous = anon
    ? new AnonymousAuthenticator(typeof anon === 'object' && anon.paths ? { paths: anon.paths } : {})
    : undefined;
  return {
    authenticator: new UnionAuthenticator(authenticators, anonymous),
    tokens: bearer,
    clientCertificates: x509,
    revocation,
    warnings,
    close: () => revocation?.close(),
  };
}
