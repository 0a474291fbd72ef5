/** The development plan: milestones laid end to end, computed from the model's durations. */
import type { DevelopmentPlan, Milestone } from './schemas/design.ts';

export function planMilestones(milestones: Milestone[], teamSize: number): DevelopmentPlan {
  let week = 1;
  const planned = milestones.map((m) => {
    const startWeek = week;
    week += m.durationWeeks;
    return { ...m, startWeek, endWeek: week - 1 };
  });
  return { milestones: planned, totalWeeks: week - 1, teamSize };
}
