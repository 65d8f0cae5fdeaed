import * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"

/** The per-clinic permission matrix and the audit chain. */
export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE role_permissions (
    clinic_id TEXT NOT NULL REFERENCES clinics (id),
    role TEXT NOT NULL CHECK (role IN ('doctor', 'receptionist', 'nurse')),
    permission_key TEXT NOT NULL,
    granted INTEGER NOT NULL CHECK (granted IN (0, 1)),
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (clinic_id, role, permission_key)
  ) STRICT`
  yield* sql`CREATE TABLE audit_heads (
    clinic_id TEXT NOT NULL PRIMARY KEY REFERENCES clinics (id),
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL
  ) STRICT`
  yield* sql`CREATE TABLE audit_events (
    clinic_id TEXT NOT NULL REFERENCES clinics (id),
    seq INTEGER NOT NULL,
    at INTEGER NOT NULL,
    actor_type TEXT NOT NULL CHECK (actor_type IN ('user', 'system', 'platform', 'public')),
    actor_id TEXT,
    role TEXT,
    action TEXT NOT NULL,
    permission_key TEXT,
    entity_type TEXT,
    entity_id TEXT,
    outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'denied')),
    reason TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (clinic_id, seq)
  ) STRICT`
  yield* sql`CREATE INDEX audit_events_entity_idx ON audit_events (clinic_id, entity_type, entity_id)`
  yield* sql`CREATE INDEX audit_events_actor_idx ON audit_events (clinic_id, actor_id)`
})
