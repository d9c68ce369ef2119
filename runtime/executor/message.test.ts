import assert from 'node:assert/strict';
import { test } from 'node:test';
import { invalidMessage } from './message.ts';

const base = { videoId: 'v', source: 's', ingestedAtMs: 1, outputs: {} };
const region = { frame: 0, x: 1, y: 2, width: 3, height: 4 };

test('item messages: an index below the count, a region of whole pixels', () => {
  assert.equal(invalidMessage({ ...base, itemCount: 0 }), undefined);
  assert.equal(invalidMessage({ ...base, itemCount: 2, item: 1, region }), undefined);
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ item: 0 }, /need itemCount/],
    [{ region }, /need itemCount/],
    [{ itemCount: -1 }, /itemCount must be a whole number/],
    [{ itemCount: 1.5, item: 0 }, /itemCount must be a whole number/],
    [{ itemCount: 0, item: 0 }, /itemCount 0 carries no item/],
    [{ itemCount: 2 }, /below itemCount 2/],
    [{ itemCount: 2, item: 2 }, /below itemCount 2/],
    [{ itemCount: 2, item: 0, region: { ...region, x: -1 } }, /whole-number frame/],
    [{ itemCount: 2, item: 0, region: 'box' }, /whole-number frame/],
    [{ itemCount: 2, item: 0, region: { ...region, width: 0 } }, /≥ 1/],
  ];
  for (const [fields, pattern] of bad) assert.match(invalidMessage({ ...base, ...fields }) ?? '', pattern);
});
