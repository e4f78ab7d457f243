/** Placeholder: `kubetls audit` and `kubetls probe` register here. */
import type { Command } from 'commander';

export function registerAudit(_program: Command): void {}
