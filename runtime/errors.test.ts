import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEAD_LETTER_REASONS } from '../contract/dead-letter-reasons.ts';
import { RuntimeError } from './errors.ts';
import { reasonOf } from './executor/dead-letters.ts';
import { FrameStoreError } from './framestore/framestore.ts';
import { ModelLoadError, StageError } from './inference/errors.ts';
import { IngestError } from './ingest/errors.ts';

test('every runtime failure carries a typed reason, retriable and its cause', () => {
  const cause = new Error('socket hang up');
  const failures = [
    new IngestError('FetchFailed', 'fetch', { cause }),
    new IngestError('NotAVideo', 'not a video', { cause }),
    new StageError('InferenceFailed', 'run', { cause, retriable: true }),
    new FrameStoreError('RefNotFound', 'gone', { cause }),
    new ModelLoadError('no file', { cause }),
  ];
  for (const f of failures) {
    assert.ok(f instanceof RuntimeError, f.name);
    assert.equal(f.cause, cause, f.name);
  }
  assert.deepEqual(
    failures.map((f) => [f.reason, f.retriable]),
    [
      ['FetchFailed', true],
      ['NotAVideo', false],
      ['InferenceFailed', true],
      ['RefNotFound', false],
      ['ModelUnavailable', false],
    ],
  );
  assert.equal(new FrameStoreError('Corrupt', 'x').code, 'Corrupt');
});

test('a dead letter takes the failure reason when it is a dead-letter reason, else the fallback', () => {
  assert.equal(reasonOf(new FrameStoreError('RefNotFound', 'gone'), 'InferenceFailed'), 'RefNotFound');
  // Errors from worker threads arrive as plain objects: read by shape.
  assert.equal(reasonOf({ reason: 'InputMismatch', message: 'shape' }, 'InferenceFailed'), 'InputMismatch');
  assert.equal(reasonOf({ reason: 'SomethingElse' }, 'InferenceFailed'), 'InferenceFailed');
  assert.equal(reasonOf(new ModelLoadError('no file'), 'InferenceFailed'), 'InferenceFailed');
  assert.equal(reasonOf('text', 'DecodeFailed'), 'DecodeFailed');
  for (const r of DEAD_LETTER_REASONS) assert.match(r, /^[A-Z][A-Za-z]*$/);
});
