/** The commander program: one register function per command group file. */
import { Command } from 'commander';
import { escapeControls } from '../util/sanitize.js';
import { registerInit } from './init.js';
import { registerCerts } from './certs.js';
import { registerKubeconfig } from './kubeconfig.js';
import { registerAudit } from './audit.js';
import { registerServe } from './serve.js';
import { registerControllerManager } from './controllermanager.js';

export function buildProgram(): Command {
  const program = new Command('kubetls')
    .description(
      'Every TLS job of a Kubernetes cluster: PKI, kubeconfigs, expiry, renewal, cfssl-compatible signing, audit',
    )
    .version('0.1.0')
    // a usage error is one line that says where the usage is, not the error followed by a screenful of help
    // (commander quotes the argument it refused: escaped like every other error line)
    .configureOutput({ outputError: (text, write) => write(`${escapeControls(text.trimEnd())} (see --help)\n`) })
    // throw instead of exiting, so main() maps usage errors to exit code 2 (before commands: settings are inherited)
    .exitOverride()
    .addHelpText(
      'after',
      '\ncfssl-compatible commands: kubetls cfssl <genkey|gencert|gencsr|sign|certinfo|selfsign|gencrl|print-defaults|serve>, kubetls cfssljson',
    );
  registerInit(program);
  registerCerts(program);
  registerKubeconfig(program);
  registerAudit(program);
  registerServe(program);
  registerControllerManager(program);
  return program;
}
