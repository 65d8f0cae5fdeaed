/**
 * A doctor's appointments as iCalendar (RFC 5545) through `ical-generator`: times in the clinic's
 * zone (`TZID` with its `VTIMEZONE`), one stable UID per appointment, `SEQUENCE` from the
 * appointment's version (it moves on with every reschedule and status change), cancelled ones
 * as `STATUS:CANCELLED`.
 */
import { getVtimezoneComponent } from "@touch4it/ical-timezones"
import ical, { ICalEventStatus } from "ical-generator"
import { DateTime } from "luxon"
import type { AppointmentStatus } from "../../Appointment.js"
import type { AppointmentExportRow } from "../../TransferStorage.js"

const statusOf = (status: AppointmentStatus): ICalEventStatus =>
  status === "cancelled" || status === "expired"
    ? ICalEventStatus.CANCELLED
    : status === "requested"
    ? ICalEventStatus.TENTATIVE
    : ICalEventStatus.CONFIRMED

/** The stable UID of an appointment's event. */
export const uidOf = (appointmentId: string): string => `${appointmentId}@clinicore`

export const calendar = (
  input: { readonly name: string; readonly zone: string; readonly now: number },
  rows: ReadonlyArray<AppointmentExportRow>
): string => {
  const at = (ms: number) => DateTime.fromMillis(ms, { zone: input.zone })
  const cal = ical({
    name: input.name,
    prodId: { company: "clinicore", product: "clinicore", language: "EN" },
    timezone: { name: input.zone, generator: getVtimezoneComponent }
  })
  for (const row of rows) {
    cal.createEvent({
      id: uidOf(row.id),
      sequence: row.version - 1,
      start: at(row.start),
      end: at(row.end),
      timezone: input.zone,
      stamp: at(input.now),
      summary: `Appointment: ${row.patientName}`,
      description: row.notes,
      status: statusOf(row.status)
    })
  }
  return cal.toString()
}
