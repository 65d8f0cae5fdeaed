/**
 * Export and import on one adapter: the patient export's gate, round trip and neutralising
 * (property), the appointment export's zone-aware week across a DST change, the iCalendar feed
 * read back by a real parser (ical.js), and a clinic exported and imported into a fresh one,
 * twice, with bad rows refused whole or skipped.
 */
import { Audit } from "@clinicore/core/Audit"
import { zoned } from "@clinicore/core/Availability"
import * as Csv from "@clinicore/core/Csv"
import { Doctors } from "@clinicore/core/Doctors"
import { Export } from "@clinicore/core/Export"
import { Import } from "@clinicore/core/Import"
import { Patients } from "@clinicore/core/Patients"
import { Scheduling } from "@clinicore/core/Scheduling"
import { expect } from "@effect/vitest"
import { parse } from "csv-parse/sync"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Runtime from "effect/Runtime"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import * as TestContext from "effect/TestContext"
import * as fc from "fast-check"
import ICAL from "ical.js"
import * as Fixtures from "../../Fixtures.js"
import { RawAccess } from "../../RawAccess.js"
import type { SuiteIt } from "./it.js"

const MINUTE = 60_000

/** Runs `self` with `TestClock` as the clock, set to `at`. */
const atTime = (at: number) => <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Effect.zipRight(TestClock.setTime(at), self).pipe(Effect.provide(TestContext.TestContext))

/** The whole CSV a stream wrote. */
const text = <E, R>(stream: Stream.Stream<string, E, R>) =>
  Effect.map(Stream.runCollect(stream), (chunks) => Chunk.toReadonlyArray(chunks).join(""))

/** Records as written (not yet restored). */
const records = (csv: string): Array<Array<string>> => parse(csv) as Array<Array<string>>

/** Records keyed by header, cells restored. */
const rowsOf = (csv: string): Array<Record<string, string>> => {
  const [header, ...rest] = records(csv)
  return rest.map((r) => Object.fromEntries(header!.map((h, i) => [h, Csv.restore(r[i]!)])))
}

const count = (table: string, clinicId: string) =>
  Effect.flatMap(RawAccess, (raw) => raw.execute(`SELECT count(*) AS n FROM ${table} WHERE clinic_id = ?`, [clinicId])).pipe(
    Effect.map((rows) => Number(rows[0]!.n))
  )

/** Text a spreadsheet user could type: commas, quotes, line breaks, leading formula characters. */
const tricky = fc.array(
  fc.constantFrom("=", "+", "-", "@", "'", ",", "\"", "\n", "\r\n", "\t", " ", "a", "Z", "é", "SUM(A1:A9)", "1", ";"),
  { minLength: 1, maxLength: 10 }
).map((parts) => parts.join("")).filter((s) => s.trim().length > 0)

