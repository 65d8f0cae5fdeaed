import * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"

/**
 * Public requests hold their own contact (DESIGN §7): an appointment's patient is `NULL` until
 * staff match a request on confirmation, and the request keeps the name, phone (E.164) and email
 * it was made with, indexed for the per-phone daily limit. The patient foreign key skips a `NULL`
 * and so does the patient exclusion constraint (`NULL = NULL` is never true): a request holds the
 * doctor's and the rooms' time, and the patient's once matched. No new table, so no new policy:
 * the columns sit under `appointments`' own row-level security.
 */
export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`ALTER TABLE appointments
    ALTER COLUMN patient_id DROP NOT NULL,
    ADD COLUMN requester_name text,
    ADD COLUMN requester_phone text,
    ADD COLUMN requester_email text`
  yield* sql`CREATE INDEX appointments_requester_idx ON appointments (clinic_id, requester_phone, created_at)
    WHERE requester_phone IS NOT NULL`
})
