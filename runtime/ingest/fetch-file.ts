// `file://` sources are read in place (no copy): only regular files, size checked up front.
import { stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { IngestError } from './errors.ts';

export interface LocalVideo {
  path: string;
  bytes: number;
}

export async function openFileVideo(url: URL, maxVideoBytes: number): Promise<LocalVideo> {
  if (url.host !== '' && url.host !== 'localhost') {
    throw new IngestError('SchemeNotAllowed', `file URI with a remote host (${url.host}) is not supported`);
  }
  let path: string;
  try {
    path = fileURLToPath(url);
  } catch (err) {
    throw new IngestError('InvalidMessage', `invalid file URI: ${url.href}`, { cause: err });
  }
  const info = await stat(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR')
      throw new IngestError('NotFound', `${path} does not exist`);
    throw new IngestError('FetchFailed', `cannot read ${path}: ${err.code ?? err.message}`, { cause: err });
  });
  // Devices, FIFOs and directories are refused: /dev/zero is an endless "video".
  if (!info.isFile()) throw new IngestError('NotAVideo', `${path} is not a regular file`);
  if (info.size === 0) throw new IngestError('EmptyVideo', `${path} is empty`);
  if (info.size > maxVideoBytes) {
    throw new IngestError('TooLarge', `${path} is ${info.size} bytes > maxVideoBytes ${maxVideoBytes}`);
  }
  return { path, bytes: info.size };
}
