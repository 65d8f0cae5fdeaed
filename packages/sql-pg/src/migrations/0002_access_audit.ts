import * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"

/**
 * The per-clinic permission matrix and the audit chain, both tenant tables under forced RLS; and
 * the one narrow cross-tenant read the library needs: finding a clinic by its slug (login, public
 * booking requests), allowed only for the row whose slug the transaction names.
 */
export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient

  yield* sql`CREATE FUNCTION clinicore_slug_lookup() RETURNS text
    LANGUAGE sql STABLE
    AS $$ SELECT NULLIF(current_setting('clinicore.slug', true), '') $$`
  // Permissive policies are OR-ed: a SELECT sees the tenant's own clinic, plus the one clinic
  // whose slug this transaction looks up (set transaction-locally, like the tenant). Writes still
  // need the tenant.
  yield* sql`CREATE POLICY clinics_by_slug ON clinics FOR SELECT
    USING (slug = clinicore_slug_lookup() AND clinicore_current_clinic() IS NULL)`

  yield* sql`CREATE TABLE role_permissions (
    clinic_id uuid NOT NULL REFERENCES clinics (id),
    role text NOT NULL CHECK (role IN ('doctor', 'receptionist', 'nurse')),
    permission_key text NOT NULL,
    granted boolean NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (clinic_id, role, permission_key)
  )`
  yield* sql`CREATE TABLE audit_heads (
    clinic_id uuid NOT NULL PRIMARY KEY REFERENCES clinics (id),
    seq bigint NOT NULL,
    hash text NOT NULL
  )`
  yield* sql`CREATE TABLE audit_events (
    clinic_id uuid NOT NULL REFERENCES clinics (id),
    seq bigint NOT NULL,
    at timestamptz NOT NULL,
    actor_type text NOT NULL CHECK (actor_type IN ('user', 'system', 'platform', 'public')),
    actor_id text,
    role text,
    action text NOT NULL,
    permission_key text,
    entity_type text,
    entity_id text,
    outcome text NOT NULL CHECK (outcome IN ('ok', 'denied')),
    reason text,
    prev_hash text NOT NULL,
    hash text NOT NULL,
    PRIMARY KEY (clinic_id, seq)
  )`
  yield* sql`CREATE INDEX audit_events_entity_idx ON audit_events (clinic_id, entity_type, entity_id)`
  yield* sql`CREATE INDEX audit_events_actor_idx ON audit_events (clinic_id, actor_id)`

  for (const table of ["role_permissions", "audit_heads", "audit_events"]) {
    yield* sql`ALTER TABLE ${sql(table)} ENABLE ROW LEVEL SECURITY`
    yield* sql`ALTER TABLE ${sql(table)} FORCE ROW LEVEL SECURITY`
    yield* sql`CREATE POLICY ${sql(`${table}_tenant`)} ON ${sql(table)}
      USING (clinic_id = clinicore_current_clinic())
      WITH CHECK (clinic_id = clinicore_current_clinic())`
  }
})
