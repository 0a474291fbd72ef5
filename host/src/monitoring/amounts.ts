/** Whether a figure may be added to a counter: finite and not negative (a counter only goes up). */
export function isAmount(value: number): boolean {
  return Number.isFinite(value) && value >= 0;
}
