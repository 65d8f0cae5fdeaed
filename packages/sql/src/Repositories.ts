/**
 * The storage repositories, written once over `@effect/sql` for both adapters, one module per
 * repository under `internal/`. Every query names `clinic_id`; the Postgres adapter adds
 * row-level security underneath. Rows are decoded with Schema; one that does not decode is a
 * defect.
 *
 * @since 0.1.0
 */
import type * as Storage from "@clinicore/core/Storage"
import * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"
import type { Dialect } from "./Dialect.js"
import * as Access from "./internal/access.js"
import * as Appointments from "./internal/appointments.js"
import * as Audit from "./internal/audit.js"
import * as Catalog from "./internal/catalog.js"
import * as Clinics from "./internal/clinics.js"
import * as Context from "./internal/context.js"
import * as Doctors from "./internal/doctors.js"
import * as Exports from "./internal/exports.js"
import * as ImportKeys from "./internal/importKeys.js"
import * as Patients from "./internal/patients.js"
import * as Schedules from "./internal/schedules.js"
import * as Staff from "./internal/staff.js"

/** @since 0.1.0 @category models */
export type Repositories = Omit<Storage.Storage, "transaction" | "clinicBySlug">

/**
 * Reads a clinic row (`SELECT * FROM clinics`). A row that does not decode throws: inside
 * `Effect.map`, a defect.
 *
 * @since 0.1.0 @category rows
 */
export const toClinicRow: (row: { readonly [column: string]: unknown }) => Storage.ClinicRow = Clinics.toClinicRow

/** @since 0.1.0 @category constructors */
export const make = (dialect: Dialect): Effect.Effect<Repositories, never, SqlClient.SqlClient> =>
  Effect.map(SqlClient.SqlClient, (sql) => {
    const context = Context.make(sql, dialect)
    return {
      clinics: Clinics.make(context),
      staff: Staff.make(context),
      doctors: Doctors.make(context),
      patients: Patients.make(context),
      access: Access.make(context),
      audit: Audit.make(context),
      schedules: Schedules.make(context),
      catalog: Catalog.make(context),
      appointments: Appointments.make(context),
      exports: Exports.make(context),
      importKeys: ImportKeys.make(context)
    }
  })
