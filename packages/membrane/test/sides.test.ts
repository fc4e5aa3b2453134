import { DRY, type Side, WET } from '@xsb/membrane';
import { describe, expect, it } from 'vitest';

describe('sides', () => {
  it('names the two sides distinctly', () => {
    const sides: Side[] = [WET, DRY];
    expect(sides).toEqual(['wet', 'dry']);
  });
});
