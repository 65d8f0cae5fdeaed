import * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"

/**
 * A version on doctors, services and rooms, moved on by every change to them (a doctor's rules and
 * the status of the staff account it links to included). A booking is written only if the
 * versions it decided on still hold: the database compares them in the statement that writes,
 * which catches a rule changed by another process between the booking's read and its write.
 */
export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  for (const table of ["doctors", "services", "rooms"]) {
    yield* sql`ALTER TABLE ${sql(table)} ADD COLUMN version integer NOT NULL DEFAULT 1 CHECK (version >= 1)`
  }
})
