import * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"

/**
 * Tenant settings that count only with their proof. Any session may set a custom setting, so
 * before this a runtime-role session running arbitrary SQL (an injection in a host) could name
 * another clinic and RLS would let it in. Now each setting the policies read (`clinicore.clinic_id`,
 * `clinicore.slug`, `clinicore.scan`) counts only when `clinicore.<name>_proof` holds
 * HMAC-SHA256(key, "<name>=<value>") for a key kept in `clinicore_private`, which only the owner
 * can read; the adapter reads it over the owner's connection at start and proves its settings.
 *
 * The check runs inside Postgres once per statement, not per row: every policy reads the tenant
 * through a scalar subquery (`(SELECT clinicore_current_clinic())`), which the planner evaluates
 * once as an InitPlan and still uses with the `(clinic_id, …)` indexes. A policy added by a later
 * migration must use the same form (the tenancy test checks every policy).
 */
export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient

  // Trusted since PostgreSQL 13: the database's owner may install it.
  yield* sql`CREATE EXTENSION IF NOT EXISTS pgcrypto`
  yield* sql`CREATE SCHEMA clinicore_private`
  yield* sql`REVOKE ALL ON SCHEMA clinicore_private FROM PUBLIC`
  yield* sql`CREATE TABLE clinicore_private.tenant_key (
    id boolean PRIMARY KEY DEFAULT true CHECK (id),
    key bytea NOT NULL
  )`
  yield* sql`INSERT INTO clinicore_private.tenant_key (key) VALUES (gen_random_bytes(32))`

  // Runs as the owner (SECURITY DEFINER) so it can read the key; the caller cannot. A missing,
  // empty or unproven setting is NULL, and `clinic_id = NULL` is never true: no rows.
  yield* sql`CREATE FUNCTION clinicore_setting(name text) RETURNS text
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
    DECLARE
      value text := NULLIF(current_setting('clinicore.' || name, true), '');
    BEGIN
      IF value IS NULL THEN
        RETURN NULL;
      END IF;
      IF current_setting('clinicore.' || name || '_proof', true) IS DISTINCT FROM encode(
        public.hmac(convert_to(name || '=' || value, 'UTF8'), (SELECT key FROM clinicore_private.tenant_key), 'sha256'), 'hex'
      ) THEN
        RETURN NULL;
      END IF;
      RETURN value;
    END
    $$`
  yield* sql`CREATE OR REPLACE FUNCTION clinicore_current_clinic() RETURNS uuid
    LANGUAGE sql STABLE
    AS $$ SELECT clinicore_setting('clinic_id')::uuid $$`
  yield* sql`CREATE OR REPLACE FUNCTION clinicore_slug_lookup() RETURNS text
    LANGUAGE sql STABLE
    AS $$ SELECT clinicore_setting('slug') $$`

  // Every policy so far, rewritten to read the tenant once per statement. A policy this migration
  // does not know fails it, rather than being left behind in the per-row form.
  const tenant = "(SELECT clinicore_current_clinic())"
  // The read-only scans outside any tenant, by the value of `clinicore.scan` each allows.
  const scans: Record<string, string> = {
    reminders_due_scan: "due_reminders",
    recall_contacts_due_scan: "due_reminders",
    clinics_platform_scan: "clinics"
  }
  const policies = yield* sql<{ tablename: string; policyname: string }>`
    SELECT tablename, policyname FROM pg_policies WHERE schemaname = 'public' ORDER BY tablename, policyname`
  for (const { policyname, tablename } of policies) {
    const table = sql(tablename)
    const policy = sql(policyname)
    if (policyname === "clinics_tenant") {
      yield* sql`ALTER POLICY ${policy} ON ${table}
        USING (id = ${sql.literal(tenant)}) WITH CHECK (id = ${sql.literal(tenant)})`
    } else if (policyname === `${tablename}_tenant`) {
      yield* sql`ALTER POLICY ${policy} ON ${table}
        USING (clinic_id = ${sql.literal(tenant)}) WITH CHECK (clinic_id = ${sql.literal(tenant)})`
    } else if (policyname === "clinics_by_slug") {
      yield* sql`ALTER POLICY ${policy} ON ${table}
        USING (slug = (SELECT clinicore_slug_lookup()) AND ${sql.literal(tenant)} IS NULL)`
    } else if (policyname in scans) {
      yield* sql`ALTER POLICY ${policy} ON ${table}
        USING (${sql.literal(tenant)} IS NULL AND (SELECT clinicore_setting('scan')) = ${sql.literal(`'${scans[policyname]}'`)})`
    } else {
      return yield* Effect.dieMessage(`0011_tenant_proof: policy ${policyname} on ${tablename} is not known to this migration`)
    }
  }
})
