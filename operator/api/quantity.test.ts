import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { formatDecimal, isQuantity, parseQuantity } from './quantity.ts';

test('parses the quantity forms Kubernetes accepts', () => {
  const cases: [string, number][] = [
    ['5.79', 5.79],
    ['5790m', 5.79],
    ['2', 2],
    ['1Ki', 1024],
    ['4Gi', 4 * 2 ** 30],
    ['500m', 0.5],
    ['1e3', 1000],
    ['1.5E-2', 0.015],
    ['.5', 0.5],
    ['+3k', 3000],
    ['-1', -1],
    ['0', 0],
    ['100u', 1e-4],
  ];
  for (const [text, want] of cases) {
    const got = parseQuantity(text);
    assert.ok(
      got !== undefined && Math.abs(got - want) < 1e-12 * Math.max(1, Math.abs(want)),
      `${text} -> ${got}`,
    );
    assert.equal(isQuantity(text), true, text);
  }
});

test('rejects what is not a quantity', () => {
  for (const text of ['', 'abc', '1.2.3', '5 m', '1KiB', '1ki', 'm', '0x10', '--1', '1e', ' 1', '1,5']) {
    assert.equal(parseQuantity(text), undefined, text);
    assert.equal(isQuantity(text), false, text);
  }
});

test('formatDecimal rounds to two decimals and drops trailing zeros', () => {
  assert.equal(formatDecimal(11.5789), '11.58');
  assert.equal(formatDecimal(12.4), '12.4');
  assert.equal(formatDecimal(3), '3');
  assert.equal(formatDecimal(0.004), '0');
  assert.equal(formatDecimal(-0.001), '0');
  assert.equal(formatDecimal(0.93123, 3), '0.931');
  assert.throws(() => formatDecimal(Number.NaN), /cannot format/);
});

test('formatDecimal output always parses back within rounding', () => {
  fc.assert(
    fc.property(fc.double({ min: -1e9, max: 1e9, noNaN: true }), (x) => {
      const text = formatDecimal(x);
      const back = parseQuantity(text);
      return back !== undefined && Math.abs(back - x) <= 0.005 + 1e-9 * Math.abs(x);
    }),
  );
});
