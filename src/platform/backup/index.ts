export { backupCommand, blobSummary, restoreCommand, type BackupCliContext } from './command.js';
export { runBackup, type BackupSource, type BackupSummary } from './backup.js';
export { runRestore, type RestoreSummary, type RestoreTarget } from './restore.js';
export { BackupError, readManifest, type BackupManifest } from './manifest.js';
export { progressFor, silentProgress, type Progress } from './progress.js';
