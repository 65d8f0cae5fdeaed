import * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"

/**
 * Credentials of hosts that sign people and programs in (`@clinicore/core/Sessions`): login
 * sessions and API keys, each only as the SHA-256 digest of its secret, in a tenant table of its
 * clinic. A session belongs to a staff account of the same clinic (deleted with it); an API key is
 * bound to a role.
 */
export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE credentials (
    clinic_id TEXT NOT NULL REFERENCES clinics (id),
    id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('session', 'api_key')),
    secret_hash TEXT NOT NULL,
    staff_id TEXT,
    role TEXT CHECK (role IN ('admin', 'doctor', 'receptionist', 'nurse')),
    name TEXT,
    created_at INTEGER NOT NULL,
    expires_at INTEGER,
    revoked_at INTEGER,
    PRIMARY KEY (clinic_id, id),
    CONSTRAINT credentials_staff_fkey FOREIGN KEY (clinic_id, staff_id) REFERENCES staff (clinic_id, id) ON DELETE CASCADE,
    CHECK ((kind = 'session' AND staff_id IS NOT NULL AND expires_at IS NOT NULL) OR (kind = 'api_key' AND role IS NOT NULL))
  ) STRICT`
  yield* sql`CREATE INDEX credentials_kind_idx ON credentials (clinic_id, kind, created_at)`
})
