import * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"

/**
 * Public requests hold their own contact (DESIGN §7): an appointment's patient is `NULL` until
 * staff match a request on confirmation, and the request keeps the name, phone (E.164) and email
 * it was made with, indexed for the per-phone daily limit.
 *
 * SQLite cannot drop a `NOT NULL`: `appointments` is rebuilt as it stands (every column, check
 * and key the earlier migrations gave it, read back from the schema), its rows copied, and its
 * indexes and triggers made again. Invoices, payments, reminders and room rows reference it, so
 * the adapter runs migrations with foreign keys off and checks them all before turning them back
 * on (the documented way to rebuild a referenced table). The overlap triggers compare
 * `patient_id = NEW.patient_id`, which a `NULL` never meets: a request holds the doctor's and the
 * rooms' time, and the patient's once matched.
 */
export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const [table] = yield* sql<{ sql: string }>`SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'appointments'`
  const dependents = yield* sql<{ sql: string }>`SELECT sql FROM sqlite_master
    WHERE tbl_name = 'appointments' AND type IN ('index', 'trigger') AND sql IS NOT NULL ORDER BY type, name`
  const rebuilt = table!.sql
    .replace(/^CREATE TABLE\s+("?)appointments(_0003)?\1\s*\(/, "CREATE TABLE appointments_0012 (")
    .replace(/\bpatient_id TEXT NOT NULL\b/, "patient_id TEXT")
  if (!rebuilt.startsWith("CREATE TABLE appointments_0012 (") || /\bpatient_id TEXT NOT NULL\b/.test(rebuilt) || !/\bpatient_id TEXT\b/.test(rebuilt)) {
    return yield* Effect.dieMessage(`0012 does not recognise the appointments table: ${table!.sql}`)
  }
  yield* sql.unsafe(rebuilt)
  yield* sql`INSERT INTO appointments_0012 SELECT * FROM appointments`
  yield* sql`DROP TABLE appointments`
  yield* sql`ALTER TABLE appointments_0012 RENAME TO appointments`
  for (const d of dependents) yield* sql.unsafe(d.sql)

  yield* sql`ALTER TABLE appointments ADD COLUMN requester_name TEXT`
  yield* sql`ALTER TABLE appointments ADD COLUMN requester_phone TEXT`
  yield* sql`ALTER TABLE appointments ADD COLUMN requester_email TEXT`
  yield* sql`CREATE INDEX appointments_requester_idx ON appointments (clinic_id, requester_phone, created_at)
    WHERE requester_phone IS NOT NULL`
})
