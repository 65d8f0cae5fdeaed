/**
 * Transactions that spend as few round trips as the work allows, on the pipelining pool:
 *
 * - `BEGIN` and the tenant setting are one simple-protocol message that is not waited for: it
 *   leaves together with the body's first statement;
 * - statements the body defers with `atCommit` (the audit chain's append) leave together with
 *   `COMMIT`, so a lock they take (the chain's head) is held for no round trip at all.
 *
 * A deferred statement that fails makes Postgres answer `COMMIT` with a rollback: nothing of the
 * transaction is kept, and the failure is a defect.
 */
import type { ClinicId } from "@clinicore/core/Ids"
import * as SqlClient from "@effect/sql/SqlClient"
import type { Connection } from "@effect/sql/SqlConnection"
import { SqlError } from "@effect/sql/SqlError"
import type { Statement } from "@effect/sql/Statement"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberRef from "effect/FiberRef"
import type Pg from "pg"

type Compiled = readonly [sql: string, params: ReadonlyArray<unknown>]

/** The statements the current top-level transaction sends with its `COMMIT`; `undefined` elsewhere. */
const commitQueue = FiberRef.unsafeMake<Array<Compiled> | undefined>(undefined)

/** The pg client of the current top-level transaction of `begin`; `undefined` elsewhere. */
const currentClient = FiberRef.unsafeMake<Pg.PoolClient | undefined>(undefined)

/**
 * A `SqlClient` whose statements, inside a transaction of `begin`, go straight to that
 * transaction's pg client: compiled as usual, sent in order with everything else on the
 * connection, but without the per-statement span, scope and connection lookup of `@effect/sql`
 * (most of a short statement's cost in Node, measured in docs/benchmarks.md). Elsewhere, and for
 * `.raw`, `.values`, `.stream`…, statements run as usual.
 */
export const lean = (sql: SqlClient.SqlClient): SqlClient.SqlClient =>
  new Proxy(sql, {
    apply: (target, self, args: Array<unknown>) => {
      const made = Reflect.apply(target, self, args) as unknown
      // Only a template call makes a statement; `sql("name")` makes an identifier.
      if (!Array.isArray(args[0]) || !("raw" in (args[0] as object))) return made
      const statement = made as Statement<unknown> & { commit(): Effect.Effect<unknown, SqlError> }
      const usual = statement.commit.bind(statement)
      statement.commit = () =>
        Effect.withFiberRuntime((fiber) => {
          const client = fiber.getFiberRef(currentClient)
          if (client === undefined) return usual()
          const [text, params] = statement.compile()
          return Effect.async<ReadonlyArray<unknown>, SqlError>((resume) => {
            client.query(text, params as Array<unknown>, (error: Error | null, result: Pg.QueryResult | Array<Pg.QueryResult>) => {
              if (error) resume(Effect.fail(failed(error, "Failed to execute statement")))
              else resume(Effect.succeed(Array.isArray(result) ? result.map((r) => r.rows ?? []) : result.rows ?? []))
            })
          })
        })
      return statement
    }
  })

/**
 * Runs `statement` now, or, directly inside a transaction of `begin`, sends it with the commit.
 * Only statements whose failure is a defect may be deferred: their errors are not the body's.
 */
export const atCommit = (statement: Statement<unknown>): Effect.Effect<void, SqlError> =>
  Effect.flatMap(FiberRef.get(commitQueue), (queue) => {
    if (queue === undefined) return Effect.asVoid(statement)
    queue.push(statement.compile())
    return Effect.void
  })

/** Inside a savepoint, deferring would outlive a rollback to it: statements run at once there. */
export const withoutDeferral = <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.locally(self, commitQueue, undefined)

const pgClient = (connection: Connection): Pg.PoolClient => {
  // @effect/sql-pg keeps the reserved pg client on its connection object.
  const client = (connection as unknown as { readonly pg?: Pg.PoolClient }).pg
  if (client === undefined) throw new Error("@effect/sql-pg did not expose the reserved connection's client")
  return client
}

const failed = (cause: unknown, message: string) => new SqlError({ cause, message })

/**
 * A top-level transaction scoped to `clinicId`: the setting is transaction-local, so the pooled
 * connection carries no tenant afterwards.
 */
export const begin = (sql: SqlClient.SqlClient, clinicId: ClinicId) =>
<A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E | SqlError, R> =>
  Effect.uninterruptibleMask((restore) =>
    Effect.scoped(Effect.gen(function*() {
      const connection = yield* sql.reserve
      const client = pgClient(connection)
      const started = client.query(`BEGIN; SELECT set_config('clinicore.clinic_id', ${client.escapeLiteral(clinicId)}, true)`)
      started.catch(() => {})
      const queue: Array<Compiled> = []
      const exit = yield* Effect.exit(restore(self).pipe(
        Effect.provideService(SqlClient.TransactionConnection, [connection, 0]),
        Effect.locally(commitQueue, queue),
        Effect.locally(currentClient, client)
      ))
      if (Exit.isFailure(exit)) {
        yield* Effect.tryPromise({ try: () => client.query("ROLLBACK"), catch: (e) => failed(e, "ROLLBACK failed") }).pipe(Effect.orDie)
        return yield* exit
      }
      // All issued in this one call, in this order: they leave in one write.
      const deferred = queue.map(([text, params]) => client.query(text, params as Array<unknown>))
      const committed = client.query("COMMIT")
      const results = yield* Effect.promise(() => Promise.allSettled([started, ...deferred, committed]))
      const failure = results.find((r) => r.status === "rejected")
      if (failure !== undefined) {
        return yield* Effect.die(failed(failure.reason, "a deferred statement or COMMIT failed; the transaction was rolled back"))
      }
      const commit = results.at(-1) as PromiseFulfilledResult<Pg.QueryResult>
      if (commit.value.command !== "COMMIT") return yield* Effect.die(failed(undefined, "COMMIT was answered with a rollback"))
      return yield* exit
    }))
  )
