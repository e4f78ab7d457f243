/**
 * A parser for Go's `flag` package syntax, which cfssl and cfssljson use: single- or
 * double-dash long names (`-ca-key x`, `--ca-key=x`), boolean flags that never take the
 * next argument (`-initca`, `-bare=false`), and parsing that stops at the first non-flag
 * argument, "-" or "--". Mainstream parsers would read `-ca-key` as `-c -a -…`.
 */
import { KubetlsError } from '../errors/index.js';

export type FlagKind = 'string' | 'bool' | 'int';
export interface FlagSpec {
  kind: FlagKind;
  usage: string;
  /** set for a flag of the real tool that kubetls parses but refuses: why it is not supported */
  unsupported?: string;
}

export interface ParsedFlags {
  values: Map<string, string | boolean | number>;
  args: string[];
  /** -h, -help or --help was given (and is not a flag of the set): print the help, exit 0 */
  help: boolean;
}

export function parseGoFlags(argv: readonly string[], specs: Readonly<Record<string, FlagSpec>>): ParsedFlags {
  const values = new Map<string, string | boolean | number>();
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      i++;
      break;
    }
    if (a.length < 2 || a[0] !== '-') break;
    let body = a.slice(a[1] === '-' ? 2 : 1);
    if (body === '' || body[0] === '-' || body[0] === '=') throw new KubetlsError('BadFlag', `bad flag syntax: ${a}`);
    let value: string | undefined;
    const eq = body.indexOf('=');
    if (eq >= 0) {
      value = body.slice(eq + 1);
      body = body.slice(0, eq);
    }
    const spec = Object.hasOwn(specs, body) ? specs[body] : undefined;
    // Go's flag package answers an undefined -h or -help with the usage, and status 0
    if (!spec && (body === 'h' || body === 'help')) return { values, args: argv.slice(i + 1), help: true };
    if (!spec) throw new KubetlsError('BadFlag', `flag provided but not defined: -${body}`);
    if (spec.kind === 'bool') {
      if (value === undefined) values.set(body, true);
      else if (/^(1|t|T|true|TRUE|True)$/.test(value)) values.set(body, true);
      else if (/^(0|f|F|false|FALSE|False)$/.test(value)) values.set(body, false);
      else throw new KubetlsError('BadFlag', `invalid boolean value "${value}" for -${body}`);
      continue;
    }
    if (value === undefined) {
      if (i + 1 >= argv.length) throw new KubetlsError('BadFlag', `flag needs an argument: -${body}`);
      value = argv[++i]!;
    }
    if (spec.kind === 'int') {
      if (!/^-?\d{1,9}$/.test(value))
        throw new KubetlsError('BadFlag', `invalid value "${value}" for flag -${body}: not an integer`);
      values.set(body, Number(value));
    } else values.set(body, value);
  }
  return { values, args: argv.slice(i), help: false };
}

export function flagHelp(specs: Readonly<Record<string, FlagSpec>>): string {
  return Object.entries(specs)
    .map(([n, s]) => `  -${n}${s.kind === 'string' ? ' string' : s.kind === 'int' ? ' int' : ''}\n    \t${s.usage}`)
    .join('\n');
}
