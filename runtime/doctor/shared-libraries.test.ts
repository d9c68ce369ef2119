import assert from 'node:assert/strict';
import { test } from 'node:test';
import { libraryFinder, parseLdconfig, parseLdd } from './shared-libraries.ts';

test('ldd output: resolved paths and "not found"', () => {
  const text = [
    '\tlinux-vdso.so.1 (0x00007ffd)',
    '\tlibcublasLt.so.13 => /opt/vpo/cuda/lib/libcublasLt.so.13 (0x00007f11)',
    '\tlibcuda.so.1 => not found',
    '\t/lib64/ld-linux-x86-64.so.2 (0x00007f22)',
  ].join('\n');
  assert.deepEqual(parseLdd(text), [
    { soname: 'libcublasLt.so.13', path: '/opt/vpo/cuda/lib/libcublasLt.so.13' },
    { soname: 'libcuda.so.1' },
  ]);
});

test('ldconfig -p: soname to path, the x86-64 entry preferred', () => {
  const text = [
    '123 libs found in cache `/etc/ld.so.cache`',
    '\tlibz.so.1 (libc6) => /usr/lib/i386-linux-gnu/libz.so.1',
    '\tlibz.so.1 (libc6,x86-64) => /lib/x86_64-linux-gnu/libz.so.1',
  ].join('\n');
  assert.equal(parseLdconfig(text).get('libz.so.1'), '/lib/x86_64-linux-gnu/libz.so.1');
});

test('finding by soname: LD_LIBRARY_PATH first, then the system', () => {
  const find = libraryFinder('/nonexistent:/also-not');
  assert.match(find('libc.so.6') ?? '', /libc\.so\.6$/);
  assert.equal(find('libdefinitely-not-here.so.42'), undefined);
});
