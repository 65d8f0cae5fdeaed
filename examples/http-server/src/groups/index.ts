/**
 * Every route group of the API. Adding one: write `groups/<name>.ts` exporting `group` (an
 * `HttpApiGroup`, usually `staffGroup(name, description)`) and `live` (its handlers, built with
 * `HttpApiBuilder.group(apiOf(group), name, …)`), then add one line below.
 */
import * as access from "./access.js"
import * as analytics from "./analytics.js"
import * as audit from "./audit.js"
import * as auth from "./auth.js"
import * as billing from "./billing.js"
import * as catalog from "./catalog.js"
import * as clinic from "./clinic.js"
import * as doctors from "./doctors.js"
import * as patients from "./patients.js"
import * as platform from "./platform.js"
import * as publicBooking from "./public.js"
import * as reminders from "./reminders.js"
import * as scheduling from "./scheduling.js"
import * as staff from "./staff.js"
import * as transfer from "./transfer.js"

export const modules = [
  auth,
  platform,
  clinic,
  staff,
  access,
  doctors,
  patients,
  catalog,
  scheduling,
  billing,
  reminders,
  analytics,
  transfer,
  audit,
  publicBooking
] as const
