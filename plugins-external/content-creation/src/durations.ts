/**
 * Making scene durations add up to the target: pure arithmetic, in tenths of a second so
 * that rounding is exact. Within the tolerance the model's timing is kept; outside it every
 * scene is rescaled in proportion, no scene below a minimum, and the rounding remainder goes
 * to the scenes that lost most to rounding (largest remainder), so the total is the target
 * exactly. The same input always gives the same output.
 */

export interface DurationFix {
  /** Seconds per scene, to a tenth. */
  durations: number[];
  /** Their sum, to a tenth. */
  total: number;
  adjusted: boolean;
  /** What was changed, in words. */
  adjustments: string[];
}

/** How far the scenes may sum from the target without a fix: 5% of it, at least 1 s. */
export function toleranceFor(targetSeconds: number): number {
  return Math.max(1, Math.round(targetSeconds * 0.5) / 10);
}

const tenths = (seconds: number) => Math.round(seconds * 10);
const seconds = (t: number) => t / 10;

/**
 * Durations that sum to `target` within the tolerance. `minScene` is the shortest scene a
 * rescale may leave (lowered to target / scenes when the scenes could not fit otherwise).
 */
export function fitDurations(raw: readonly number[], target: number, minScene: number): DurationFix {
  if (raw.length === 0) throw new Error('a script needs at least one scene');
  const adjustments: string[] = [];
  const goal = tenths(target);
  const floor = Math.max(1, Math.min(tenths(minScene), Math.floor(goal / raw.length)));

  // A scene without a usable duration (not a number, not above zero) gets the minimum.
  const given = raw.map((d, i) => {
    if (Number.isFinite(d) && d > 0) return Math.max(1, tenths(d));
    adjustments.push(`scene ${i + 1} had no usable duration (${String(d)}); set to ${seconds(floor)} s`);
    return floor;
  });
  const sum = given.reduce((a, b) => a + b, 0);
  const tolerance = tenths(toleranceFor(target));
  if (Math.abs(sum - goal) <= tolerance) {
    return { durations: given.map(seconds), total: seconds(sum), adjusted: adjustments.length > 0, adjustments };
  }

  const { out: scaled, pinned } = rescale(given, goal, floor);
  const direction = sum > goal ? 'over' : 'under';
  adjustments.push(
    `the scenes summed to ${seconds(sum)} s, ${seconds(Math.abs(sum - goal))} s ${direction} the ${target} s target (tolerance ±${seconds(tolerance)} s): ` +
      `rescaled every scene by about ${(goal / sum).toFixed(2)} so they sum to ${target} s`,
  );
  if (pinned.length > 0) adjustments.push(`scene(s) ${pinned.map((i) => i + 1).join(', ')} kept at the ${seconds(floor)} s minimum`);
  return { durations: scaled.map(seconds), total: seconds(goal), adjusted: true, adjustments };
}

/** Proportional shares of `goal` (tenths), none below `floor`, summing to `goal` exactly; and which scenes were pinned to the floor. */
function rescale(given: readonly number[], goal: number, floor: number): { out: number[]; pinned: number[] } {
  // Scenes whose share would fall below the floor are pinned to it; the rest share what is left.
  // floor <= goal / scenes, so the free scenes' average share never drops below the floor:
  // at least one stays free and the loop ends.
  const pinned = new Set<number>();
  let exact: number[];
  for (;;) {
    const freeSum = given.reduce((a, d, i) => (pinned.has(i) ? a : a + d), 0);
    const room = goal - floor * pinned.size;
    // Rounded to a millionth of a tenth so float noise never tips a floor below.
    exact = given.map((d, i) => (pinned.has(i) ? floor : Math.round(((d * room) / freeSum) * 1e6) / 1e6));
    const below = exact.flatMap((x, i) => (!pinned.has(i) && x < floor ? [i] : []));
    if (below.length === 0) break;
    for (const i of below) pinned.add(i);
  }
  // Largest remainder: floor every share, then one tenth more to the largest fractions (earlier scenes first on ties).
  const out = exact.map((x) => Math.floor(x));
  let missing = goal - out.reduce((a, b) => a + b, 0);
  const order = exact.map((x, i) => ({ i, frac: x - Math.floor(x) })).sort((a, b) => b.frac - a.frac || a.i - b.i);
  for (let k = 0; missing > 0; k = (k + 1) % order.length, missing--) {
    const j = order[k]!.i;
    out[j] = out[j]! + 1;
  }
  return { out, pinned: [...pinned].sort((a, b) => a - b) };
}
