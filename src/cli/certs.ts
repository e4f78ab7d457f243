import type { Command } from 'commander';

export function registerCerts(_program: Command): void {}
