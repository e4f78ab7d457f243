/**
 * `probe`: live checks of TLS endpoints the way Kubernetes components are meant to be
 * reached. For each endpoint, in order: a handshake (reachability, negotiated version and
 * cipher, certificate chain), TLS 1.0 and 1.1 attempts that must be refused, chain
 * validation against the given CA, hostname/IP match, EKU serverAuth, expiry, a request
 * without a client certificate (must be refused), a plaintext HTTP request (must not be
 * served) and, with client credentials, an authenticated request (must succeed).
 * Endpoints run concurrently up to a bound; checks within one endpoint run one after the
 * other, so single-threaded servers (openssl s_server) are not overwhelmed.
 */
import { checkServerIdentity } from 'node:tls';
import { parseCertificate, systemClock, type Clock, type ParsedCertificate } from '../pki/index.js';
import { CHECKS, type CheckName } from './checks.js';
import { parseEndpoint, type Endpoint } from './endpoint.js';
import { expiryResult, Findings, summarize, type FindingInit, type Report } from './finding.js';
import { presetFor } from './presets.js';
import {
  handshake,
  httpsGet,
  plaintextGet,
  type HandshakeOk,
  type NetFailure,
  type TlsCredentials,
} from './tlsclient.js';
import { Timings } from './timings.js';

export interface ProbeOptions {
  /** `host:port`, `[v6]:port` or `https://host:port` */
  endpoints: readonly string[];
  /** PEM of the CA bundle to validate server chains against */
  ca?: string | Buffer;
  /** PEM client certificate and key for the authenticated-request check */
  cert?: string | Buffer;
  key?: string | Buffer;
  /** name to verify (and send as SNI) instead of the endpoint host */
  serverName?: string;
  /** per connection attempt; default 3000 ms */
  timeoutMs?: number;
  /** extra attempts of the first handshake on timeouts/resets; default 1 */
  retries?: number;
  /** endpoints probed at once; default 8 */
  concurrency?: number;
  /** request path override (default: the preset's) */
  path?: string;
  clock?: Clock;
}

const REFUSED_VERSION =
  /protocol version|unsupported protocol|wrong version number|no protocols available|no ciphers available|no shared cipher|version too low|unsupported_protocol|inappropriate fallback/i;
const CLIENT_CERT_ALERT =
  /certificate required|bad certificate|peer did not return a certificate|CERTIFICATE_REQUIRED|BAD_CERTIFICATE/i;
const GO_HTTPS_REFUSAL = 'Client sent an HTTP request to an HTTPS server';

const describe = (f: NetFailure): string => `${f.code}: ${f.message}`;

/** Transient failures worth another attempt (a refused connection is an answer, not a glitch). */
const transient = (f: NetFailure): boolean =>
  f.stage === 'timeout' || f.code === 'ECONNRESET' || f.code === 'EAI_AGAIN';

async function withRetries<T extends { ok: boolean }>(
  retries: number,
  fn: () => Promise<T | NetFailure>,
): Promise<T | NetFailure> {
  let r = await fn();
  for (let i = 0; i < retries && !r.ok && transient(r as NetFailure); i++) {
    await new Promise((res) => setTimeout(res, 100 * (i + 1)));
    r = await fn();
  }
  return r;
}

const isAead = (cipher: string): boolean => /GCM|CHACHA20/i.test(cipher);

/** One endpoint's probe: where it goes, with which credentials, and where its findings go. */
interface EndpointProbe {
  ep: Endpoint;
  f: Findings;
  time: Timings;
  preset: ReturnType<typeof presetFor>;
  /** "<preset name> <host:port>": the COMPONENT column */
  component: string;
  timeoutMs: number;
  /** CA and server name only: what an anonymous client presents */
  creds: TlsCredentials;
  /** plus the client certificate and key when given */
  clientCreds: TlsCredentials;
  hasClientCert: boolean;
  path: string;
  now: Date;
}

type Handshake = HandshakeOk | NetFailure;

/**
 * The checks of one endpoint, one after the other. A closed port stops after the first; the
 * request and plaintext steps run even when the handshake failed (a non-TLS listener or one
 * that demands a client certificate still answers them).
 */
