import * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"

/**
 * Credentials of hosts that sign people and programs in (`@clinicore/core/Sessions`): login
 * sessions and API keys, each only as the SHA-256 digest of its secret, in a tenant table of its
 * clinic under row-level security like every other. A session belongs to a staff account of the
 * same clinic (deleted with it); an API key is bound to a role. The credential itself names its
 * clinic, so authenticating one needs no cross-clinic read.
 */
export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE credentials (
    clinic_id uuid NOT NULL REFERENCES clinics (id),
    id uuid NOT NULL,
    kind text NOT NULL CHECK (kind IN ('session', 'api_key')),
    secret_hash text NOT NULL,
    staff_id uuid,
    role text CHECK (role IN ('admin', 'doctor', 'receptionist', 'nurse')),
    name text,
    created_at timestamptz NOT NULL,
    expires_at timestamptz,
    revoked_at timestamptz,
    PRIMARY KEY (clinic_id, id),
    CONSTRAINT credentials_staff_fkey FOREIGN KEY (clinic_id, staff_id) REFERENCES staff (clinic_id, id) ON DELETE CASCADE,
    CHECK ((kind = 'session' AND staff_id IS NOT NULL AND expires_at IS NOT NULL) OR (kind = 'api_key' AND role IS NOT NULL))
  )`
  yield* sql`CREATE INDEX credentials_kind_idx ON credentials (clinic_id, kind, created_at)`
  yield* sql`ALTER TABLE credentials ENABLE ROW LEVEL SECURITY`
  yield* sql`ALTER TABLE credentials FORCE ROW LEVEL SECURITY`
  yield* sql`CREATE POLICY credentials_tenant ON credentials
    USING (clinic_id = clinicore_current_clinic())
    WITH CHECK (clinic_id = clinicore_current_clinic())`
})
