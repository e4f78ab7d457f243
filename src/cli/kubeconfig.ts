import type { Command } from 'commander';

export function registerKubeconfig(_program: Command): void {}
