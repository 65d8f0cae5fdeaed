import * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"

/**
 * Analytics: payments by status and the time they were received, so the dashboard's revenue and
 * pending payments and the revenue reports read one clinic's matching payments from an index
 * instead of all its payments.
 */
export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE INDEX payments_status_paid_idx ON payments (clinic_id, status, paid_at)`
})
