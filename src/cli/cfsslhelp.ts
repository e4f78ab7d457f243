/**
 * `kubetls cfssl <command> -h` (also -help, --help): the command's usage and the flags it
 * reads, in cfssl's layout and on its stream (stderr, exit status 0, as Go's flag package
 * does for -h). Only the flags kubetls implements for that command are listed.
 */
import type { FlagSpec } from '../cfssl/goflags.js';

interface CommandHelp {
  summary: string;
  usage: string[];
  args?: string[];
  flags: string[];
}

const HELP: Record<string, CommandHelp> = {
  genkey: {
    summary: 'a new private key and a CSR for it (with -initca: a self-signed CA instead)',
    usage: ['kubetls cfssl genkey [-initca] CSRJSON'],
    args: ["CSRJSON:    the request as JSON (cfssl's csr.json format), or - for stdin"],
    flags: ['initca', 'loglevel'],
  },
  gencert: {
    summary: 'a new key and a certificate signed by a CA (or, with -initca, a new CA)',
    usage: [
      'kubetls cfssl gencert -initca CSRJSON',
      'kubetls cfssl gencert -ca cert -ca-key key [-config config] [-profile profile] [-hostname hostname] CSRJSON',
      'kubetls cfssl gencert -renewca -ca cert -ca-key key',
    ],
    args: ["CSRJSON:    the request as JSON (cfssl's csr.json format), or - for stdin"],
    flags: ['initca', 'renewca', 'ca', 'ca-key', 'config', 'profile', 'hostname', 'label', 'loglevel'],
  },
  gencsr: {
    summary: 'a CSR for an existing private key',
    usage: ['kubetls cfssl gencsr -key key [-hostname hostname] CSRJSON'],
    args: ["CSRJSON:    the request as JSON (cfssl's csr.json format), or - for stdin"],
    flags: ['key', 'hostname', 'loglevel'],
  },
  sign: {
    summary: 'a certificate for a CSR, signed by a CA under a signing policy',
    usage: [
      'kubetls cfssl sign -ca cert -ca-key key [-config config] [-profile profile] [-hostname hostname] CSR [SUBJECT]',
    ],
    args: [
      'CSR:        the certificate request (PEM), or - for stdin; -csr takes precedence',
      "SUBJECT:    optional JSON file whose subject replaces the CSR's",
    ],
    flags: ['hostname', 'csr', 'ca', 'ca-key', 'config', 'profile', 'label', 'loglevel'],
  },
  certinfo: {
    summary: 'the contents of a certificate or CSR, as JSON',
    usage: ['kubetls cfssl certinfo -cert file', 'kubetls cfssl certinfo -csr file'],
    flags: ['cert', 'csr', 'loglevel'],
  },
  selfsign: {
    summary: 'a self-signed certificate for a host (for tests only)',
    usage: ['kubetls cfssl selfsign [-config config] HOSTNAME CSRJSON'],
    args: ['HOSTNAME:   comma-separated host names and IPs', 'CSRJSON:    the request as JSON, or - for stdin'],
    flags: ['config', 'loglevel'],
  },
  gencrl: {
    summary: 'a CRL revoking the listed serial numbers, printed as base64 DER',
    usage: ['kubetls cfssl gencrl SERIALS CA-CERT CA-KEY [EXPIRY-SECONDS]'],
    args: [
      'SERIALS:    file of decimal serial numbers, one per line',
      'EXPIRY-SECONDS: how long the CRL is valid (default 604800, 7 days)',
    ],
    flags: ['loglevel'],
  },
  'print-defaults': {
    summary: 'a default signing configuration or CSR request to start from',
    usage: ['kubetls cfssl print-defaults config|csr'],
    flags: ['loglevel'],
  },
  serve: {
    summary: "cfssl's signing API over HTTPS",
    usage: [
      'kubetls cfssl serve -ca cert -ca-key key [-config config] -tls-cert cert -tls-key key [-address address] [-port port]',
    ],
    flags: [
      'address',
      'port',
      'ca',
      'ca-key',
      'config',
      'tls-cert',
      'tls-key',
      'tls-throwaway',
      'mutual-tls-ca',
      'mutual-tls-cn',
      'mutual-tls-cn-regex',
      'min-tls-version',
      'workers',
      'loglevel',
    ],
  },
  version: { summary: 'the version', usage: ['kubetls cfssl version'], flags: [] },
};

/** Defaults as cfssl's help prints them (`-port=8888`); a string flag without one shows `=""`. */
const DEFAULTS: Record<string, string> = {
  address: '"127.0.0.1"',
  port: '8888',
  loglevel: '1',
  'min-tls-version': '"1.2"',
  workers: '0',
};

/** The help text of `cmd`, or undefined for a command kubetls does not have. */
export function commandHelp(cmd: string, specs: Readonly<Record<string, FlagSpec>>): string | undefined {
  const h = Object.hasOwn(HELP, cmd) ? HELP[cmd] : undefined;
  if (!h) return undefined;
  const indent = ' '.repeat(8);
  const lines = [`\tkubetls cfssl ${cmd} -- ${h.summary}`, '', `Usage of ${cmd}:`, ...h.usage.map((u) => indent + u)];
  if (h.args) lines.push('', 'Arguments:', ...h.args.map((a) => indent + a));
  lines.push('', 'Flags:');
  for (const name of h.flags) {
    const spec = specs[name];
    if (!spec) continue;
    const def = DEFAULTS[name] ?? (spec.kind === 'bool' ? 'false' : spec.kind === 'int' ? '0' : '""');
    lines.push(`  -${name}=${def}: ${spec.usage}`);
  }
  return lines.join('\n') + '\n';
}
