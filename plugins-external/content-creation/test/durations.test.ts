/** The scene-duration fix: pure arithmetic, so its promises can be checked exactly. */
import { describe, expect, test } from 'vitest';
import { fitDurations, toleranceFor } from '../src/durations.ts';

const sum = (xs: number[]) => Math.round(xs.reduce((a, b) => a + b, 0) * 10) / 10;

describe('fitting scene durations to the target', () => {
  test('the tolerance is 5% of the target, at least 1 s', () => {
    expect(toleranceFor(60)).toBe(3);
    expect(toleranceFor(45)).toBe(2.3);
    expect(toleranceFor(10)).toBe(1);
    expect(toleranceFor(600)).toBe(30);
  });

  test('within the tolerance the model timing is kept', () => {
    expect(fitDurations([20, 20, 21.5], 60, 1)).toEqual({ durations: [20, 20, 21.5], total: 61.5, adjusted: false, adjustments: [] });
  });

  test('over the target: every scene scaled down in proportion, summing to the target exactly', () => {
    const fix = fitDurations([30, 30, 30], 60, 1);
    expect(fix).toMatchObject({ durations: [20, 20, 20], total: 60, adjusted: true });
    expect(fix.adjustments).toEqual(['the scenes summed to 90 s, 30 s over the 60 s target (tolerance ±3 s): rescaled every scene by about 0.67 so they sum to 60 s']);
  });

  test('under the target: scaled up; rounding remainders go to the largest fractions, in tenths', () => {
    const fix = fitDurations([10, 7, 3.3], 30, 1);
    expect(sum(fix.durations)).toBe(30);
    expect(fix.total).toBe(30);
    for (const d of fix.durations) expect(Math.round(d * 10)).toBeCloseTo(d * 10, 9);
    expect(fix.durations).toEqual([14.8, 10.3, 4.9]);
    expect(fix.adjustments[0]).toMatch(/9\.7 s under the 30 s target/);
  });

  test('no scene is scaled below the minimum; the others give way', () => {
    const fix = fitDurations([50, 0.4, 0.4], 20, 1);
    expect(fix.durations).toEqual([18, 1, 1]);
    expect(fix.adjustments[1]).toBe('scene(s) 2, 3 kept at the 1 s minimum');
  });

  test('when the scenes cannot all have the minimum, it is lowered to target / scenes', () => {
    const fix = fitDurations(Array.from({ length: 40 }, () => 5), 20, 1);
    expect(fix.durations).toEqual(Array.from({ length: 40 }, () => 0.5));
    expect(fix.total).toBe(20);
  });

  test('a scene with no usable duration gets the minimum, and that is reported', () => {
    const fix = fitDurations([20, Number.NaN, 0, 20], 40, 1);
    expect(fix.adjusted).toBe(true);
    expect(fix.adjustments.slice(0, 2)).toEqual(['scene 2 had no usable duration (NaN); set to 1 s', 'scene 3 had no usable duration (0); set to 1 s']);
    expect(fix.durations).toEqual([20, 1, 1, 20]); // 42 s is within ±2 s of 40: kept
  });

  test('deterministic, and always within the tolerance, for many scene plans', () => {
    // A fixed pseudo-random sequence (no Math.random: the same plans every run).
    let seed = 42;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let round = 0; round < 200; round++) {
      const scenes = 1 + Math.floor(next() * 40);
      const target = 10 + Math.floor(next() * 590);
      const raw = Array.from({ length: scenes }, () => Math.round(next() * 600) / 10 + 0.1);
      const fix = fitDurations(raw, target, 1);
      expect(fitDurations(raw, target, 1)).toEqual(fix);
      expect(Math.abs(sum(fix.durations) - target)).toBeLessThanOrEqual(toleranceFor(target));
      expect(sum(fix.durations)).toBe(fix.total);
      for (const d of fix.durations) expect(d).toBeGreaterThan(0);
      if (fix.adjusted) expect(fix.total).toBe(target);
    }
  });
});
