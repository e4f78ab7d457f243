/**
 * Before a command writes a tree, it finishes or undoes what an interrupted run left there
 * (util/journal.ts) and removes stray temp files, so it plans from a consistent tree; a
 * command that only reads reports an interrupted run instead (it must not write).
 */
import { existsSync } from 'node:fs';
import { writeBatch, type BatchResult, type BatchWrite } from '../util/files.js';
import { journalPath, recoverJournal, sweepTemps } from '../util/journal.js';

/** Recovers every journal in `journalDirs`, then sweeps the temps of `targets`; one line per thing done. */
export async function recoverTree(journalDirs: readonly string[], targets: readonly string[]): Promise<string[]> {
  const lines: string[] = [];
  for (const dir of new Set(journalDirs)) {
    const r = await recoverJournal(dir);
    if (!r) continue;
    const n = r.files.length;
    lines.push(
      r.committed
        ? `[recover] Finished the writes of an interrupted run (${r.journal}): ${n} file${n === 1 ? '' : 's'} moved into place${r.backups.length ? `; previous files kept as ${r.backups.join(', ')}` : ''}`
        : `[recover] Undid the writes of an interrupted run (${r.journal}): ${n} temporary file${n === 1 ? '' : 's'} removed`,
    );
  }
  const swept = sweepTemps(targets);
  if (swept.length)
    lines.push(
      `[recover] Removed ${swept.length} temporary file${swept.length === 1 ? '' : 's'} left by an interrupted run`,
    );
  return lines;
}

/** The journals of interrupted runs in `journalDirs` (for commands that must not write). */
export function pendingJournals(journalDirs: readonly string[]): string[] {
  return [...new Set(journalDirs)].map(journalPath).filter((p) => existsSync(p));
}

/** The warning for a pending journal, naming the way out. */
export const pendingWarning = (journal: string): string =>
  `an interrupted kubetls run left ${journal}: some files may be half-written until the interrupted command is run again (init, certs renew and certs generate-csr finish or undo it before anything else)`;

/**
 * A command that writes a few files outside a kubeadm tree (cfssljson's outputs, `kubeconfig
 * user --out`): first what an interrupted run left in `journalDir`, then `files` as one
 * journaled batch there. Returns the `[recover]` lines and what was written.
 */
export async function writeRecovering(
  files: readonly BatchWrite[],
  journalDir: string,
): Promise<{ recovered: string[]; result: BatchResult }> {
  const recovered = await recoverTree(
    [journalDir],
    files.map((f) => f.path),
  );
  return { recovered, result: await writeBatch(files, { journalDir }) };
}
