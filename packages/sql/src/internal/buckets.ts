/**
 * Bucketing by boundaries computed in core, in SQL that both databases run alike.
 */
import type { SqlClient } from "@effect/sql/SqlClient"
import type { Fragment } from "@effect/sql/Statement"

/**
 * The bucket of `column` among ascending `boundaries` (bucket 0 below the first, bucket `i` from
 * boundary `i − 1` up to boundary `i`), as a balanced tree of `CASE` expressions: about log₂(n)
 * comparisons per row, whatever the number of buckets. Each boundary is a bind parameter compared
 * with the column itself, so it takes the column's type and an index on it stays usable for the
 * range filter beside it. The zone's rules stay in core, which computed the boundaries.
 */
export const bucketOf = (sql: SqlClient, column: string, boundaries: ReadonlyArray<unknown>): Fragment => {
  const col = sql.literal(column)
  const go = (lo: number, hi: number): Fragment => {
    if (lo === hi) return sql.literal(String(lo))
    const mid = (lo + hi) >> 1
    return sql`CASE WHEN ${col} < ${boundaries[mid]} THEN ${go(lo, mid)} ELSE ${go(mid + 1, hi)} END`
  }
  return go(0, boundaries.length)
}

/**
 * `(…)` of status literals for `IN`. The statuses are core's closed literal unions, never input;
 * written as literals so that Postgres can match the partial indexes declared with them.
 */
export const statusList = (sql: SqlClient, statuses: ReadonlyArray<string>): Fragment => {
  for (const s of statuses) if (!/^[a-z_]+$/.test(s)) throw new Error(`not a status: ${s}`)
  return sql.literal(`(${statuses.map((s) => `'${s}'`).join(", ")})`)
}
