/** mkfifo through the real tool (Node has no mkfifo); false where it is missing. */
import { spawnSync } from 'node:child_process';

export function mkfifoSync(path: string): boolean {
  return spawnSync('mkfifo', [path]).status === 0;
}
