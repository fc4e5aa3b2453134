// Node.js only (subpath @xsb/sandbox/node): a sandbox kept in a folder, as a journal file that
// grows as it runs and a snapshot written when the host saves; and a module host confined to a
// folder (folder-modules.ts).
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type RestoreReport, readJournal } from '@xsb/journal';
import { FileSink } from '@xsb/journal/node';
import { SandboxOptionsError } from './errors.js';
import { quote } from './plugin.js';
import { createSandbox, restoreSandbox, type Sandbox, type SandboxOptions } from './sandbox.js';

export { FileSink, type FileSinkOptions, readJournalFile } from '@xsb/journal/node';
export { type FolderModuleHostOptions, folderModuleHost } from './folder-modules.js';

export interface SandboxFolderOptions extends Omit<SandboxOptions, 'journal'> {
  /** fsync the journal after every entry: survives a power cut, not only a crashed process. */
  readonly fsync?: boolean;
  /** Called as a restore replays the journal. */
  readonly onProgress?: (replayed: number, total: number) => void;
}

/** A sandbox kept in a folder (see openSandboxFolder). */
export interface SandboxFolder extends Disposable {
  readonly sandbox: Sandbox;
  /** How the sandbox came back from the folder; undefined when it was created new. */
  readonly report: RestoreReport | undefined;
  /** The folder's files. */
  readonly files: { readonly journal: string; readonly snapshot: string };
  /** Writes a snapshot (whole or not at all): the next open replays only the journal after it. */
  save(): void;
  /** Disposes of the sandbox and closes the journal. */
  close(): void;
}

/**
 * Opens the sandbox kept in `path`: restores it from `snapshot` and `journal` there (limits and
 * seed come from the journal; plugins and endowments must be the same), or creates it when the
 * folder has no journal yet. Everything the sandbox does is appended to the journal as it
 * happens; a torn last entry (a crash mid-write) is cut off.
 */
export function openSandboxFolder(path: string, options: SandboxFolderOptions): SandboxFolder {
  if (typeof path !== 'string' || path === '') {
    throw new SandboxOptionsError([`the folder is ${quote(path)}; expected a path`]);
  }
  mkdirSync(path, { recursive: true });
  const files = { journal: join(path, 'journal'), snapshot: join(path, 'snapshot') };
  const { fsync = false, onProgress, ...sandboxOptions } = options;
  let sink: FileSink;
  let sandbox: Sandbox;
  let report: RestoreReport | undefined;
  if (existsSync(files.journal)) {
    const journal = new Uint8Array(readFileSync(files.journal));
    const snapshot = existsSync(files.snapshot) ? new Uint8Array(readFileSync(files.snapshot)) : undefined;
    // appends go after the last complete exchange: a torn entry or an unfinished call is cut off
    sink = new FileSink(files.journal, { fsync, resumeAt: readJournal(journal).resumeAt });
    try {
      ({ sandbox, report } = restoreSandbox({
        ...sandboxOptions,
        journal,
        sink,
        ...(snapshot ? { snapshot } : {}),
        ...(onProgress ? { onProgress } : {}),
      }));
    } catch (error) {
      sink.close();
      throw error;
    }
  } else {
    sink = new FileSink(files.journal, { fsync });
    try {
      sandbox = createSandbox({ ...sandboxOptions, journal: sink });
    } catch (error) {
      sink.close();
      throw error;
    }
  }
  const close = () => {
    sandbox.dispose();
    sink.close();
  };
  return Object.freeze({
    sandbox,
    report,
    files,
    save() {
      const bytes = sandbox.snapshot();
      const partial = `${files.snapshot}.partial`;
      writeFileSync(partial, bytes);
      renameSync(partial, files.snapshot);
    },
    close,
    [Symbol.dispose]: close,
  });
}
