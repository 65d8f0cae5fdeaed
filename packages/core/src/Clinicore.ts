/**
 * Every clinicore service in one Layer. Provide a storage adapter and a `FieldCrypto`.
 *
 * @since 0.1.0
 */
import * as Layer from "effect/Layer"
import * as Access from "./Access.js"
import * as Accounts from "./Accounts.js"
import * as Analytics from "./Analytics.js"
import * as Audit from "./Audit.js"
import * as Billing from "./Billing.js"
import * as Catalog from "./Catalog.js"
import * as Clinics from "./Clinics.js"
import * as Doctors from "./Doctors.js"
import * as Export from "./Export.js"
import * as Import from "./Import.js"
import * as Patients from "./Patients.js"
import * as Reminders from "./Reminders.js"
import * as Schedules from "./Schedules.js"
import * as Scheduling from "./Scheduling.js"
import * as Staff from "./Staff.js"

/** @since 0.1.0 @category layers */
export const layer = Layer.mergeAll(
  Clinics.layer,
  Staff.layer,
  Doctors.layer,
  Patients.layer,
  Access.layer,
  Accounts.layer,
  Audit.layer,
  Schedules.layer,
  Catalog.layer,
  Scheduling.layer,
  Billing.layer,
  Reminders.layer,
  Export.layer,
  Import.layer,
  Analytics.layer
)
