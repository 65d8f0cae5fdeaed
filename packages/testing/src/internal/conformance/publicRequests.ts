/**
 * Public booking requests on one adapter: a request holds its own contact and touches no patient
 * (an existing patient's phone reads and changes nothing of theirs, and a refusal names nobody);
 * the limits per clinic, per phone and per phone per clinic day; staff matching a request on
 * confirmation, to an existing patient (whose rules then apply) or to a new one.
 */
import * as Actor from "@clinicore/core/Actor"
import { zoned } from "@clinicore/core/Availability"
import { Catalog } from "@clinicore/core/Catalog"
import { Clinics } from "@clinicore/core/Clinics"
import { Doctors } from "@clinicore/core/Doctors"
import { Patients } from "@clinicore/core/Patients"
import { Schedules } from "@clinicore/core/Schedules"
import { Scheduling } from "@clinicore/core/Scheduling"
import { expect } from "@effect/vitest"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Fixtures from "../../Fixtures.js"
import { RawAccess } from "../../RawAccess.js"
import type { SuiteIt } from "./it.js"

const DAY = 86_400_000
const allWeek = [1, 2, 3, 4, 5, 6, 7]

/** A clock standing at `ms`: "now" for the clinic's day and the requests' holds. */
const clockAt = (ms: number): Clock.Clock => ({
  [Clock.ClockTypeId]: Clock.ClockTypeId,
  unsafeCurrentTimeMillis: () => ms,
  unsafeCurrentTimeNanos: () => BigInt(ms) * 1_000_000n,
  currentTimeMillis: Effect.succeed(ms),
  currentTimeNanos: Effect.succeed(BigInt(ms) * 1_000_000n),
  sleep: () => Effect.void
})

const setup = (label: string) =>
  Effect.gen(function*() {
    const a = yield* Fixtures.clinic(label, { timeZone: "America/New_York" })
    const doctors = yield* Doctors
    const d1 = yield* doctors.create({ name: "Dr One", specialty: "GP" }).pipe(a.asAdmin)
    const d2 = yield* doctors.create({ name: "Dr Two", specialty: "GP" }).pipe(a.asAdmin)
    for (const d of [d1, d2]) {
      yield* Effect.flatMap(Schedules, (s) => s.set({ doctorId: d.id, rules: { weekly: allWeek.map((weekday) => ({ weekday, start: "08:00", end: "18:00" })) } }))
        .pipe(a.asAdmin)
    }
    const patients = yield* Patients
    const p1 = yield* patients.create({
      fullName: "Pat One",
      phone: "+1 212 555 0201",
      email: "pat@one.test",
      dateOfBirth: "1980-02-03",
      nationalId: "AB123456",
      address: "1 Main St"
    }).pipe(a.asAdmin)
    const p2 = yield* patients.create({ fullName: "Pat Two", phone: "+1 212 555 0202" }).pipe(a.asAdmin)
    const service = yield* Effect.flatMap(Catalog, (c) => c.createService({ name: "Consult", durationMinutes: 30 })).pipe(a.asAdmin)
    const day = zoned.date("America/New_York", Date.now() + 3 * DAY)
    const at = (time: string) => zoned.instant("America/New_York", day, time)
    const ask = (start: string, phone: string, extra: object = {}) =>
      Effect.flatMap(Scheduling, (s) =>
        s.request({ doctorId: d1.id, serviceId: service.id, start: at(start), patient: { fullName: "Someone Else", phone }, ...extra }))
        .pipe(Actor.asPublic(a.clinic.slug))
    return { a, d1, d2, p1, p2, service, at, ask }
  })

