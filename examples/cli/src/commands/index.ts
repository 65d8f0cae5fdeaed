/**
 * Every command of the CLI. Adding one: a file in this folder exporting an @effect/cli `Command`,
 * and one line below.
 */
import { analytics } from "./analytics.js"
import { audit } from "./audit.js"
import { book } from "./book.js"
import { cancel } from "./cancel.js"
import { clinic } from "./clinic.js"
import { doctor } from "./doctor.js"
import { exportCommand } from "./export.js"
import { hours } from "./hours.js"
import { importCommandGroup } from "./import.js"
import { init } from "./init.js"
import { invoice } from "./invoice.js"
import { patient } from "./patient.js"
import { pay } from "./pay.js"
import { reminders } from "./reminders.js"
import { reschedule } from "./reschedule.js"
import { seed } from "./seed.js"
import { service } from "./service.js"
import { slots } from "./slots.js"
import { staff } from "./staff.js"
import { status } from "./status.js"

export const commands = [
  init,
  seed,
  clinic,
  staff,
  doctor,
  hours,
  patient,
  service,
  slots,
  book,
  reschedule,
  cancel,
  status,
  invoice,
  pay,
  reminders,
  audit,
  exportCommand,
  importCommandGroup,
  analytics
] as const
