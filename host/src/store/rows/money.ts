/**
 * Money and months as both stores keep them: INTEGER nano-dollars (USD × 1e9, rounded),
 * converted only at the edge (sums of integers do not drift), and UTC `YYYY-MM` months.
 */
export const toNanos = (usd: number): number => Math.round(usd * 1_000_000_000);
export const toUsd = (nanos: number): number => nanos / 1_000_000_000;
/** The UTC `YYYY-MM` of an ISO instant. */
export const monthOf = (iso: string): string => iso.slice(0, 7);
/** The user_id of an app's own rows in budgets and monthly_spend. */
export const APP_ROW = '';
