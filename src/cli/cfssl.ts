/**
 * `kubetls cfssl …` and `kubetls cfssljson …`: cfssl's command lines (Go-style flags, JSON on
 * stdout, files or "-" for stdin). Parsing and output only; the logic is in src/cfssl/,
 * imported lazily so `kubetls` starts fast.
 */
import { dirname, resolve } from 'node:path';
import { stderrLine } from './output.js';
import type { FlagSpec } from '../cfssl/goflags.js';

const S = (usage: string): FlagSpec => ({ kind: 'string', usage });
const B = (usage: string): FlagSpec => ({ kind: 'bool', usage });
const I = (usage: string): FlagSpec => ({ kind: 'int', usage });
/**
 * A real cfssl flag kubetls does not implement. It is parsed (so the error is about what the
 * flag does, not "flag provided but not defined") and refused when given a value.
 */
const U = (usage: string, why: string): FlagSpec => ({ kind: 'string', usage, unsupported: why });
/** A flag of the remote signer client: `sign` and `gencert` take it, other commands refuse it. */
const R = (usage: string): FlagSpec => ({ kind: 'string', usage });
const REMOTE_FLAGS = ['remote', 'tls-remote-ca', 'mutual-tls-client-cert', 'mutual-tls-client-key'];
const REMOTE_COMMANDS = ['sign', 'gencert'];

/** cfssl shares one flag set across its commands; so does kubetls (a flag a command does not use is ignored, as in cfssl). */
const CFSSL_FLAGS: Record<string, FlagSpec> = {
  initca: B('initialise new CA'),
  renewca: B('re-generate a CA certificate from existing CA certificate/key'),
  ca: S('CA used to sign the new certificate'),
  'ca-key': S('CA private key'),
  config: S('path to configuration file'),
  profile: S('signing profile to use'),
  hostname: S('Hostname for the cert, could be a comma-separated hostname list'),
  label: S('key label to use in remote CFSSL server'),
  csr: S('Certificate Signature Request file'),
  cert: S('Client certificate that contains the public key'),
  key: S('private key for the certificate'),
  domain: S('remote server domain name (not supported by kubetls)'),
  remote: R('remote CFSSL server'),
  address: S('Address to bind'),
  port: I('Port to bind'),
  'tls-cert': S('Server certificate'),
  'tls-key': S('Server private key'),
  'mutual-tls-ca': S('Mutual TLS - require clients be signed by this CA'),
  'mutual-tls-cn': S('Mutual TLS - regex for whitelist of allowed client CNs'),
  // kubetls's earlier spelling, kept so existing scripts keep working
  'mutual-tls-cn-regex': S('alias of -mutual-tls-cn'),
  'min-tls-version': S('Minimum version of TLS to use: 1.2 (default) or 1.3 (also VersionTLS12, VersionTLS13)'),
  'tls-cipher-suites': S("kubetls: TLS 1.2 cipher suites for serve, comma-separated IANA names (default: Node's)"),
  'handshake-timeout': S('kubetls: serve closes a connection whose TLS handshake takes longer (default 10s)'),
  'header-timeout': S('kubetls: serve closes a connection whose request headers take longer (default 10s)'),
  'request-timeout': S('kubetls: serve closes a connection whose whole request takes longer (default 30s)'),
  'idle-timeout': S('kubetls: serve closes an idle keep-alive connection after this (default 60s)'),
  'shutdown-timeout': S('kubetls: on SIGTERM, serve lets in-flight requests finish for this long (default 5s)'),
  loglevel: I('Log level (0 = DEBUG, 5 = FATAL)'),
  'ca-bundle': U('path to root certificate store', 'kubetls has no bundler (the bundle endpoint and bundle option)'),
  'int-bundle': U(
    'path to intermediate certificate store',
    'kubetls has no bundler (the bundle endpoint and bundle option)',
  ),
  'int-dir': U('specify intermediates directory', 'kubetls has no bundler (the bundle endpoint and bundle option)'),
  metadata: U(
    'Metadata file for root certificate presence',
    'kubetls has no bundler (the bundle endpoint and bundle option)',
  ),
  responder: U('Certificate for OCSP responder', 'kubetls has no OCSP responder or ocspsign endpoint'),
  'responder-key': U(
    'private key for OCSP responder certificate',
    'kubetls has no OCSP responder or ocspsign endpoint',
  ),
  'db-config': U(
    'certificate db configuration file',
    'kubetls keeps no certificate database (revoke, crl and OCSP from a DB are not implemented)',
  ),
  'tls-remote-ca': R('CAs to trust for remote TLS requests'),
  'mutual-tls-client-cert': R('Mutual TLS - client certificate to call remote instance requiring client certs'),
  'mutual-tls-client-key': R('Mutual TLS - client key to call remote instance requiring client certs'),
  workers: I('kubetls: worker processes for serve (default: one per CPU)'),
  'tls-throwaway': B('kubetls: with no -tls-cert/-tls-key, serve with a throwaway certificate signed by -ca'),
};

