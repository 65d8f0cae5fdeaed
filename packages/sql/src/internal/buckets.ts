/**
 * Bucketing by boundaries computed in core, in SQL that both databases run alike.
 */
import type { DayRun } from "@clinicore/core/Period"
import type { SqlClient } from "@effect/sql/SqlClient"
import type { Fragment } from "@effect/sql/Statement"
import type { Dialect } from "../Dialect.js"

const DAY = 86_400_000

/**
 * The bucket of `column` among ascending `boundaries` (bucket 0 below the first, bucket `i` from
 * boundary `i − 1` up to boundary `i`), as a balanced tree of `CASE` expressions: about log₂(n)
 * comparisons per row, whatever the number of buckets. A boundary is a bind parameter (compared
 * with the column itself, so it takes the column's type) or a literal fragment (`integer`,
 * `isoDate`). The zone's rules stay in core, which computed the boundaries.
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
 * An integer computed by core, written as a literal: an integer parameter would reach SQLite as a
 * REAL (and make a division fractional), and a literal costs nothing to bind.
 */
export const integer = (sql: SqlClient) => (n: number): Fragment => {
  if (!Number.isSafeInteger(n)) throw new Error(`not an integer: ${n}`)
  return sql.literal(String(n))
}

/** A local date computed by core (`YYYY-MM-DD`), written as a literal, alike on both databases. */
export const isoDate = (sql: SqlClient) => (date: string): Fragment => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new Error(`not a date: ${date}`)
  return sql.literal(`'${date}'`)
}

/**
 * The local day (day 0 = the range's first) of the instant in `column`, by the runs of days core
 * computed in the clinic's zone (`Period.dayRuns`): a `CASE` over the few runs (one per stretch
 * between DST changes), each an integer division of epoch milliseconds. Works alike on both
 * databases; the zone's rules stay in core.
 */
export const dayOf = (sql: SqlClient, dialect: Dialect, column: string, runs: ReadonlyArray<DayRun>): Fragment => {
  const col = sql.literal(column)
  const int = integer(sql)
  const day = (run: DayRun): Fragment =>
    run.regular ? sql`${int(run.firstDay)} + (${dialect.epochMs(sql, column)} - ${int(run.start)}) / ${int(DAY)}` : int(run.firstDay)
  if (runs.length === 1) return day(runs[0]!)
  return sql`CASE ${sql.join(" ", false)(runs.slice(1).map((next, i) => sql`WHEN ${col} < ${dialect.instant(next.start)} THEN ${day(runs[i]!)}`))}
    ELSE ${day(runs[runs.length - 1]!)} END`
}

/**
 * `column = 'a'` or `column IN ('a', 'b')` for status literals. The statuses are core's closed
 * literal unions, never input; written as literals (and one alone with `=`) so that both databases
 * can match the partial indexes declared with them (`WHERE status = 'pending'`).
 */
export const statusIn = (sql: SqlClient, column: string, statuses: ReadonlyArray<string>): Fragment => {
  for (const s of statuses) if (!/^[a-z_]+$/.test(s)) throw new Error(`not a status: ${s}`)
  if (statuses.length === 0) return sql.literal("1 = 0")
  return sql.literal(statuses.length === 1 ? `${column} = '${statuses[0]}'` : `${column} IN (${statuses.map((s) => `'${s}'`).join(", ")})`)
}