export const exportImport = (it: SuiteIt) => {
  it.effect("export: patients.export gates the patient export; it parses back to the stored values and no cell runs as a formula", () =>
    Effect.gen(function*() {
      const a = yield* Fixtures.clinic("ExportPatients")
      const receptionist = yield* Fixtures.staffMember(a, "receptionist")
      const exporter = yield* Export
      const refused = yield* Effect.flip(text(exporter.patients()).pipe(a.as(receptionist.id)))
      expect(refused).toMatchObject({ _tag: "PermissionDenied", permission: "patients.export" })

      const patients = yield* Patients
      const runtime = yield* Effect.runtime<Patients | Export | Audit>()
      let n = 0
      yield* Effect.promise(() =>
        fc.assert(
          fc.asyncProperty(tricky, tricky, fc.option(tricky, { nil: undefined }), (fullName, address, gender) =>
            Runtime.runPromise(runtime)(Effect.gen(function*() {
              const stored = yield* patients.create({
                fullName,
                phone: `+1 212 555 ${1000 + n++}`,
                address,
                ...(gender === undefined ? {} : { gender }),
                bloodGroup: "ab-",
                dateOfBirth: "1980-02-29"
              }).pipe(a.asAdmin)
              const csv = yield* text(exporter.patients()).pipe(a.asAdmin)
              const raw = records(csv)
              expect(raw[0]).toEqual(["ID", "Full Name", "Email", "Phone", "Date of Birth", "Gender", "Blood Group", "Address", "Created At"])
              for (const cell of raw.flat()) expect(Csv.isFormulaLike(cell)).toBe(false)
              const rows = rowsOf(csv)
              // Newest first.
              expect(rows[0]!["ID"]).toBe(stored.id)
              expect(rows[0]).toEqual({
                "ID": stored.id,
                "Full Name": stored.fullName,
                "Email": "",
                "Phone": stored.phone,
                "Date of Birth": "1980-02-29",
                "Gender": gender === undefined ? "" : gender.trim(),
                "Blood Group": "AB-",
                "Address": address.trim(),
                "Created At": new Date(stored.createdAt).toISOString()
              })
            }))
          ),
          { numRuns: 25 }
        )
      )
      // An export of patient records is a read of them: audited.
      const events = yield* Effect.flatMap(Audit, (s) => s.list({ action: "Export.patients", limit: 1000 })).pipe(a.asAdmin)
      expect(events.filter((e) => e.outcome === "ok").length).toBe(25)
      expect(events.filter((e) => e.outcome === "denied").length).toBe(1)
    }))

  it.effect("export: appointments filtered by a status and this week, in the clinic's zone, across a DST change", () =>
    Effect.gen(function*() {
      // Europe/London moves to summer time on Sunday 2026-03-29; that week runs from Monday
      // 23 March 00:00 GMT to Monday 30 March 00:00 BST (= Sunday 23:00 UTC).
      const zone = "Europe/London"
      const a = yield* Fixtures.clinic("ExportWeek", { timeZone: zone })
      const doctor = yield* Effect.flatMap(Doctors, (d) => d.create({ name: "Dr Week", specialty: "GP" })).pipe(a.asAdmin)
      const patient = yield* Effect.flatMap(Patients, (p) => p.create({ fullName: "Wanda Week", phone: "+1 212 555 0199" })).pipe(a.asAdmin)
      const s = yield* Scheduling
      const local = (date: string, time: string) => zoned.instant(zone, date, time)
      const book = (start: number) =>
        s.book({ doctorId: doctor.id, patientId: patient.id, start, end: start + 30 * MINUTE, override: true }).pipe(a.asAdmin)
      const slots = {
        beforeWeek: local("2026-03-22", "23:30"),
        mondayMidnight: local("2026-03-23", "00:00"),
        midweek: local("2026-03-25", "10:00"),
        afterChange: local("2026-03-29", "09:00"),
        sundayLate: local("2026-03-29", "23:30"),
        // 23:00 UTC on Sunday: inside a week counted in UTC, outside London's week.
        nextMonday: local("2026-03-30", "00:00"),
        confirmedMidweek: local("2026-03-26", "11:00")
      }
      const booked = yield* atTime(Date.UTC(2026, 2, 1))(
        Effect.forEach(Object.entries(slots), ([k, start]) => Effect.map(book(start), (ap) => [k, ap] as const))
      )
      const ids = Object.fromEntries(booked.map(([k, ap]) => [k, ap.id]))
      yield* atTime(Date.UTC(2026, 2, 1))(s.setStatus({ id: ids["confirmedMidweek"]!, status: "confirmed" }).pipe(a.asAdmin))
      expect(slots.nextMonday).toBe(Date.UTC(2026, 2, 29, 23, 0))

      const exporter = yield* Export
      const csv = yield* atTime(Date.UTC(2026, 2, 25, 12, 0))(
        text(exporter.appointments({ statuses: ["scheduled"], range: "this_week" })).pipe(a.asAdmin)
      )
      const rows = rowsOf(csv)
      expect(records(csv)[0]!.slice(0, 7)).toEqual(["ID", "Patient Name", "Doctor Name", "Start Time", "End Time", "Status", "Notes"])
      expect(rows.map((r) => r["ID"])).toEqual([ids["mondayMidnight"], ids["midweek"], ids["afterChange"], ids["sundayLate"]])
      expect(rows.every((r) => r["Status"] === "scheduled" && r["Doctor Name"] === "Dr Week" && r["Patient Name"] === "Wanda Week")).toBe(true)
      expect(rows.map((r) => r["Start Time"])).toEqual(
        [slots.mondayMidnight, slots.midweek, slots.afterChange, slots.sundayLate].map((t) => new Date(t).toISOString())
      )
      // A custom range of local dates, both included: the whole Sunday of the change (23 hours).
      const sunday = rowsOf(
        yield* text(exporter.appointments({ range: { from: "2026-03-29", to: "2026-03-29" } })).pipe(a.asAdmin)
      )
      expect(sunday.map((r) => r["ID"])).toEqual([ids["afterChange"], ids["sundayLate"]])
      const reversed = yield* Effect.flip(text(exporter.appointments({ range: { from: "2026-03-29", to: "2026-03-28" } })).pipe(a.asAdmin))
      expect(reversed).toMatchObject({ _tag: "ValidationError", fields: [{ path: "range.to" }] })
    }))

  it.effect("export: the .ics parses with a real iCalendar parser and every event starts at the stored instant", () =>
    Effect.gen(function*() {
      // New York leaves summer time on Sunday 2026-11-01: 01:30 happens twice that night.
      const zone = "America/New_York"
      const a = yield* Fixtures.clinic("Ics", { timeZone: zone })
      const doctors = yield* Doctors
      const doctor = yield* doctors.create({ name: "Dr Ics", specialty: "GP" }).pipe(a.asAdmin)
      const other = yield* doctors.create({ name: "Dr Other", specialty: "GP" }).pipe(a.asAdmin)
      const patient = yield* Effect.flatMap(Patients, (p) => p.create({ fullName: "Ivy, \"Ics\"", phone: "+1 212 555 0177" })).pipe(a.asAdmin)
      const s = yield* Scheduling
      const book = (doctorId: string, start: number) =>
        s.book({ doctorId, patientId: patient.id, start, end: start + 30 * MINUTE, override: true, notes: "line 1\nline 2; =x" }).pipe(a.asAdmin)
      const starts = [
        zoned.instant(zone, "2026-10-31", "09:00"),
        Date.UTC(2026, 10, 1, 5, 30), // 01:30 EDT, the first of the two
        Date.UTC(2026, 10, 1, 6, 30), // 01:30 EST, the second
        zoned.instant(zone, "2026-11-02", "14:00")
      ]
      const booked = yield* atTime(Date.UTC(2026, 9, 1))(Effect.gen(function*() {
        const list = yield* Effect.forEach(starts, (t) => book(doctor.id, t))
        yield* book(other.id, starts[0]! + 120 * MINUTE)
        // Rescheduled once (SEQUENCE 1), cancelled (STATUS:CANCELLED).
        const moved = yield* s.reschedule({ id: list[3]!.id, start: zoned.instant(zone, "2026-11-02", "15:00"), override: true }).pipe(a.asAdmin)
        yield* s.cancel({ id: list[0]!.id, reason: "ill" }).pipe(a.asAdmin)
        return [list[0]!, list[1]!, list[2]!, moved]
      }))
      const exporter = yield* Export
      const ics = yield* atTime(Date.UTC(2026, 9, 20))(
        exporter.calendar({ doctorId: doctor.id, range: { from: "2026-10-31", to: "2026-11-02" } }).pipe(a.asAdmin)
      )
      const calendar = new ICAL.Component(ICAL.parse(ics))
      for (const vtz of calendar.getAllSubcomponents("vtimezone")) ICAL.TimezoneService.register(new ICAL.Timezone(vtz))
      const events = calendar.getAllSubcomponents("vevent").map((v) => {
        const e = new ICAL.Event(v)
        return { uid: e.uid, start: e.startDate.toJSDate().getTime(), end: e.endDate.toJSDate().getTime(), sequence: e.sequence, status: v.getFirstPropertyValue("status") }
      })
      const stored = yield* Effect.forEach(booked, (ap) => s.get(ap.id).pipe(a.asAdmin))
      expect(events).toEqual(stored.map((ap) => ({
        uid: `${ap.id}@clinicore`,
        start: ap.start,
        end: ap.end,
        sequence: ap.version - 1,
        status: ap.status === "cancelled" ? "CANCELLED" : "CONFIRMED"
      })))
      expect(events.find((e) => e.uid === `${booked[3]!.id}@clinicore`)!.sequence).toBeGreaterThanOrEqual(1)
      expect(ics).toContain(`DTSTART;TZID=${zone}:`)
      // The UIDs are stable: the same export again names the same events.
      const again = yield* atTime(Date.UTC(2026, 9, 21))(
        exporter.calendar({ doctorId: doctor.id, range: { from: "2026-10-31", to: "2026-11-02" } }).pipe(a.asAdmin)
      )
      expect(again.match(/^UID:.*$/gm)).toEqual(ics.match(/^UID:.*$/gm))
    }))

  it.effect("import: a clinic exported and imported into a fresh one has the same patients and appointments; again changes nothing", () =>
    Effect.gen(function*() {
      const zone = "Europe/London"
      const a = yield* Fixtures.clinic("MoveFrom", { timeZone: zone })
      const doctor = yield* Effect.flatMap(Doctors, (d) => d.create({ name: "Dr Move", specialty: "GP" })).pipe(a.asAdmin)
      const patients = yield* Patients
      const people = yield* Effect.forEach([
        { fullName: "=Smith, \"Jr\"\nsecond line", phone: "+1 212 555 0101", email: "smith@example.test", gender: "male", address: "-1 Main St,\nSpringfield" },
        { fullName: "@Anna 'O'", phone: "+1 212 555 0102", dateOfBirth: "1990-05-01", bloodGroup: "O+" },
        { fullName: "+Bob", phone: "+1 212 555 0103" }
      ], (p) => patients.create(p).pipe(a.asAdmin))
      const s = yield* Scheduling
      const day = (d: string, t: string) => zoned.instant(zone, d, t)
      const plan = [
        { who: 0, start: day("2026-01-10", "09:00"), final: "completed" },
        { who: 1, start: day("2026-01-10", "09:30"), final: "no_show" },
        { who: 2, start: day("2026-01-11", "10:00"), final: "cancelled" },
        { who: 0, start: day("2026-06-01", "11:00"), final: "scheduled" }
      ] as const
      yield* atTime(Date.UTC(2026, 0, 1))(Effect.forEach(plan, (p) =>
        Effect.gen(function*() {
          const ap = yield* s.book({ doctorId: doctor.id, patientId: people[p.who]!.id, start: p.start, end: p.start + 30 * MINUTE, override: true, notes: "+follow up, \"soon\"" }).pipe(a.asAdmin)
          if (p.final === "cancelled") yield* s.cancel({ id: ap.id, reason: "=moved away" }).pipe(a.asAdmin)
        })))
      const byStart = (start: number) => Effect.map(s.list({ from: start, to: start + 1 }).pipe(a.asAdmin), (l) => l[0]!)
      yield* atTime(Date.UTC(2026, 1, 1))(Effect.forEach(plan.filter((p) => p.final === "completed" || p.final === "no_show"), (p) =>
        Effect.flatMap(byStart(p.start), (ap) => s.setStatus({ id: ap.id, status: p.final }).pipe(a.asAdmin))))

      const now = Date.UTC(2026, 2, 1)
      const exporter = yield* Export
      const importer = yield* Import
      const exportAll = (fixture: Fixtures.ClinicFixture) =>
        atTime(now)(Effect.all({
          patients: text(exporter.patients()).pipe(fixture.asAdmin),
          appointments: text(exporter.appointments()).pipe(fixture.asAdmin)
        }))
      const from = yield* exportAll(a)

      const b = yield* Fixtures.clinic("MoveTo", { timeZone: zone })
      yield* Effect.flatMap(Doctors, (d) => d.create({ name: "Dr Move", specialty: "GP" })).pipe(b.asAdmin)
      const first = yield* atTime(now)(Effect.all({
        patients: importer.patients({ csv: from.patients }).pipe(b.asAdmin),
        appointments: importer.appointments({ csv: from.appointments }).pipe(b.asAdmin)
      }))
      expect(first.patients).toEqual({ layout: "clinicore", rows: 3, created: 3, unchanged: 0, rejected: [] })
      expect(first.appointments).toEqual({ layout: "clinicore", rows: 4, created: 4, unchanged: 0, rejected: [] })

      const to = yield* exportAll(b)
      const withoutIds = (csv: string, idColumns: ReadonlyArray<string>) =>
        rowsOf(csv).map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !idColumns.includes(k))))
      expect(withoutIds(to.patients, ["ID"])).toEqual(withoutIds(from.patients, ["ID"]))
      expect(withoutIds(to.appointments, ["ID", "Patient ID", "Doctor ID"])).toEqual(withoutIds(from.appointments, ["ID", "Patient ID", "Doctor ID"]))
      expect(rowsOf(to.appointments).map((r) => r["Status"])).toEqual(["completed", "no_show", "cancelled", "scheduled"])

      // Importing the same files again changes nothing.
      const counts = Effect.all([count("patients", b.clinicId), count("appointments", b.clinicId)])
      const before = yield* counts
      const second = yield* atTime(now)(Effect.all({
        patients: importer.patients({ csv: from.patients }).pipe(b.asAdmin),
        appointments: importer.appointments({ csv: from.appointments }).pipe(b.asAdmin)
      }))
      expect(second.patients).toMatchObject({ created: 0, unchanged: 3, rejected: [] })
      expect(second.appointments).toMatchObject({ created: 0, unchanged: 4, rejected: [] })
      expect(yield* counts).toEqual(before)
      expect((yield* exportAll(b)).patients).toBe(to.patients)

      // Only appointments.import may import (admin only by default), and it is audited.
      const receptionist = yield* Fixtures.staffMember(b, "receptionist")
      const refused = yield* Effect.flip(importer.patients({ csv: from.patients }).pipe(b.as(receptionist.id)))
      expect(refused).toMatchObject({ _tag: "PermissionDenied", permission: "appointments.import" })
      const events = yield* Effect.flatMap(Audit, (au) => au.list({ entityType: "Appointment", action: "Import.appointments" })).pipe(b.asAdmin)
      expect(events.filter((e) => e.outcome === "ok").length).toBe(2)
    }))

  it.effect("import: bad rows refuse the whole file, each reported by line, column and reason; accept_valid writes exactly the good rows", () =>
    Effect.gen(function*() {
      const c = yield* Fixtures.clinic("BadRows")
      const importer = yield* Import
      const csv = [
        "ID,Full Name,Email,Phone,Date of Birth,Gender,Blood Group,Address,Created At",
        "p1,Good One,one@example.test,+1 212 555 0201,1970-01-01,,,,",
        "p2,,two@example.test,+1 212 555 0202,,,,,",
        "p3,Good Three,,+1 212 555 0203,,,,\"12 Quoted St,",
        "Line two\",",
        "p4,Bad Blood,,+1 212 555 0204,,,Z+,,",
        "p5,Bad Phone,not-an-email,12,2999-01-01,,,,",
        "p6,Good Six,,+1 212 555 0206,,,,,",
        "p7,Same Phone,,+1 212 555 0206,,,,,",
        ""
      ].join("\r\n")
      const error = yield* Effect.flip(importer.patients({ csv }).pipe(c.asAdmin))
      expect(error._tag).toBe("ImportRejected")
      const expected = [
        { line: 3, externalId: "p2", field: "Full Name", reason: "is required" },
        { line: 6, externalId: "p4", field: "Blood Group", reason: expect.stringMatching(/^must be one of A\+, A-, B\+, B-, AB\+, AB-, O\+, O-/) },
        { line: 7, externalId: "p5", field: "Email", reason: expect.stringMatching(/^must be an email address/) },
        { line: 7, externalId: "p5", field: "Phone" },
        { line: 7, externalId: "p5", field: "Date of Birth", reason: "must not be in the future" },
        { line: 9, externalId: "p7", field: "Phone" }
      ]
      if (error._tag === "ImportRejected") {
        expect(error.report.rejected).toMatchObject(expected)
        // What would have been written, had the file been accepted.
        expect(error.report).toMatchObject({ created: 3, rows: 7 })
      }
      expect(yield* count("patients", c.clinicId)).toBe(0)
      expect(yield* count("import_keys", c.clinicId)).toBe(0)

      const accepted = yield* importer.patients({ csv, mode: "accept_valid" }).pipe(c.asAdmin)
      expect(accepted.rejected).toMatchObject(expected)
      expect(accepted).toMatchObject({ layout: "clinicore", rows: 7, created: 3, unchanged: 0 })
      const names = (yield* Effect.flatMap(Patients, (p) => p.search({})).pipe(c.asAdmin)).map((p) => p.fullName).sort()
      expect(names).toEqual(["Good One", "Good Six", "Good Three"])
      expect(yield* count("patients", c.clinicId)).toBe(3)
      // A header nobody wrote is refused before any row.
      const unknown = yield* Effect.flip(importer.patients({ csv: "foo,bar\r\n1,2\r\n" }).pipe(c.asAdmin))
      expect(unknown).toMatchObject({ _tag: "ValidationError", fields: [{ path: "header" }] })
      // A file is larger than the general text bound: 400 rows (about 30,000 characters) import whole.
      const big = [
        "ID,Full Name,Email,Phone,Date of Birth,Gender,Blood Group,Address,Created At",
        ...Array.from({ length: 400 }, (_, i) => `big${i},Big Patient ${i},big${i}@example.test,+1 212 556 ${String(1000 + i)},,,,,`),
        ""
      ].join("\r\n")
      expect(big.length).toBeGreaterThan(10_000)
      expect(yield* importer.patients({ csv: big }).pipe(c.asAdmin)).toMatchObject({ rows: 400, created: 400 })
      const missing = yield* Effect.flip(importer.patients({} as never).pipe(c.asAdmin))
      expect(missing).toMatchObject({ _tag: "ValidationError", fields: [{ path: "csv", message: "is required" }] })
    }))

  it.effect("import: CareNova's and ClinicOps' layouts are recognised; doctors are matched by name, history keeps its final status", () =>
    Effect.gen(function*() {
      const zone = "Europe/London"
      const c = yield* Fixtures.clinic("Layouts", { timeZone: zone })
      yield* Effect.flatMap(Doctors, (d) => d.create({ name: "Dr Nova", specialty: "GP" })).pipe(c.asAdmin)
      const importer = yield* Import
      const now = Date.UTC(2026, 5, 1)
      const run = <A, E, R>(e: Effect.Effect<A, E, R>) => atTime(now)(e.pipe(c.asAdmin))
      const carenovaPatients = [
        "ID,Full Name,Email,Phone,Date of Birth,Gender,Blood Group,Address,Created At",
        "cn-1,Carla Nova,carla@example.test,+1 212 555 0301,1985-03-04,female,A+,1 Nova Road,2025-12-01T10:00:00.000Z"
      ].join("\n")
      expect(yield* run(importer.patients({ csv: carenovaPatients }))).toMatchObject({ layout: "clinicore", created: 1 })
      const carenovaAppointments = [
        "ID,Patient Name,Doctor Name,Start Time,End Time,Status,Notes",
        "cn-a1,Carla Nova,dr nova,2026-03-29 00:30,2026-03-29 01:00,Completed,first visit",
        "cn-a2,Carla Nova,Dr Nova,2026-04-02 09:00,2026-04-02 09:30,No Show,",
        "cn-a3,Carla Nova,Dr Nobody,2026-04-03 09:00,2026-04-03 09:30,completed,",
        "cn-a4,Carla Nova,Dr Nova,2026-04-04 09:00,2026-04-04 09:30,scheduled,",
        "cn-a5,Carla Nova,Dr Nova,2026-07-01 09:00,2026-07-01 09:30,scheduled,booked in the old system"
      ].join("\n")
      const report = yield* run(importer.appointments({ csv: carenovaAppointments, mode: "accept_valid" }))
      expect(report).toMatchObject({
        layout: "carenova",
        created: 3,
        rejected: [
          { line: 4, field: "Doctor Name" },
          { line: 5, field: "Status", reason: "a past appointment must be completed, no_show, cancelled" }
        ]
      })
      const s = yield* Scheduling
      const listed = yield* run(s.list({}))
      expect(listed.map((ap) => [ap.start, ap.status])).toEqual([
        [zoned.instant(zone, "2026-03-29", "00:30"), "completed"],
        [zoned.instant(zone, "2026-04-02", "09:00"), "no_show"],
        [zoned.instant(zone, "2026-07-01", "09:00"), "scheduled"]
      ])
      // Only what is still to come is reminded of.
      const reminded = yield* Effect.flatMap(RawAccess, (raw) =>
        raw.execute("SELECT DISTINCT appointment_id FROM reminders WHERE clinic_id = ?", [c.clinicId]))
      expect(reminded.map((r) => String(r.appointment_id))).toEqual([listed[2]!.id])
      const clinicOps = [
        "id,patient_id,doctor_name,appointment_date,appointment_time,status,notes",
        "co-1,cn-1,Dr Nova,2026-02-10,08:15,no_show,",
        "co-2,cn-1,Dr Nova,2026-02-11,08:15,canceled,"
      ].join("\n")
      expect(yield* run(importer.appointments({ csv: clinicOps }))).toMatchObject({ layout: "clinicops", created: 2, rejected: [] })
      const opsRows = yield* run(s.list({ from: Date.UTC(2026, 1, 1), to: Date.UTC(2026, 2, 1) }))
      expect(opsRows.map((ap) => [ap.start, ap.end - ap.start, ap.status])).toEqual([
        [zoned.instant(zone, "2026-02-10", "08:15"), 30 * MINUTE, "no_show"],
        [zoned.instant(zone, "2026-02-11", "08:15"), 30 * MINUTE, "cancelled"]
      ])
    }))
}