const CFSSLJSON_FLAGS: Record<string, FlagSpec> = {
  bare: B('the response from CFSSL is not wrapped in the API standard response'),
  f: S('JSON input'),
  stdout: B('output the response instead of saving to a file'),
  version: B('print version and exit'),
};

const USAGE = `Usage: kubetls cfssl <command> [flags] [args]
Commands (cfssl-compatible):
  genkey [-initca] CSRJSON                 key + CSR (+ self-signed CA with -initca)
  gencert -initca CSRJSON                  new CA
  gencert -ca CA -ca-key KEY [-config C] [-profile P] [-hostname H] CSRJSON
  gencert -renewca -ca CA -ca-key KEY      re-issue a CA with the same key
  gencsr -key KEY CSRJSON                  CSR for an existing key
  sign -ca CA -ca-key KEY [-config C] [-profile P] [-hostname H] CSR [SUBJECT]
  sign -remote HOST:PORT [-tls-remote-ca CA] [-config C] [-profile P] [-label L] [-hostname H] CSR [SUBJECT]
  certinfo -cert FILE | -csr FILE
  selfsign [-config C] HOSTNAME CSRJSON
  gencrl SERIALS CA KEY [SECONDS]          base64 DER CRL
  print-defaults config|csr
  serve -ca CA -ca-key KEY [-config C] -tls-cert CRT -tls-key KEY [-address A] [-port P] [-mutual-tls-ca CA] [-mutual-tls-cn RE]
        [-min-tls-version 1.2|1.3] [-tls-cipher-suites LIST] [-handshake-timeout 10s] [-header-timeout 10s]
        [-request-timeout 30s] [-idle-timeout 60s] [-shutdown-timeout 5s] [-workers N]
Files may be "-" for stdin. Output is cfssl's JSON; pipe it to kubetls cfssljson -bare <base>.
`;

const LEVELS = ['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL', 'FATAL'];
let logLevel = 1;

