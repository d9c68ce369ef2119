// `file://` sources are read in place (no copy): only regular files, size checked up front, and
// only under the configured roots (a pod never reads its own files for a caller: file:// is for
// local runs, `vpo run --videos DIR`). Symlinks are resolved before the root check.
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { IngestError } from './errors.ts';

export interface LocalVideo {
  path: string;
  bytes: number;
}

/**
 * `roots`: directories (or files) file:// URIs may name; undefined = anywhere (library use and
 * tests), empty = nowhere. Outside the roots the answer does not depend on whether the path
 * exists, so a caller cannot probe the pod's filesystem.
 */
export async function openFileVideo(
  url: URL,
  maxVideoBytes: number,
  roots?: readonly string[],
): Promise<LocalVideo> {
  if (roots && roots.length === 0)
    throw new IngestError('SchemeNotAllowed', 'file:// is not allowed here: no file root is configured');
  if (url.host !== '' && url.host !== 'localhost') {
    throw new IngestError('SchemeNotAllowed', `file URI with a remote host (${url.host}) is not supported`);
  }
  let file: string;
  try {
    file = path.resolve(fileURLToPath(url));
  } catch (err) {
    throw new IngestError('InvalidMessage', `invalid file URI: ${url.href}`, { cause: err });
  }
  const outside = () =>
    new IngestError('SchemeNotAllowed', 'file:// is allowed only under the configured file roots');
  if (roots && !roots.some((root) => within(file, path.resolve(root)))) throw outside();
  const missing = (err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR')
      throw new IngestError('NotFound', `${file} does not exist`);
    throw new IngestError('FetchFailed', `cannot read ${file}: ${err.code ?? err.message}`, { cause: err });
  };
  if (roots) {
    // A symlink inside a root must not lead outside it.
    const real = await realpath(file).catch(missing);
    const realRoots = await Promise.all(roots.map((r) => realpath(r).catch(() => path.resolve(r))));
    if (!realRoots.some((root) => within(real, root))) throw outside();
  }
  const info = await stat(file).catch(missing);
  // Devices, FIFOs and directories are refused: /dev/zero is an endless "video".
  if (!info.isFile()) throw new IngestError('NotAVideo', `${file} is not a regular file`);
  if (info.size === 0) throw new IngestError('EmptyVideo', `${file} is empty`);
  if (info.size > maxVideoBytes) {
    throw new IngestError('TooLarge', `${file} is ${info.size} bytes > maxVideoBytes ${maxVideoBytes}`);
  }
  return { path: file, bytes: info.size };
}

function within(file: string, root: string): boolean {
  const relative = path.relative(root, file);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}
