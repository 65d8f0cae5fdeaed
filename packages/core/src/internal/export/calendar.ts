/**
 * A doctor's appointments as iCalendar (RFC 5545) through `ical-generator`: times in the clinic's
 * zone (`TZID` with its `VTIMEZONE`), one stable UID per appointment, `SEQUENCE` from the
 * appointment's version (it moves on with every reschedule and status change), cancelled ones
 * as `STATUS:CANCELLED`. An event whose start or end falls in the hour an autumn DST change
 * repeats is written in UTC instead: a local time there names two instants, and parsers differ on
 * which one they take.
 */
import { getVtimezoneComponent } from "@touch4it/ical-timezones"
import ical, { ICalEventStatus } from "ical-generator"
import { DateTime } from "luxon"
import type { AppointmentStatus } from "../../Appointment.js"
import type { AppointmentExportRow } from "../../TransferStorage.js"
import { offsetAt } from "../zone.js"

const DAY = 86_400_000

/** Whether the wall-clock time of `t` in `zone` also names another instant. */
export const ambiguous = (zone: string, t: number): boolean => {
  const wall = t + offsetAt(zone, t)
  return [offsetAt(zone, t - DAY), offsetAt(zone, t + DAY)].some((offset) => {
    const other = wall - offset
    return other !== t && other + offsetAt(zone, other) === wall
  })
}

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
    // No calendar-wide zone: events name theirs (TZID, with its VTIMEZONE from the generator), and
    // what has none (DTSTAMP, events in a repeated hour) is written in UTC as RFC 5545 wants.
    timezone: { name: "", generator: getVtimezoneComponent }
  })
  for (const row of rows) {
    cal.createEvent({
      id: uidOf(row.id),
      sequence: row.version - 1,
      start: at(row.start),
      end: at(row.end),
      timezone: ambiguous(input.zone, row.start) || ambiguous(input.zone, row.end) ? null : input.zone,
      stamp: at(input.now),
      summary: `Appointment: ${row.patientName}`,
      description: row.notes,
      status: statusOf(row.status)
    })
  }
  return cal.toString()
}