async function probeOne(ep: Endpoint, o: ProbeOptions, f: Findings, time: Timings): Promise<void> {
  const preset = presetFor(ep.port);
  const creds: TlsCredentials = {
    ...(o.ca ? { ca: o.ca } : {}),
    ...(o.serverName ? { servername: o.serverName } : {}),
  };
  const p: EndpointProbe = {
    ep,
    f,
    time,
    preset,
    component: `${preset.name} ${ep.label}`,
    timeoutMs: o.timeoutMs ?? 3000,
    creds,
    clientCreds: o.cert && o.key ? { ...creds, cert: o.cert, key: o.key } : creds,
    hasClientCert: !!(o.cert && o.key),
    path: o.path ?? preset.path,
    now: (o.clock ?? systemClock).now(),
  };
  const hs = await firstHandshake(p, o.retries ?? 1, !!o.cert);
  if (!hs.ok && hs.stage === 'tcp') return;
  if (hs.ok || (hs.stage === 'tls' && CLIENT_CERT_ALERT.test(hs.message))) await oldVersions(p);
  if (hs.ok) servedCertificate(p, hs, !!o.ca, o.serverName ?? ep.host);
  await withoutClientCertificate(p);
  await plaintext(p, hs.ok);
  await authenticated(p);
}

/** Times a step under its check's ID (the keys of `timings`: P-TLS, P-MTLS…). */
const timed = <T>(p: EndpointProbe, check: CheckName, fn: () => Promise<T>): Promise<T> =>
  p.time.async(CHECKS[check].id, fn);

/** A finding about this endpoint (its component and target filled in). */
function report(p: EndpointProbe, o: Omit<FindingInit, 'component' | 'target'>): void {
  p.f.add({ ...o, component: p.component, target: p.ep.label });
}

/**
 * 1. Handshake at Node's defaults (TLS 1.2-1.3), presenting the client certificate when we
 * have one so TLS 1.2 servers that demand it still show their certificate.
 */
async function firstHandshake(p: EndpointProbe, retries: number, certGiven: boolean): Promise<Handshake> {
  const check = 'probe.tls';
  const hs = await timed(p, check, () =>
    withRetries(retries, () => handshake(p.ep, { ...p.clientCreds, timeoutMs: p.timeoutMs })),
  );
  if (hs.ok) {
    const good = isAead(hs.cipher) && (hs.protocol === 'TLSv1.3' || /ECDHE/.test(hs.cipher));
    if (good) report(p, { check, result: 'PASS', evidence: `negotiated ${hs.protocol} ${hs.cipher}` });
    else
      report(p, {
        check,
        result: 'WARN',
        evidence: `negotiated ${hs.protocol} ${hs.cipher} (not ECDHE+AEAD)`,
        remediation: 'restrict --tls-cipher-suites to ECDHE with AES-GCM or ChaCha20',
      });
  } else if (hs.stage === 'tcp')
    report(p, {
      check,
      result: 'FAIL',
      evidence: `cannot connect: ${describe(hs)}`,
      remediation: 'check the address, that the component runs and listens there, and firewalls',
    });
  else if (hs.stage === 'timeout')
    report(p, {
      check,
      result: 'FAIL',
      evidence: `connected but ${hs.message}`,
      remediation: 'the port accepts TCP but does not complete a TLS handshake: check what listens there',
    });
  else if (CLIENT_CERT_ALERT.test(hs.message) && !certGiven)
    report(p, {
      check,
      result: 'WARN',
      evidence: `handshake refused without a client certificate (${describe(hs)}); server certificate not inspected`,
      remediation: 'pass --cert/--key to inspect the certificate of a TLS 1.2 server that demands client certificates',
    });
  else report(p, { check, result: 'FAIL', evidence: `TLS handshake failed: ${describe(hs)}` });
  return hs;
}

/**
 * 2. Old protocol versions. Node's client refuses TLS 1.0/1.1 by itself unless the version
 * is pinned and OpenSSL's security level lowered; without that the server would look safe
 * whatever it does.
 */