export const publicRequests = (it: SuiteIt) => {
  it.effect("public request: an existing patient's phone reads and changes nothing of theirs; refusals name no appointment and no patient", () =>
    Effect.gen(function*() {
      const { a, at, ask, d1, d2, p1, p2, service } = yield* setup("PublicPrivacy")
      const s = yield* Scheduling
      const raw = yield* RawAccess
      // p1 is booked elsewhere at 10:00 and blocked; p2 holds 09:00 with d1.
      const own = yield* s.book({ doctorId: d2.id, patientId: p1.id, serviceId: service.id, start: at("10:00") }).pipe(a.asAdmin)
      const taken = yield* s.book({ doctorId: d1.id, patientId: p2.id, serviceId: service.id, start: at("09:00") }).pipe(a.asAdmin)
      yield* Effect.flatMap(Patients, (p) => p.block({ id: p1.id, reason: "unpaid bills" })).pipe(a.asAdmin)
      const snapshot = Effect.all([
        raw.execute("SELECT * FROM patients WHERE clinic_id = ? AND id = ?", [a.clinicId, p1.id]),
        raw.execute("SELECT * FROM appointments WHERE clinic_id = ? AND patient_id = ? ORDER BY id", [a.clinicId, p1.id]),
        raw.execute("SELECT * FROM reminders WHERE clinic_id = ? AND patient_id = ? ORDER BY id", [a.clinicId, p1.id]),
        raw.execute("SELECT * FROM recall_contacts WHERE clinic_id = ? AND patient_id = ? ORDER BY id", [a.clinicId, p1.id])
      ])
      const before = yield* snapshot
      expect(before[0]).toHaveLength(1)
      expect(before[1]).toHaveLength(1)

      // The blocked, busy patient's phone (written another way, with another name and email):
      // the request is the caller's own, holding its contact, and nobody's appointment yet.
      const made = yield* Effect.tapErrorCause(ask("10:00", "(212) 555-0201", { patient: { fullName: "Renamed", phone: "(212) 555-0201", email: "new@x.test" } }), (c) => Effect.sync(() => console.log("DBG", String(c).slice(0, 2000))))
      expect(made).toMatchObject({
        status: "requested",
        source: "public",
        patientId: null,
        requester: { fullName: "Renamed", phone: "+12125550201", email: "new@x.test" }
      })
      // A taken time: one generic reason, naming no appointment and nothing about any patient.
      const refused = yield* Effect.flip(ask("09:00", "+1 212 555 0201"))
      expect(refused).toMatchObject({ _tag: "Conflict", reason: { _tag: "not_bookable", reasons: [{ code: "unavailable" }] } })
      expect((refused as { reason: unknown }).reason).toEqual({ _tag: "not_bookable", reasons: [{ code: "unavailable" }] })
      const told = JSON.stringify(refused)
      for (const secret of [taken.id, own.id, p1.id, p2.id, "blocked", "unpaid", "Pat One", "Pat Two", "patient_"]) {
        expect(told).not.toContain(secret)
      }

      yield* ask("11:00", "+1 212 555 0201")
      // The patient's row, appointments, reminders and recall contacts are byte-for-byte as before.
      expect(yield* snapshot).toEqual(before)
      // Staff see the requests holding the caller's contact, matched to nobody.
      const requests = yield* s.list({ statuses: ["requested"] }).pipe(a.asAdmin)
      expect(requests.map((r) => [r.patientId, r.requester?.phone])).toEqual([[null, "+12125550201"], [null, "+12125550201"]])
    }))

  it.effect("public request: pending per clinic and per phone, and requests per phone per clinic day (confirmed and cancelled count; a retry does not)", () =>
    Effect.gen(function*() {
      const { a, ask } = yield* setup("PublicLimits")
      const s = yield* Scheduling
      const clinics = yield* Clinics
      yield* clinics.updateSettings({ maxPendingRequestsPerPhone: 10, maxRequestsPerPhonePerDay: 3 }).pipe(a.asAdmin)
      const phone = "+1 917 555 0111"
      const tooMany = { _tag: "Conflict", reason: { _tag: "too_many_requests" } }
      const first = yield* ask("09:00", phone, { idempotencyKey: "web-1" })
      const second = yield* ask("09:30", phone)
      // Declined and accepted requests still count toward the phone's day.
      yield* s.cancel({ id: first.id, reason: "declined" }).pipe(a.asAdmin)
      yield* s.confirmRequest({ id: second.id }).pipe(a.asAdmin)
      yield* ask("10:00", phone)
      expect(yield* Effect.flip(ask("10:30", "(917) 555-0111"))).toMatchObject(tooMany)
      // A retry of one already made is the same request, not a fourth.
      expect((yield* ask("09:00", phone, { idempotencyKey: "web-1" })).id).toBe(first.id)
      // Another phone is not held back.
      yield* ask("11:00", "+1 917 555 0122")

      // Pending per phone, whatever the day allows.
      yield* clinics.updateSettings({ maxPendingRequestsPerPhone: 2, maxRequestsPerPhonePerDay: 100 }).pipe(a.asAdmin)
      yield* ask("12:00", "+1 917 555 0133")
      yield* ask("12:30", "+1 917 555 0133")
      expect(yield* Effect.flip(ask("13:00", "+1 917 555 0133"))).toMatchObject(tooMany)
      // And pending in the clinic: 4 wait now (10:00, 11:00, 12:00, 12:30).
      yield* clinics.updateSettings({ maxPendingRequests: 5, maxRequestsPerPhonePerDay: 3 }).pipe(a.asAdmin)
      yield* ask("13:30", "+1 917 555 0144")
      expect(yield* Effect.flip(ask("14:00", "+1 917 555 0155"))).toMatchObject(tooMany)
      // The next clinic day, the phone that made three today may ask again (and today's holds have lapsed).
      const tomorrow = (yield* Clock.currentTimeMillis) + DAY
      expect(yield* ask("14:30", phone).pipe(Effect.withClock(clockAt(tomorrow)))).toMatchObject({ status: "requested" })
    }))

  it.effect("public request: the limits hold under concurrency (20 requests at once from one phone, 3 a day allowed)", () =>
    Effect.gen(function*() {
      const { a, ask } = yield* setup("PublicLimitsRace")
      yield* Effect.flatMap(Clinics, (c) => c.updateSettings({ maxPendingRequestsPerPhone: 10, maxRequestsPerPhonePerDay: 3 })).pipe(a.asAdmin)
      const times = Array.from({ length: 20 }, (_, i) => `${String(8 + Math.floor(i / 2)).padStart(2, "0")}:${i % 2 === 0 ? "00" : "30"}`)
      const outcomes = yield* Effect.forEach(times, (t) => Effect.either(ask(t, "+1 917 555 0199")), { concurrency: "unbounded" })
      const made = outcomes.filter((o) => o._tag === "Right")
      expect(made.length).toBe(3)
      expect(outcomes.filter((o) => o._tag === "Left").every((o) => o._tag === "Left" && o.left._tag === "Conflict")).toBe(true)
      const raw = yield* RawAccess
      const [row] = yield* raw.execute("SELECT count(*) AS n FROM appointments WHERE clinic_id = ?", [a.clinic.id])
      expect(Number(row!.n)).toBe(3)
    }))

  it.effect("public request: staff match it on confirmation, to an existing patient (whose rules apply) or to a new one", () =>
    Effect.gen(function*() {
      const { a, at, ask, d2, p1, p2, service } = yield* setup("PublicMatch")
      const s = yield* Scheduling
      const patients = yield* Patients
      const raw = yield* RawAccess
      const request = yield* ask("09:00", "(212) 555-0201")
      const refusalOf = (e: unknown) => (e as { reason?: unknown }).reason

      // Staff are shown the patient with the same phone; a public caller cannot ask.
      expect((yield* s.requestMatches(request.id).pipe(a.asAdmin)).map((p) => p.id)).toEqual([p1.id])
      expect(yield* Effect.flip(s.requestMatches(request.id).pipe(Actor.asPublic(a.clinic.slug)))).toMatchObject({ _tag: "Unauthenticated" })
      // Accepting without a patient is refused; so is a nurse making a patient (patients.create).
      expect(refusalOf(yield* Effect.flip(s.setStatus({ id: request.id, status: "scheduled" }).pipe(a.asAdmin))))
        .toEqual({ _tag: "unmatched_request" })
      const nurse = yield* Fixtures.staffMember(a, "nurse")
      expect(yield* Effect.flip(s.confirmRequest({ id: request.id }).pipe(a.as(nurse.id))))
        .toMatchObject({ _tag: "PermissionDenied", permission: "patients.create" })

      // A blocked patient cannot be booked by confirmation either.
      yield* patients.block({ id: p1.id, reason: "unpaid bills" }).pipe(a.asAdmin)
      expect(refusalOf(yield* Effect.flip(s.confirmRequest({ id: request.id, patientId: p1.id }).pipe(a.asAdmin))))
        .toEqual({ _tag: "not_bookable", reasons: [{ code: "patient_blocked" }] })
      yield* patients.unblock(p1.id).pipe(a.asAdmin)
      // Nor one booked elsewhere at that time: the usual slot_taken, naming the appointment.
      const elsewhere = yield* s.book({ doctorId: d2.id, patientId: p1.id, serviceId: service.id, start: at("09:00") }).pipe(a.asAdmin)
      expect(refusalOf(yield* Effect.flip(s.confirmRequest({ id: request.id, patientId: p1.id }).pipe(a.asAdmin))))
        .toEqual({ _tag: "slot_taken", appointmentIds: [elsewhere.id] })
      expect(yield* s.get(request.id).pipe(a.asAdmin)).toMatchObject({ status: "requested", patientId: null, version: 1 })
      yield* s.cancel({ id: elsewhere.id, reason: "moved" }).pipe(a.asAdmin)

      // Matched: the appointment is the patient's, the patient's record is as it was.
      const before = yield* raw.execute("SELECT * FROM patients WHERE clinic_id = ? AND id = ?", [a.clinicId, p1.id])
      const accepted = yield* s.confirmRequest({ id: request.id, patientId: p1.id, status: "confirmed" }).pipe(a.as(nurse.id))
      expect(accepted).toMatchObject({ id: request.id, status: "confirmed", patientId: p1.id, expiresAt: null, version: 2 })
      expect(accepted.requester).toEqual({ fullName: "Someone Else", phone: "+12125550201", email: null })
      expect(yield* raw.execute("SELECT * FROM patients WHERE clinic_id = ? AND id = ?", [a.clinicId, p1.id])).toEqual(before)
      // Once accepted, it is no longer a request to accept.
      expect(refusalOf(yield* Effect.flip(s.confirmRequest({ id: request.id, patientId: p1.id }).pipe(a.asAdmin))))
        .toEqual({ _tag: "invalid_transition", from: "confirmed", to: "scheduled" })

      // As a new patient, made from the request's contact.
      const stranger = yield* ask("10:00", "+1 646 555 0177", { patient: { fullName: "New Person", phone: "+1 646 555 0177", email: "new@person.test" } })
      expect(yield* s.requestMatches(stranger.id).pipe(a.asAdmin)).toEqual([])
      // A doctor accepts only their own appointments, and a refusal makes no patient either.
      const doctor = yield* Fixtures.staffMember(a, "doctor")
      yield* Effect.flatMap(Doctors, (d) => d.update({ id: d2.id, staffId: doctor.id })).pipe(a.asAdmin)
      expect(yield* Effect.flip(s.confirmRequest({ id: stranger.id }).pipe(a.as(doctor.id))))
        .toMatchObject({ _tag: "PermissionDenied", reason: "not_own_record" })
      expect(yield* patients.search({ text: "0177" }).pipe(a.asAdmin)).toEqual([])
      const created = yield* s.confirmRequest({ id: stranger.id }).pipe(a.asAdmin)
      expect(created).toMatchObject({ status: "scheduled", source: "public" })
      const made = yield* patients.get(created.patientId!).pipe(a.asAdmin)
      expect([made.fullName, made.phone, Option.getOrNull(made.email), made.blocked]).toEqual(["New Person", "+16465550177", "new@person.test", false])

      // Without a match while a patient has the phone: refused, nothing made, the request untouched.
      const again = yield* ask("11:00", "+1 212 555 0202")
      expect(refusalOf(yield* Effect.flip(s.confirmRequest({ id: again.id }).pipe(a.asAdmin))))
        .toMatchObject({ _tag: "duplicate_phone" })
      expect(yield* s.get(again.id).pipe(a.asAdmin)).toMatchObject({ status: "requested", patientId: null })
      expect((yield* patients.search({ text: "0202" }).pipe(a.asAdmin)).map((p) => p.id)).toEqual([p2.id])
    }))
}
