/** Tenancy, validation, encryption and refusal rules of the foundation, on one adapter. */
import * as Actor from "@clinicore/core/Actor"
import { Clinics } from "@clinicore/core/Clinics"
import { Doctors } from "@clinicore/core/Doctors"
import { DoctorId, type PatientId } from "@clinicore/core/Ids"
import { Patients } from "@clinicore/core/Patients"
import { Staff } from "@clinicore/core/Staff"
import { Storage } from "@clinicore/core/Storage"
import { expect } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Runtime from "effect/Runtime"
import * as fc from "fast-check"
import * as Arb from "../../Arbitraries.js"
import * as Fixtures from "../../Fixtures.js"
import { RawAccess } from "../../RawAccess.js"
import type { SuiteIt } from "./it.js"

const tenantTables = ["staff", "doctors", "patients", "appointments"] as const

export const counts = Effect.gen(function*() {
  const raw = yield* RawAccess
  const result: Record<string, number> = {}
  for (const table of ["clinics", ...tenantTables]) {
    const rows = yield* raw.execute(`SELECT count(*) AS n FROM ${table}`)
    result[table] = Number(rows[0]!.n)
  }
  return result
})

export const insertAppointment = (clinicId: string, doctorId: string, patientId: string, createdBy: string | null) =>
  Effect.gen(function*() {
    const raw = yield* RawAccess
    // Each in the next free hour of the clinic: the database refuses overlapping appointments of
    // one doctor or patient.
    const [taken] = yield* raw.execute(`SELECT count(*) AS n FROM appointments WHERE clinic_id = ?`, [clinicId])
    const start = Date.UTC(2030, 0, 7, 9) + Number(taken!.n) * 3_600_000
    yield* raw.execute(
      `INSERT INTO appointments (clinic_id, id, doctor_id, patient_id, created_by, start_at, end_at, busy_start, busy_end, status, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'scheduled', ?)`,
      [
        clinicId,
        crypto.randomUUID(),
        doctorId,
        patientId,
        createdBy,
        raw.instant(start),
        raw.instant(start + 1_800_000),
        raw.instant(start),
        raw.instant(start + 1_800_000),
        raw.instant(Date.now())
      ]
    )
  })

export const flipTag = <A, E extends { readonly _tag: string }, R>(self: Effect.Effect<A, E, R>) =>
  Effect.map(Effect.flip(self), (e) => e._tag)

