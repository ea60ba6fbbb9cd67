import { describe, expect, it } from 'vitest';
import { esc, num, spreadLabels } from '../../src/report/svg';

describe('svg helpers', () => {
  it('escapes text for element content and attribute values', () => {
    expect(esc('<a href="x">&</a>')).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;');
  });

  it('rounds coordinates to a tenth of a pixel without -0 or trailing zeros', () => {
    expect([num(1.04), num(1.05), num(2), num(-0.01), num(12.3456)]).toEqual(['1', '1.1', '2', '0', '12.3']);
  });

  it('moves labels apart to the gap and keeps them in order', () => {
    expect(spreadLabels([50, 52, 100], 15, 0, 200)).toEqual([50, 65, 100]);
    expect(spreadLabels([52, 50], 15, 0, 200)).toEqual([65, 50]);
  });

  it('keeps labels inside the bounds, pushing them up from the bottom', () => {
    expect(spreadLabels([195, 199], 15, 0, 200)).toEqual([185, 200]);
    expect(spreadLabels([-5], 15, 4, 200)).toEqual([4]);
  });
});
