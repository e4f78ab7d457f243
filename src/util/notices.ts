/**
 * What a library call did that its user must hear about even when it succeeded: today, a
 * file kept as a backup before being replaced. The library cannot print (a server embeds
 * it), and threading a callback through every writer would reach into every command, so
 * the CLI registers one listener at start (one stderr line per backup) and the writers
 * report here. Library callers also get the backups in BatchResult.backups.
 */

export type BackupListener = (path: string, backup: string) => void;

let listener: BackupListener | undefined;

/** Sets (or with undefined, removes) the one listener told about every backup. */
export function setBackupListener(fn: BackupListener | undefined): void {
  listener = fn;
}

/** Called by the writers when `path` was copied to `backup` before being replaced. */
export function announceBackup(path: string, backup: string): void {
  listener?.(path, backup);
}
