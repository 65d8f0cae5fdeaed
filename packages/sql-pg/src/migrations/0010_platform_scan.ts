import * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"

/**
 * The platform's listing of clinics (`Clinics.list`): a transaction that names no tenant and sets
 * `clinicore.scan = 'clinics'` (transaction-locally) sees every clinic row, for reading only; the
 * adapter sets it only in `allClinics`. Tenant transactions still see their own clinic alone.
 * Numbered 0010: 0007–0009 are taken by work in flight (export and import, analytics, sessions).
 */
export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE POLICY clinics_platform_scan ON clinics FOR SELECT
    USING (clinicore_current_clinic() IS NULL AND current_setting('clinicore.scan', true) = 'clinics')`
})
