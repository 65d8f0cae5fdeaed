import * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"

/**
 * Export and import (DESIGN §10). Patients gain the demographics other systems export (gender,
 * blood group, address). `import_keys` maps each imported row's external id, per clinic and kind,
 * to the entity it created: its primary key makes a second import of the same file a no-op.
 */
export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`ALTER TABLE patients ADD COLUMN gender TEXT`
  yield* sql`ALTER TABLE patients ADD COLUMN blood_group TEXT`
  yield* sql`ALTER TABLE patients ADD COLUMN address TEXT`
  yield* sql`CREATE TABLE import_keys (
    clinic_id TEXT NOT NULL REFERENCES clinics (id),
    kind TEXT NOT NULL CHECK (kind IN ('patient', 'appointment')),
    external_id TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    imported_at INTEGER NOT NULL,
    PRIMARY KEY (clinic_id, kind, external_id)
  ) STRICT`
})