async function oldVersions(p: EndpointProbe): Promise<void> {
  for (const [check, v, label] of [
    ['probe.tls10', 'TLSv1', 'TLS 1.0'],
    ['probe.tls11', 'TLSv1.1', 'TLS 1.1'],
  ] as const) {
    const r = await timed(p, check, () =>
      handshake(p.ep, {
        ...p.clientCreds,
        minVersion: v,
        maxVersion: v,
        ciphers: 'DEFAULT@SECLEVEL=0',
        timeoutMs: p.timeoutMs,
      }),
    );
    if (r.ok) report(p, { check, result: 'FAIL', evidence: `${label} handshake completed (${r.cipher})` });
    else if (r.stage === 'tls' && CLIENT_CERT_ALERT.test(r.message))
      report(p, {
        check,
        result: 'FAIL',
        evidence: `${label} was negotiated; the server then asked for a client certificate (${describe(r)})`,
        remediation: 'set the minimum TLS version to 1.2',
      });
    else if (r.stage === 'tls' || r.stage === 'tcp') {
      const why = REFUSED_VERSION.test(r.message) ? 'refused' : 'handshake failed';
      report(p, { check, result: 'PASS', evidence: `${why}: ${describe(r)}` });
    } else
      report(p, {
        check,
        result: 'WARN',
        evidence: `inconclusive: ${describe(r)}`,
        remediation: 'retry with a longer --timeout',
      });
  }
}

/** 3. The certificate the endpoint serves: chain, name, usage, expiry. */
function servedCertificate(p: EndpointProbe, tls: HandshakeOk, caGiven: boolean, name: string): void {
  const leafDer = tls.chainDer[0];
  let leaf: ParsedCertificate | undefined;
  try {
    leaf = leafDer ? parseCertificate(leafDer) : undefined;
  } catch (e) {
    report(p, {
      check: 'probe.cert-parses',
      result: 'FAIL',
      evidence: `unparsable certificate: ${(e as Error).message}`,
    });
  }
  const issuer = `(issuer "${leaf?.issuerString ?? '?'}")`;
  if (!caGiven)
    report(p, {
      check: 'probe.chain',
      result: 'WARN',
      evidence: 'no --ca given: chain not validated',
      remediation: 'pass --ca with the CA bundle clients use (e.g. /etc/kubernetes/pki/ca.crt or etcd/ca.crt)',
    });
  else if (tls.authorized)
    report(p, {
      check: 'probe.chain',
      result: 'PASS',
      evidence: `chain of ${tls.chainDer.length} certificate(s) verified ${issuer}`,
    });
  else
    report(p, {
      check: 'probe.chain',
      result: 'FAIL',
      evidence: `not trusted: ${tls.authorizationError ?? 'unknown error'} ${issuer}`,
    });
  const idErr = checkServerIdentity(name, tls.peer);
  if (!idErr) report(p, { check: 'probe.name', result: 'PASS', evidence: `"${name}" is in the SANs` });
  else
    report(p, {
      check: 'probe.name',
      result: 'FAIL',
      evidence: idErr.message.slice(0, 300),
      remediation: `reissue the certificate with SAN ${name} (kubetls init/renew with the right SANs)`,
    });
  if (!leaf) return;
  const eku = leaf.extKeyUsage;
  if (eku.includes('serverAuth')) report(p, { check: 'probe.eku', result: 'PASS', evidence: `EKU: ${eku.join(', ')}` });
  else if (eku.length === 0)
    report(p, { check: 'probe.eku', result: 'WARN', evidence: 'no extendedKeyUsage extension (any usage)' });
  else report(p, { check: 'probe.eku', result: 'FAIL', evidence: `EKU: ${eku.join(', ')} (no serverAuth)` });
  const ex = expiryResult(leaf.notAfter, leaf.notBefore, p.now);
  report(p, { check: 'probe.expiry', result: ex.result, evidence: `"${leaf.subjectString}" ${ex.evidence}` });
}

/**
 * 4. Access without a client certificate. Under TLS 1.3 the server's refusal arrives after
 * the handshake, so only a completed request proves access.
 */
