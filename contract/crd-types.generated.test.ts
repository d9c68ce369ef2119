import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { Schema } from '../operator/api/crds.ts';
import { generatedPath, renderApiTypes } from '../scripts/gen-api-types.ts';

test('crd-types.generated.ts matches the CRDs (run `npm run gen:api` after changing crds/)', () => {
  assert.equal(readFileSync(generatedPath, 'utf8'), renderApiTypes());
});

test('the generator names list items singularly, emits enums, defaults and required fields', () => {
  const schema: Schema = {
    type: 'object',
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object' },
      spec: {
        type: 'object',
        required: ['stages'],
        properties: {
          stages: {
            type: 'array',
            items: {
              type: 'object',
              required: ['name'],
              properties: {
                name: { type: 'string', description: 'Stage name.' },
                mode: { type: 'string', enum: ['a', 'b'], default: 'a' },
              },
            },
          },
          tags: { type: 'object', additionalProperties: { type: 'string' } },
        },
      },
    },
  };
  const out = renderApiTypes([
    { file: 'x', group: 'g.dev', version: 'v1', kind: 'Thing', plural: 'things', schema },
  ]);
  assert.match(out, /export interface ThingStage \{\n {2}\/\*\* Stage name\. \*\/\n {2}name: string;/);
  assert.match(out, /\/\*\* Default: "a"\. \*\/\n {2}mode\?: 'a' \| 'b';/);
  assert.match(out, /stages: ThingStage\[\];/);
  assert.match(out, /tags\?: Record<string, string>;/);
  assert.match(out, /apiVersion: 'g\.dev\/v1';/);
  assert.match(out, /spec\?: ThingSpec;/);
});
