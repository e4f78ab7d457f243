/**
 * `--controllers`, with kube-controller-manager's syntax and meaning: a comma-separated list
 * where `*` enables every controller that is on by default, `foo` enables foo and `-foo`
 * disables it; the first entry naming a controller decides (`foo,-foo` enables foo); without
 * `*`, only the controllers named are enabled. A name that is no controller stops start-up
 * (exit 2), with kube-controller-manager's message.
 */
import { KubetlsError } from '../errors/index.js';

export interface Selectable {
  name: string;
  enabledByDefault: boolean;
}

export function parseControllersFlag(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** The controllers the flag enables, in registry order; throws BadFlag for an unknown name. */
export function selectControllers<T extends Selectable>(known: readonly T[], flag: readonly string[]): T[] {
  const names = new Set(known.map((c) => c.name));
  for (const entry of flag) {
    const name = entry.startsWith('-') ? entry.slice(1) : entry;
    if (entry !== '*' && !names.has(name))
      throw new KubetlsError(
        'BadFlag',
        `--controllers: "${name}" is not in the list of known controllers`,
        `known controllers: ${[...names].join(', ')}`,
      );
  }
  const star = flag.includes('*');
  return known.filter((c) => {
    for (const entry of flag) {
      if (entry === c.name) return true;
      if (entry === `-${c.name}`) return false;
    }
    return star && c.enabledByDefault;
  });
}