export const tenancy = (it: SuiteIt, options: { readonly propertyRuns?: number }) => {
  it.effect("a clinic's actor sees only its own clinic's rows; other clinics' ids are NotFound", () =>
    Effect.gen(function*() {
      const a = yield* Fixtures.clinic("IsoA")
      const b = yield* Fixtures.clinic("IsoB")
      const patients = yield* Patients
      const pa = yield* patients.create({ fullName: "Ann Alpha", phone: "+1 212 555 0101" }).pipe(a.asAdmin)
      const pb = yield* patients.create({ fullName: "Ann Beta", phone: "+1 212 555 0101" }).pipe(b.asAdmin)

      const listed = yield* patients.search({ text: "Ann" }).pipe(a.asAdmin)
      expect(listed.map((p) => p.id)).toEqual([pa.id])

      const random = crypto.randomUUID()
      for (const id of [pb.id, random]) {
        const errors = [
          yield* Effect.flip(patients.get(id).pipe(a.asAdmin)),
          yield* Effect.flip(patients.update({ id, fullName: "Hijacked" }).pipe(a.asAdmin)),
          yield* Effect.flip(patients.delete(id).pipe(a.asAdmin))
        ]
        for (const e of errors) expect(e).toMatchObject({ _tag: "NotFound", entity: "Patient", id })
      }
      const still = yield* patients.get(pb.id).pipe(b.asAdmin)
      expect(still.fullName).toBe("Ann Beta")

      const doctors = yield* Doctors
      const db = yield* doctors.create({ name: "Dr Beta", specialty: "Dentistry" }).pipe(b.asAdmin)
      expect(yield* flipTag(doctors.get(db.id).pipe(a.asAdmin))).toBe("NotFound")
      expect(yield* flipTag(doctors.deactivate(db.id).pipe(a.asAdmin))).toBe("NotFound")
      expect((yield* doctors.get(db.id).pipe(b.asAdmin)).active).toBe(true)
      expect(yield* flipTag(Effect.flatMap(Staff, (s) => s.get(b.admin.id)).pipe(a.asAdmin))).toBe("NotFound")
    }))

  it.effect("a doctor of another clinic cannot be linked, by the service nor by the database", () =>
    Effect.gen(function*() {
      const a = yield* Fixtures.clinic("LinkA")
      const b = yield* Fixtures.clinic("LinkB")
      const doctors = yield* Doctors
      const patients = yield* Patients
      const doctorA = yield* doctors.create({ name: "Dr A", specialty: "GP" }).pipe(a.asAdmin)
      const patientB = yield* patients.create({ fullName: "Bea", phone: "+1 212 555 0102" }).pipe(b.asAdmin)

      const refused = yield* Effect.flip(
        patients.update({ id: patientB.id, primaryDoctorId: doctorA.id }).pipe(b.asAdmin)
      )
      expect(refused).toMatchObject({ _tag: "NotFound", entity: "Doctor" })

      // Bypass the service: the composite foreign key (clinic_id, primary_doctor_id) refuses it.
      const storage = yield* Storage
      const row = Option.getOrThrow(yield* storage.patients.findById(b.clinicId, patientB.id).pipe(storage.transaction(b.clinicId)))
      const direct = yield* Effect.flip(
        storage.patients.update({ ...row, primaryDoctorId: DoctorId.make(doctorA.id) }).pipe(storage.transaction(b.clinicId))
      )
      expect(direct).toMatchObject({ _tag: "Conflict", reason: { _tag: "cross_clinic_reference" } })
      const raw = yield* RawAccess
      const stored = yield* raw.execute("SELECT primary_doctor_id FROM patients WHERE id = ?", [patientB.id])
      expect(stored[0]!.primary_doctor_id).toBeNull()
    }))

  it.effect("one phone number however typed: a Conflict in the same clinic, fine in another", () =>
    Effect.gen(function*() {
      const a = yield* Fixtures.clinic("PhoneA")
      const b = yield* Fixtures.clinic("PhoneB")
      const patients = yield* Patients
      const first = yield* patients.create({ fullName: "First", phone: "+1 415 555 0101" }).pipe(a.asAdmin)
      expect(first.phone).toBe("+14155550101")
      const dup = yield* Effect.flip(patients.create({ fullName: "Second", phone: "(415) 555-0101" }).pipe(a.asAdmin))
      expect(dup).toMatchObject({ _tag: "Conflict", reason: { _tag: "duplicate_phone", phone: "+14155550101" } })
      expect(dup.message).toContain("+14155550101")
      const other = yield* patients.create({ fullName: "Elsewhere", phone: "(415) 555-0101" }).pipe(b.asAdmin)
      expect(other.phone).toBe("+14155550101")
      expect((yield* patients.search({ text: "555" }).pipe(a.asAdmin)).length).toBe(1)
    }))

  it.effect("bad input is a ValidationError naming every bad field, and nothing is written", () =>
    Effect.gen(function*() {
      const a = yield* Fixtures.clinic("Valid")
      const before = yield* counts
      const clinics = yield* Clinics
      const clinicError = yield* Effect.flip(
        clinics.create({
          name: "",
          slug: "Bad Slug!",
          timeZone: "Mars/Olympus_Mons",
          currency: "XYZ",
          admin: { name: "Ok", email: "not-an-email" }
        }).pipe(Actor.asPlatform)
      )
      expect(clinicError._tag).toBe("ValidationError")
      if (clinicError._tag === "ValidationError") {
        expect(clinicError.fields.map((f) => f.path).sort()).toEqual(
          ["admin.email", "currency", "name", "slug", "timeZone"]
        )
      }
      const patients = yield* Patients
      const patientError = yield* Effect.flip(
        patients.create({
          fullName: "  ",
          phone: "12",
          email: "nope",
          dateOfBirth: "2999-01-01",
          primaryDoctorId: "not-a-uuid"
        }).pipe(a.asAdmin)
      )
      expect(patientError).toMatchObject({ _tag: "ValidationError" })
      if (patientError._tag === "ValidationError") {
        expect(patientError.fields.map((f) => f.path).sort()).toEqual(
          ["dateOfBirth", "email", "fullName", "phone", "primaryDoctorId"]
        )
      }
      const missing = yield* Effect.flip(patients.create({} as never).pipe(a.asAdmin))
      expect(missing).toMatchObject({ _tag: "ValidationError" })
      if (missing._tag === "ValidationError") {
        expect(missing.fields.map((f) => f.path).sort()).toEqual(["fullName", "phone"])
      }
      for (const id of ["", "123", "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz"]) {
        expect(yield* flipTag(patients.get(id).pipe(a.asAdmin))).toBe("ValidationError")
        expect(yield* flipTag(Effect.flatMap(Staff, (s) => s.delete(id)).pipe(a.asAdmin))).toBe("ValidationError")
      }
      const staffError = yield* Effect.flip(
        Effect.flatMap(Staff, (s) => s.create({ name: "Eve", email: "eve@x.test", role: "admin" as never })).pipe(a.asAdmin)
      )
      expect(staffError).toMatchObject({ _tag: "ValidationError", fields: [{ path: "role" }] })
      expect(yield* counts).toEqual(before)
    }))

  it.effect("the national id is encrypted at rest, bound to its row, and found by exact lookup", () =>
    Effect.gen(function*() {
      const a = yield* Fixtures.clinic("NatA")
      const b = yield* Fixtures.clinic("NatB")
      const patients = yield* Patients
      const canary = "ZX-9931-CANARY"
      const p1 = yield* patients.create({ fullName: "Nat One", phone: "+1 212 555 0111", nationalId: canary }).pipe(a.asAdmin)
      const p2 = yield* patients.create({ fullName: "Nat Two", phone: "+1 212 555 0112", nationalId: "QQ123456" }).pipe(a.asAdmin)
      const p3 = yield* patients.create({ fullName: "Nat Three", phone: "+1 212 555 0113", nationalId: "QQ654321" }).pipe(b.asAdmin)
      expect(Redacted.value(Option.getOrThrow(p1.nationalId))).toBe(canary)
      expect(String(p1)).not.toContain(canary)

      const raw = yield* RawAccess
      const rows = yield* raw.execute("SELECT * FROM patients")
      expect(JSON.stringify(rows)).not.toContain("9931")

      const got = yield* patients.get(p1.id).pipe(a.asAdmin)
      expect(Redacted.value(Option.getOrThrow(got.nationalId))).toBe(canary)
      const found = yield* patients.findByNationalId("zx 9931 canary").pipe(a.asAdmin)
      expect(Option.map(found, (p) => p.id)).toEqual(Option.some(p1.id))
      expect(yield* patients.findByNationalId(canary).pipe(b.asAdmin)).toEqual(Option.none())

      const duplicate = yield* Effect.flip(
        patients.create({ fullName: "Copy", phone: "+1 212 555 0114", nationalId: canary }).pipe(a.asAdmin)
      )
      expect(duplicate).toMatchObject({ _tag: "Conflict", reason: { _tag: "duplicate_national_id" } })
      expect(duplicate.message).not.toContain("9931")

      const [cipher] = yield* raw.execute("SELECT national_id_cipher FROM patients WHERE id = ?", [p1.id])
      const moveTo = (target: PatientId) =>
        raw.execute("UPDATE patients SET national_id_cipher = ? WHERE id = ?", [cipher!.national_id_cipher, target])
      yield* moveTo(p2.id)
      const otherRow = yield* Effect.exit(patients.get(p2.id).pipe(a.asAdmin))
      expect(Exit.isFailure(otherRow) && !Exit.isInterrupted(otherRow)).toBe(true)
      expect(String(otherRow)).not.toContain(canary)
      yield* moveTo(p3.id)
      expect(Exit.isFailure(yield* Effect.exit(patients.get(p3.id).pipe(b.asAdmin)))).toBe(true)
    }))

  it.effect("pending, rejected and inactive users, and a deactivated clinic, are refused on every call", () =>
    Effect.gen(function*() {
      const a = yield* Fixtures.clinic("Refuse")
      const doctor = yield* Effect.flatMap(Doctors, (d) => d.create({ name: "Dr R", specialty: "GP" })).pipe(a.asAdmin)
      const patient = yield* Effect.flatMap(Patients, (p) => p.create({ fullName: "Pat R", phone: "+1 212 555 0120" })).pipe(a.asAdmin)
      const target = yield* Fixtures.staffMember(a, "nurse", "pending")
      const pending = yield* Fixtures.staffMember(a, "receptionist", "pending")
      const rejected = yield* Fixtures.staffMember(a, "receptionist", "pending")
      const inactive = yield* Fixtures.staffMember(a, "receptionist")
      const staff = yield* Staff
      yield* staff.reject(rejected.id).pipe(a.asAdmin)
      yield* staff.deactivate(inactive.id).pipe(a.asAdmin)
      const targets = yield* Fixtures.operationTargets(a)
      const before = yield* counts
      const calls = Fixtures.everyOperation({ ...targets, staffId: target.id, doctorId: doctor.id, patientId: patient.id })
      for (const [who, reason] of [[pending, "user_pending"], [rejected, "user_rejected"], [inactive, "user_inactive"]] as const) {
        for (const [op, call] of Object.entries(calls)) {
          const error = yield* Effect.flip(call.pipe(a.as(who.id)))
          expect({ op, error }).toMatchObject({ op, error: { _tag: "Inactive", reason } })
        }
      }
      yield* Effect.flatMap(Clinics, (c) => c.deactivate(a.clinicId)).pipe(Actor.asPlatform)
      for (const [op, call] of Object.entries(calls)) {
        const error = yield* Effect.flip(call.pipe(a.asAdmin))
        expect({ op, error }).toMatchObject({ op, error: { _tag: "Inactive", reason: "clinic_inactive" } })
      }
      for (const [op, call] of Object.entries(Fixtures.everyPlatformOperation(a.clinicId))) {
        const error = yield* Effect.flip(call.pipe(a.asAdmin))
        expect({ op, error }).toMatchObject({ op, error: { _tag: "PermissionDenied", reason: "wrong_principal" } })
      }
      expect(yield* counts).toEqual(before)
      yield* Effect.flatMap(Clinics, (c) => c.activate(a.clinicId)).pipe(Actor.asPlatform)
      expect((yield* Effect.flatMap(Clinics, (c) => c.get()).pipe(a.asAdmin)).active).toBe(true)
    }))

  it.effect("approval moves a pending account to active; only pending accounts can be approved", () =>
    Effect.gen(function*() {
      const a = yield* Fixtures.clinic("Approve")
      const staff = yield* Staff
      const pending = yield* Fixtures.staffMember(a, "nurse", "pending")
      const approved = yield* staff.approve(pending.id).pipe(a.asAdmin)
      expect(approved.status).toBe("active")
      expect(yield* Effect.flatMap(Clinics, (c) => c.get()).pipe(a.as(pending.id), Effect.flip)).toMatchObject({
        _tag: "PermissionDenied",
        permission: "settings.view"
      })
      const again = yield* Effect.flip(staff.approve(pending.id).pipe(a.asAdmin))
      expect(again).toMatchObject({ _tag: "Conflict", reason: { _tag: "invalid_transition", from: "active", to: "active" } })
      const dup = yield* Effect.flip(
        staff.create({ name: "Twin", email: ` ${pending.email.toUpperCase()} `, role: "doctor" }).pipe(a.asAdmin)
      )
      expect(dup).toMatchObject({ _tag: "Conflict", reason: { _tag: "duplicate_email", email: pending.email } })
    }))

  it.effect("deleting a referenced staff account, doctor or patient is refused with the counts", () =>
    Effect.gen(function*() {
      const a = yield* Fixtures.clinic("Deps")
      const staffUser = yield* Fixtures.staffMember(a, "doctor")
      const doctors = yield* Doctors
      const patients = yield* Patients
      const staff = yield* Staff
      const doctor = yield* doctors.create({ name: "Dr Dep", specialty: "GP", staffId: staffUser.id }).pipe(a.asAdmin)
      const patient = yield* patients.create({ fullName: "Dee", phone: "+1 212 555 0130", primaryDoctorId: doctor.id }).pipe(a.asAdmin)
      yield* insertAppointment(a.clinicId, doctor.id, patient.id, staffUser.id)
      yield* insertAppointment(a.clinicId, doctor.id, patient.id, null)
      const before = yield* counts

      expect(yield* Effect.flip(staff.delete(staffUser.id).pipe(a.asAdmin))).toMatchObject({
        _tag: "Conflict",
        reason: { _tag: "has_dependents", counts: { doctors: 1, appointments: 1 } }
      })
      expect(yield* Effect.flip(patients.delete(patient.id).pipe(a.asAdmin))).toMatchObject({
        _tag: "Conflict",
        reason: { _tag: "has_dependents", counts: { appointments: 2 } }
      })
      expect(yield* Effect.flip(doctors.delete(doctor.id).pipe(a.asAdmin))).toMatchObject({
        _tag: "Conflict",
        reason: { _tag: "has_dependents", counts: { appointments: 2, patients: 1 } }
      })
      expect(yield* counts).toEqual(before)

      // The database refuses it too when the service check is bypassed.
      const storage = yield* Storage
      const direct = yield* Effect.flip(storage.patients.delete(a.clinicId, patient.id).pipe(storage.transaction(a.clinicId)))
      expect(direct).toMatchObject({ _tag: "Conflict", reason: { _tag: "has_dependents", counts: { appointments: 2 } } })

      const free = yield* patients.create({ fullName: "Free", phone: "+1 212 555 0131" }).pipe(a.asAdmin)
      yield* patients.delete(free.id).pipe(a.asAdmin)
      expect(yield* flipTag(patients.get(free.id).pipe(a.asAdmin))).toBe("NotFound")
    }))

  it.effect("settings change only where asked; a blocked patient keeps the reason", () =>
    Effect.gen(function*() {
      const a = yield* Fixtures.clinic("Settings")
      const clinics = yield* Clinics
      const updated = yield* clinics.updateSettings({ slotMinutes: 30 }).pipe(a.asAdmin)
      expect(updated.settings).toEqual({ ...a.clinic.settings, slotMinutes: 30 })
      expect((yield* clinics.get().pipe(a.asAdmin)).settings.slotMinutes).toBe(30)
      expect(yield* flipTag(clinics.updateSettings({ slotMinutes: 7.5 }).pipe(a.asAdmin))).toBe("ValidationError")
      const patients = yield* Patients
      const p = yield* patients.create({ fullName: "Blocky", phone: "+1 212 555 0140" }).pipe(a.asAdmin)
      const blocked = yield* patients.block({ id: p.id, reason: "abusive" }).pipe(a.asAdmin)
      expect([blocked.blocked, Option.getOrNull(blocked.blockedReason)]).toEqual([true, "abusive"])
      const unblocked = yield* patients.unblock(p.id).pipe(a.asAdmin)
      expect([unblocked.blocked, Option.getOrNull(unblocked.blockedReason)]).toEqual([false, null])
    }))

  it.effect("random creates and updates across 3 clinics never leak a row across clinics", () =>
    Effect.gen(function*() {
      const fixtures = [yield* Fixtures.clinic("PropA"), yield* Fixtures.clinic("PropB"), yield* Fixtures.clinic("PropC")]
      const owner = new Map<string, number>()
      const runtime = yield* Effect.runtime<Patients | Doctors | RawAccess>()
      type Command =
        | { readonly kind: "patient"; readonly at: number; readonly input: typeof Arb.patientInput extends fc.Arbitrary<infer A> ? A : never }
        | { readonly kind: "doctor"; readonly at: number; readonly input: typeof Arb.doctorInput extends fc.Arbitrary<infer A> ? A : never }
        | { readonly kind: "rename"; readonly at: number; readonly target: number; readonly name: string }
      const command: fc.Arbitrary<Command> = fc.oneof(
        fc.record({ kind: fc.constant("patient" as const), at: fc.nat(2), input: Arb.patientInput }),
        fc.record({ kind: fc.constant("doctor" as const), at: fc.nat(2), input: Arb.doctorInput }),
        fc.record({ kind: fc.constant("rename" as const), at: fc.nat(2), target: fc.nat(), name: Arb.personName })
      )
      const step = (c: Command) =>
        Effect.gen(function*() {
          const fx = fixtures[c.at]!
          if (c.kind === "patient") {
            const r = yield* Effect.either(Effect.flatMap(Patients, (p) => p.create(c.input)).pipe(fx.asAdmin))
            if (r._tag === "Right") owner.set(r.right.id, c.at)
            else expect(r.left._tag).toBe("Conflict")
          } else if (c.kind === "doctor") {
            const d = yield* Effect.flatMap(Doctors, (s) => s.create(c.input)).pipe(fx.asAdmin)
            owner.set(d.id, c.at)
          } else {
            const ids = [...owner.keys()]
            if (ids.length === 0) return
            const id = ids[c.target % ids.length]!
            const same = owner.get(id) === c.at
            const rename = Effect.either(
              Effect.flatMap(Patients, (p) => p.update({ id, fullName: c.name })).pipe(
                Effect.catchTag("NotFound", (e) =>
                  Effect.flatMap(Doctors, (d) => d.update({ id, name: c.name })).pipe(
                    Effect.catchTag("NotFound", () => Effect.fail(e))
                  ))
              ).pipe(fx.asAdmin)
            )
            const r = yield* rename
            expect(r._tag === "Right").toBe(same)
          }
        })
      yield* Effect.promise(() =>
        fc.assert(
          fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 6 }), (commands) =>
            Runtime.runPromise(runtime)(Effect.gen(function*() {
              for (const c of commands) yield* step(c)
              const raw = yield* RawAccess
              for (const table of ["patients", "doctors"]) {
                const rows = yield* raw.execute(`SELECT id, clinic_id FROM ${table}`)
                for (const row of rows) {
                  const at = owner.get(String(row.id))
                  if (at !== undefined) expect(String(row.clinic_id)).toBe(fixtures[at]!.clinicId)
                }
              }
              for (const [at, fx] of fixtures.entries()) {
                const seen = yield* Effect.flatMap(Patients, (p) => p.search({ limit: 500 })).pipe(fx.asAdmin)
                for (const p of seen) expect(owner.get(p.id)).toBe(at)
                const docs = yield* Effect.flatMap(Doctors, (d) => d.list()).pipe(fx.asAdmin)
                for (const d of docs) expect(owner.get(d.id)).toBe(at)
              }
            }))
          ),
          { numRuns: options.propertyRuns ?? 200 }
        )
      )
    }), { timeout: 300_000 })
}