async function withoutClientCertificate(p: EndpointProbe): Promise<void> {
  const check = 'probe.mtls';
  const r = await timed(p, check, () => httpsGet(p.ep, { ...p.creds, path: p.path, timeoutMs: p.timeoutMs }));
  if (!r.ok) {
    if (r.stage === 'timeout')
      report(p, {
        check,
        result: 'WARN',
        evidence: `inconclusive: ${r.message}`,
        remediation: 'retry with a longer --timeout',
      });
    else report(p, { check, result: 'PASS', evidence: `refused: ${describe(r)}` });
    return;
  }
  if (r.status === 401 || r.status === 403) {
    // etcd has no other authentication: it should refuse at the TLS layer already.
    const etcdLike = p.preset.tlsClientCert;
    report(p, {
      check,
      result: etcdLike ? 'WARN' : 'PASS',
      evidence: `TLS accepted without a client certificate; GET ${p.path} answered ${r.status}${etcdLike ? ' (this component should already refuse at the TLS handshake)' : ''}`,
      remediation: 'require client certificates at the TLS layer (etcd: --client-cert-auth=true)',
    });
  } else
    report(p, {
      check,
      result: 'FAIL',
      evidence: `GET ${p.path} without a client certificate answered HTTP ${r.status}`,
      ...(p.preset.name.startsWith('etcd')
        ? { remediation: 'set --client-cert-auth=true / --peer-client-cert-auth=true with --trusted-ca-file' }
        : {}),
    });
}

/** 5. Plaintext HTTP on the same port. */
async function plaintext(p: EndpointProbe, tlsOk: boolean): Promise<void> {
  const check = 'probe.plaintext';
  const answer = await timed(p, check, () => plaintextGet(p.ep, p.path, p.timeoutMs));
  const text = answer.data.toString('latin1');
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(text);
  if (status) {
    const code = Number(status[1]);
    if (code === 400 && text.includes(GO_HTTPS_REFUSAL))
      report(p, { check, result: 'PASS', evidence: `answered 400 "${GO_HTTPS_REFUSAL}" (Go's refusal)` });
    else if (code === 400 && !tlsOk)
      report(p, {
        check,
        result: 'FAIL',
        evidence: `plaintext HTTP server answered ${code} (and TLS failed)`,
        remediation: 'serve this port over TLS only',
      });
    else if (code === 400) report(p, { check, result: 'PASS', evidence: `answered HTTP 400 to plaintext (refusal)` });
    else report(p, { check, result: 'FAIL', evidence: `plaintext GET ${p.path} answered HTTP ${code}` });
  } else if (answer.data.length > 0) {
    const alert = answer.data[0] === 0x15 && answer.data[1] === 0x03;
    report(p, {
      check,
      result: 'PASS',
      evidence: alert ? 'answered with a TLS alert' : `no HTTP answer (${answer.data.length} non-HTTP byte(s))`,
    });
  } else
    report(p, {
      check,
      result: 'PASS',
      evidence: answer.failure ? `no answer: ${describe(answer.failure)}` : 'connection closed without an answer',
    });
}

/** 6. An authenticated request: any answer other than 401/403 counts as success. */
async function authenticated(p: EndpointProbe): Promise<void> {
  const check = 'probe.authn';
  if (!p.hasClientCert) {
    report(p, { check, result: 'SKIP', evidence: 'no --cert/--key given' });
    return;
  }
  const r = await timed(p, check, () => httpsGet(p.ep, { ...p.clientCreds, path: p.path, timeoutMs: p.timeoutMs }));
  if (r.ok)
    report(p, {
      check,
      result: r.status !== 401 && r.status !== 403 ? 'PASS' : 'FAIL',
      evidence: `GET ${p.path} with the client certificate answered HTTP ${r.status}`,
    });
  else
    report(p, {
      check,
      result: 'FAIL',
      evidence: `request with the client certificate failed: ${describe(r)}`,
      remediation: 'check the client certificate is issued by the CA the endpoint trusts and is not expired',
    });
}

/** Probes every endpoint (concurrently up to `concurrency`) and returns the findings in input order. */
export async function probe(o: ProbeOptions): Promise<Report> {
  const eps = o.endpoints.map(parseEndpoint);
  const per: Findings[] = eps.map(() => new Findings());
  const time = new Timings();
  const limit = Math.max(1, Math.min(o.concurrency ?? 8, 64));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < eps.length) {
      const i = next++;
      try {
        await probeOne(eps[i]!, o, per[i]!, time);
      } catch (e) {
        // A bug or an unforeseen error must not hide the other endpoints' results.
        per[i]!.fail({
          check: 'probe.completed',
          component: eps[i]!.label,
          evidence: `internal error: ${(e as Error).message}`,
          target: eps[i]!.label,
        });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, eps.length) }, worker));
  const findings = per.flatMap((p) => p.list);
  return { kind: 'probe', findings, summary: summarize(findings), timings: time.ms };
}