/** cfssl's log line: "2006/01/02 15:04:05 [LEVEL] message" on stderr. */
export function log(level: number, msg: string): void {
  if (level < logLevel) return;
  const d = new Date();
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${d.getFullYear()}/${p(d.getMonth() + 1)}/${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
  stderrLine(`${stamp} [${LEVELS[level]}] ${msg}`);
}

let goJsonSync: (v: unknown) => string = JSON.stringify;

/** cfssl prints a map[string]string: keys sorted (callers pass them sorted), compact, Go escaping. */
function out(obj: Record<string, string>): void {
  process.stdout.write(goJsonSync(obj) + '\n');
}

/**
 * Runs one cfssl-family command line; resolves to its exit code, rejects with what failed
 * (run.ts prints it and exits 1, as cfssl does on every error).
 */
export async function run(tool: string, args: string[]): Promise<number> {
  const { parseGoFlags } = await import('../cfssl/goflags.js');
  goJsonSync = (await import('../cfssl/json.js')).goJson;
  if (tool === 'cfssljson') {
    const { values, args: rest, help } = parseGoFlags(args, CFSSLJSON_FLAGS);
    if (help) {
      const { flagHelp } = await import('../cfssl/goflags.js');
      process.stderr.write(`Usage of cfssljson:\n${flagHelp(CFSSLJSON_FLAGS)}\n`);
      return 0;
    }
    return await cfssljson(values, rest);
  }
  const [cmd, ...rest] = args;
  if (!cmd || cmd === '-h' || cmd === '-help' || cmd === '--help' || cmd === 'help') {
    process.stdout.write(USAGE);
    return cmd ? 0 : 1; // no command: cfssl prints its usage and exits 1
  }
  const { values, args: pos, help } = parseGoFlags(rest, CFSSL_FLAGS);
  if (help) {
    const { commandHelp } = await import('./cfsslhelp.js');
    const text = commandHelp(cmd, CFSSL_FLAGS);
    if (text === undefined) throw new Error(unknownCommand(cmd));
    process.stderr.write(text); // where cfssl prints a command's help, with status 0
    return 0;
  }
  const f = (n: string) => values.get(n) as string | undefined;
  const b = (n: string) => values.get(n) === true;
  logLevel = (values.get('loglevel') as number | undefined) ?? 1;
  for (const [name, spec] of Object.entries(CFSSL_FLAGS)) {
    if (spec.unsupported && f(name))
      throw new Error(`not supported by kubetls cfssl ${cmd}: -${name} (${spec.unsupported})`);
  }
  if (!REMOTE_COMMANDS.includes(cmd))
    for (const name of REMOTE_FLAGS)
      if (f(name))
        throw new Error(
          `not supported by kubetls cfssl ${cmd}: -${name} (kubetls cfssl signs through a remote only in sign and gencert)`,
        );
  switch (cmd) {
    case 'genkey':
      return await genkey(b('initca'), pos);
    case 'gencert':
      return await gencert(f, b, pos);
    case 'gencsr':
      return await gencsr(f, pos);
    case 'sign':
      return await sign(f, pos);
    case 'certinfo':
      return await certinfoCmd(f, pos);
    case 'selfsign':
      return await selfsignCmd(f, pos);
    case 'gencrl':
      return await gencrlCmd(pos);
    case 'print-defaults': {
      const { printDefaults } = await import('../cfssl/defaults.js');
      if (!pos[0]) throw new Error('print-defaults: which defaults? use "config" or "csr"');
      process.stdout.write(printDefaults(pos[0]));
      return 0;
    }
    case 'serve': {
      const { runServe } = await import('../cfssl/serve.js');
      return await runServe({
        address: f('address') ?? '127.0.0.1',
        port: (values.get('port') as number | undefined) ?? 8888,
        ca: f('ca'),
        caKey: f('ca-key'),
        config: f('config'),
        tlsCert: f('tls-cert'),
        tlsKey: f('tls-key'),
        mutualTlsCa: f('mutual-tls-ca'),
        mutualTlsCnRegex: mutualTlsCn(f),
        minTlsVersion: f('min-tls-version') ?? '1.2',
        tlsCipherSuites: f('tls-cipher-suites'),
        handshakeTimeout: f('handshake-timeout'),
        headerTimeout: f('header-timeout'),
        requestTimeout: f('request-timeout'),
        idleTimeout: f('idle-timeout'),
        shutdownTimeout: f('shutdown-timeout'),
        workers: values.get('workers') as number | undefined,
        throwaway: b('tls-throwaway'),
        logLevel,
      });
    }
    case 'version':
      process.stdout.write('Version: kubetls cfssl-compatible (cfssl 1.6 formats)\n');
      return 0;
    default:
      throw new Error(unknownCommand(cmd));
  }
}

const unknownCommand = (cmd: string): string =>
  `unknown command "${cmd}" (kubetls cfssl implements: genkey, gencert, gencsr, sign, certinfo, selfsign, gencrl, print-defaults, serve)`;

/** -mutual-tls-cn (cfssl's name) or its kubetls alias -mutual-tls-cn-regex; two different values are a mistake. */
function mutualTlsCn(f: (n: string) => string | undefined): string | undefined {
  const a = f('mutual-tls-cn');
  const b = f('mutual-tls-cn-regex');
  if (a !== undefined && b !== undefined && a !== b)
    throw new Error(
      '-mutual-tls-cn and -mutual-tls-cn-regex (its alias) give different regexes; use -mutual-tls-cn only',
    );
  return a ?? b;
}

/**
 * The signer of `sign` and `gencert`: the local CA (-ca, -ca-key, -config), or with -remote a
 * cfssl-compatible server, authenticated with the -profile's auth_key (or auth_remote.auth_key)
 * from -config when it has one, its TLS certificate checked against -tls-remote-ca.
 */
function openSigner(io: typeof import('../cfssl/inputs.js'), f: (n: string) => string | undefined) {
  const remote = f('remote');
  if (!remote) {
    const signer = io.loadSigner(f('ca'), f('ca-key'), f('config'));
    for (const w of signer.policy.warnings ?? []) log(2, w);
    return signer;
  }
  const tlsCa = f('tls-remote-ca');
  if (tlsCa) log(1, `Using trusted CA from tls-remote-ca: ${tlsCa}`);
  return io.loadRemoteSigner({
    remote,
    config: f('config'),
    profile: f('profile'),
    tlsRemoteCa: tlsCa,
    clientCert: f('mutual-tls-client-cert'),
    clientKey: f('mutual-tls-client-key'),
  });
}

function one(pos: string[], what: string): string {
  if (!pos[0]) throw new Error(`missing ${what} argument (a file, or - for stdin)`);
  return pos[0];
}

async function loadCsrJson(path: string) {
  const [{ parseCsrRequest }, { readInput }] = await Promise.all([
    import('../cfssl/csrjson.js'),
    import('../cfssl/inputs.js'),
  ]);
  return parseCsrRequest(readInput(path), path === '-' ? 'stdin' : path);
}

function warnNoHosts(hosts: string[] | undefined): void {
  if (!hosts || hosts.length === 0) {
    log(2, 'This certificate lacks a "hosts" field. This makes it unsuitable for websites.');
  }
}

async function genkey(initca: boolean, pos: string[]): Promise<number> {
  const req = await loadCsrJson(one(pos, 'CSRJSON'));
  const g = await import('../cfssl/genkey.js');
  log(1, `generating key: ${req.key.algo}-${req.key.size}`);
  if (initca) {
    const r = await g.initCa(req);
    out({ cert: r.certPem, csr: r.csrPem, key: r.keyPem });
  } else {
    const r = await g.generateKeyAndCsr(req);
    out({ csr: r.csrPem, key: r.keyPem });
  }
  return 0;
}

async function gencert(
  f: (n: string) => string | undefined,
  b: (n: string) => boolean,
  pos: string[],
): Promise<number> {
  const g = await import('../cfssl/genkey.js');
  const io = await import('../cfssl/inputs.js');
  if (b('renewca')) {
    const { parseCertificatesPem } = await import('../pki/index.js');
    if (!f('ca') || !f('ca-key')) throw new Error('-renewca needs -ca and -ca-key');
    const old = parseCertificatesPem(io.readInput(f('ca')!), f('ca'))[0]!;
    const r = g.renewCa(old, io.loadCaKey(f('ca-key')!));
    out({ cert: r.certPem });
    return 0;
  }
  const req = await loadCsrJson(one(pos, 'CSRJSON'));
  const hosts = io.splitHostnameFlag(f('hostname'));
  if (b('initca')) {
    log(1, 'generating a new CA key and certificate from CSR');
    const r = await g.initCa(hosts ? { ...req, hosts } : req);
    out({ cert: r.certPem, csr: r.csrPem, key: r.keyPem });
    return 0;
  }
  if (!f('ca') && !f('remote')) throw new Error('-ca: a CA is required (or -initca to create one, or -remote)');
  const signer = openSigner(io, f);
  const kc = await g.generateKeyAndCsr(req, hosts);
  const r = await signer.sign({ csr: kc.csrDer, hosts: hosts ?? req.hosts, profile: f('profile'), label: f('label') });
  for (const w of r.warnings) log(2, w);
  warnNoHosts(hosts ?? req.hosts);
  out({ cert: r.pem, csr: kc.csrPem, key: kc.keyPem });
  return 0;
}

async function gencsr(f: (n: string) => string | undefined, pos: string[]): Promise<number> {
  const io = await import('../cfssl/inputs.js');
  const g = await import('../cfssl/genkey.js');
  const { csrToPem } = await import('../pki/index.js');
  if (!f('key')) throw new Error('-key: the private key file is required');
  const req = await loadCsrJson(one(pos, 'CSRJSON'));
  const key = io.loadCaKey(f('key')!);
  out({ csr: csrToPem(g.csrFor(req, key, io.splitHostnameFlag(f('hostname')))) });
  return 0;
}

async function sign(f: (n: string) => string | undefined, pos: string[]): Promise<number> {
  const io = await import('../cfssl/inputs.js');
  const csrPath = f('csr') ?? one(pos, 'CSR');
  const subjPath = f('csr') ? pos[0] : pos[1];
  const signer = openSigner(io, f);
  let subject;
  if (subjPath) {
    const [{ parseSubjectOverride }, { parseJson }] = await Promise.all([
      import('../cfssl/csrjson.js'),
      import('../cfssl/json.js'),
    ]);
    subject = parseSubjectOverride(parseJson(io.readInput(subjPath), subjPath));
  }
  const csrBytes = io.readInput(csrPath);
  const r = await signer.sign({
    csr: csrBytes,
    hosts: io.splitHostnameFlag(f('hostname')),
    subject,
    profile: f('profile'),
    label: f('label'),
  });
  for (const w of r.warnings) log(2, w);
  // cfssl echoes the input file verbatim as "csr" (so cfssljson -bare also writes <base>.csr);
  // a DER request, which cfssl would refuse, is echoed as PEM so the field stays text
  const { csrToPem } = await import('../pki/index.js');
  out({ cert: r.pem, csr: csrBytes[0] === 0x30 ? csrToPem(csrBytes) : csrBytes.toString('utf8') });
  return 0;
}

async function certinfoCmd(f: (n: string) => string | undefined, pos: string[]): Promise<number> {
  const io = await import('../cfssl/inputs.js');
  const ci = await import('../cfssl/certinfo.js');
  const { goJsonIndent } = await import('../cfssl/json.js');
  const { parseCertificatesPem } = await import('../pki/index.js');
  if (f('cert')) {
    const c = parseCertificatesPem(io.readInput(f('cert')!), f('cert'))[0]!;
    process.stdout.write(goJsonIndent(ci.certinfo(c)) + '\n');
    return 0;
  }
  if (f('csr')) {
    const { readCsr } = await import('../signer/signer.js');
    process.stdout.write(goJsonIndent(ci.csrinfo(readCsr(io.readInput(f('csr')!)))) + '\n');
    return 0;
  }
  if (f('domain') || pos.length)
    throw new Error('certinfo: -domain (fetching a live certificate) is not supported; use -cert FILE or -csr FILE');
  throw new Error('certinfo: use -cert FILE or -csr FILE');
}

async function selfsignCmd(f: (n: string) => string | undefined, pos: string[]): Promise<number> {
  const io = await import('../cfssl/inputs.js');
  const g = await import('../cfssl/genkey.js');
  if (pos.length < 2) throw new Error('selfsign: usage: selfsign [-config C] HOSTNAME CSRJSON');
  const req = await loadCsrJson(pos[1]!);
  const policy = io.loadPolicy(f('config'));
  const r = await g.selfSign(req, io.splitHostnameFlag(pos[0]) ?? [], policy.default);
  process.stderr.write(
    '*** WARNING ***\n\nSelf-signed certificates are dangerous. Use this self-signed certificate at your own risk.\n\n',
  );
  out({ cert: r.certPem, csr: r.csrPem, key: r.keyPem });
  return 0;
}

async function gencrlCmd(pos: string[]): Promise<number> {
  if (pos.length < 3) throw new Error('gencrl: usage: gencrl SERIALS-FILE CA-CERT CA-KEY [EXPIRY-SECONDS]');
  const { generateCrlFromFiles } = await import('../cfssl/gencrl.js');
  process.stdout.write(generateCrlFromFiles(pos[0]!, pos[1]!, pos[2]!, pos[3]) + '\n');
  return 0;
}

async function cfssljson(values: Map<string, string | boolean | number>, rest: string[]): Promise<number> {
  if (values.get('version') === true) {
    process.stdout.write('Version: kubetls cfssljson-compatible\n');
    return 0;
  }
  const [{ cfssljsonOutputs, MAX_CFSSLJSON_INPUT }, io, { writeRecovering }] = await Promise.all([
    import('../cfssl/cfssljson.js'),
    import('../cfssl/inputs.js'),
    import('../cluster/recover.js'),
  ]);
  const input = (values.get('f') as string | undefined) ?? '-';
  const base = rest[0] ?? 'cert';
  const outs = cfssljsonOutputs(io.readInput(input, MAX_CFSSLJSON_INPUT), base, values.get('bare') === true);
  if (values.get('stdout') === true) {
    for (const o of outs)
      process.stdout.write((o.binary ? o.contents.toString('base64') : o.contents.toString()) + '\n');
    return 0;
  }
  // one journaled batch: the key, its certificate and the CSR land together or not at all, and a
  // run killed half-way is finished or undone by the next one writing there. Every file it
  // replaces with different content is backed up first and the backup announced (real
  // cfssljson overwrites silently: `-bare ca` over a CA lost the CA)
  const { recovered } = await writeRecovering(
    outs.map((o) => ({ path: o.name, data: o.contents, mode: o.mode, existing: 'backup', group: base })),
    dirname(resolve(base)),
  );
  for (const l of recovered) stderrLine(l);
  return 0;
}
