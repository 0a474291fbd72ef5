/** Sums over model_usage the stats and the report share, as the SQLite store computes them. */
export const FAILED = "count(*) FILTER (WHERE status = 'failed')";
export const UNRECONCILED = "count(*) FILTER (WHERE status = 'unreconciled')";
export const UNRECONCILED_NANOS = "coalesce(sum(cost_nanos) FILTER (WHERE status = 'unreconciled'), 0)";
