// Frame refs are plain names made here (`<videoId slug>.<random hex>`), never paths: a ref from a
// message is validated before it touches the filesystem, so `../x`, `/etc/passwd` or `a/b` are
// refused instead of resolved.
import { randomBytes } from 'node:crypto';

const refPattern = /^[A-Za-z0-9_-]{1,64}\.[0-9a-f]{16}$/;

export function newRef(videoId: string): string {
  const slug = videoId.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64) || 'video';
  return `${slug}.${randomBytes(8).toString('hex')}`;
}

export function isValidRef(ref: unknown): boolean {
  return typeof ref === 'string' && refPattern.test(ref);
}
