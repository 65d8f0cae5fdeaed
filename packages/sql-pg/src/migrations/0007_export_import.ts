import * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"

/**
 * Export and import (DESIGN §10). Patients gain the demographics other systems export (gender,
 * blood group, address). `import_keys` maps each imported row's external id, per clinic and kind,
 * to the entity it created: its primary key makes a second import of the same file a no-op, and
 * two concurrent imports of it cannot both write a row.
 */
export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`ALTER TABLE patients ADD COLUMN gender text`
  yield* sql`ALTER TABLE patients ADD COLUMN blood_group text`
  yield* sql`ALTER TABLE patients ADD COLUMN address text`
  yield* sql`CREATE TABLE import_keys (
    clinic_id uuid NOT NULL REFERENCES clinics (id),
    kind text NOT NULL CHECK (kind IN ('patient', 'appointment')),
    external_id text NOT NULL,
    entity_id uuid NOT NULL,
    imported_at timestamptz NOT NULL,
    PRIMARY KEY (clinic_id, kind, external_id)
  )`
  yield* sql`ALTER TABLE import_keys ENABLE ROW LEVEL SECURITY`
  yield* sql`ALTER TABLE import_keys FORCE ROW LEVEL SECURITY`
  yield* sql`CREATE POLICY import_keys_tenant ON import_keys
    USING (clinic_id = clinicore_current_clinic())
    WITH CHECK (clinic_id = clinicore_current_clinic())`
})
