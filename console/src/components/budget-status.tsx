/** A budget's use this month as a bar: spent, held by calls in flight, and what is left. */
import { usd } from '../lib/format.ts';

export function BudgetBar({ limitUsd, spentUsd, reservedUsd }: { limitUsd: number | null | undefined; spentUsd: number; reservedUsd: number }) {
  if (limitUsd === null || limitUsd === undefined) return <span class="muted">no limit</span>;
  const used = limitUsd === 0 ? 1 : Math.min(1, (spentUsd + reservedUsd) / limitUsd);
  return (
    <span class="budget-bar" title={`${usd(spentUsd)} spent, ${usd(reservedUsd)} held of ${usd(limitUsd)}`}>
      <meter min={0} max={1} low={0.75} high={0.9} optimum={0} value={used} />
      <span class="small">
        {' '}
        {usd(spentUsd)} spent{reservedUsd > 0 ? ` + ${usd(reservedUsd)} held` : ''} of {usd(limitUsd)} ({Math.round(used * 100)}%)
      </span>
    </span>
  );
}

export function BudgetStatus({ status }: { status: { monthlyUsd?: number; month: string; spentUsd: number; reservedUsd: number } }) {
  return (
    <p data-budget-month={status.month}>
      {status.month}: <BudgetBar limitUsd={status.monthlyUsd} spentUsd={status.spentUsd} reservedUsd={status.reservedUsd} />
      {status.monthlyUsd === undefined && ` (${usd(status.spentUsd)} spent)`}
    </p>
  );
}
