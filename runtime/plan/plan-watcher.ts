// Watches the mounted runtime file for a re-plan (the only file-watching code of the runtime).
// Kubernetes updates a ConfigMap volume atomically: it writes the new files into a fresh
// timestamped directory and swaps the `..data` symlink, so the file's own inode never changes and a
// watch on the file misses the update. The watcher therefore watches the directory, and also
// polls (a missed or coalesced event, or a file system without events, costs at most one poll
// period). It hands on each distinct parsed content once; a file that does not parse is reported
// and the running settings stay.
import { type FSWatcher, readFileSync, watch } from 'node:fs';
import { dirname } from 'node:path';
import type { RuntimeFile } from '../../contract/runtime-file.ts';
import { parseRuntimeFile } from './runtime-file-text.ts';

export interface PlanWatcherOptions {
  path: string;
  /** The content the process started with: only a different one is reported. */
  initialText: string;
  onFile(file: RuntimeFile): void | Promise<void>;
  onError(error: Error): void;
  /** Poll period, ms (default 2000). */
  pollMs?: number;
  /** Quiet time after an event before reading, ms (default 100): a swap raises several events. */
  settleMs?: number;
}

export interface PlanWatcher {
  /** Reads the file now (a test, or a signal) and reports it if it changed. */
  check(): Promise<void>;
  close(): void;
}

export function watchRuntimeFile(options: PlanWatcherOptions): PlanWatcher {
  let lastText = options.initialText;
  let chain: Promise<void> = Promise.resolve();
  let settle: NodeJS.Timeout | undefined;
  let closed = false;

  const read = async () => {
    if (closed) return;
    let text: string;
    try {
      text = readFileSync(options.path, 'utf8');
    } catch (error) {
      // Between the two renames of a swap the file can be missing for an instant: the next
      // event or poll reads it.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      options.onError(error as Error);
      return;
    }
    if (text === lastText) return;
    lastText = text;
    let file: RuntimeFile;
    try {
      file = parseRuntimeFile(text, options.path);
    } catch (error) {
      options.onError(error as Error);
      return;
    }
    try {
      await options.onFile(file);
    } catch (error) {
      options.onError(error as Error);
    }
  };
  const check = () => {
    chain = chain.then(read);
    return chain;
  };

  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dirname(options.path), () => {
      clearTimeout(settle);
      settle = setTimeout(() => void check(), options.settleMs ?? 100);
    });
    watcher.on('error', (error) => options.onError(error));
  } catch (error) {
    options.onError(
      new Error(`cannot watch ${dirname(options.path)} (polling only): ${(error as Error).message}`),
    );
  }
  const poll = setInterval(() => void check(), options.pollMs ?? 2000);
  poll.unref();
  return {
    check,
    close() {
      closed = true;
      clearTimeout(settle);
      clearInterval(poll);
      watcher?.close();
    },
  };
}
