/** A WHERE clause with positional parameters, built one condition at a time (`?` marks the value). */
export class Where {
  readonly params: unknown[] = [];
  #conditions: string[] = [];

  /** Adds `condition`, its `?` bound to `value`. */
  and(condition: string, value: unknown): this {
    this.params.push(value);
    this.#conditions.push(condition.replace('?', `$${this.params.length}`));
    return this;
  }

  /** A parameter placeholder for `value`, for parts of the query outside the WHERE (a LIMIT). */
  bind(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }

  toString(): string {
    return this.#conditions.length === 0 ? '' : `WHERE ${this.#conditions.join(' AND ')}`;
  }
}

/**
 * `sql` with `@name` parameters, as the SQLite repositories write them, turned into PostgreSQL's
 * `$n` (one per distinct name) and the values in that order.
 */
export function named(sql: string, params: Record<string, unknown>): [string, unknown[]] {
  const order: string[] = [];
  const text = sql.replace(/@([A-Za-z_][A-Za-z0-9_]*)/g, (_, name: string) => {
    if (!(name in params)) throw new Error(`no value for @${name}`);
    let at = order.indexOf(name);
    if (at === -1) at = order.push(name) - 1;
    return `$${at + 1}`;
  });
  return [text, order.map((name) => params[name])];
}
