/** The audit trail, accounts and secrecy on one adapter. */
import { Access } from "@clinicore/core/Access"
import { Accounts } from "@clinicore/core/Accounts"
import { Principal } from "@clinicore/core/Actor"
import { Audit } from "@clinicore/core/Audit"
import { type AuditEvent, chainPurpose, verifyChain } from "@clinicore/core/AuditEvent"
import { FieldCrypto } from "@clinicore/core/FieldCrypto"
import { Patients } from "@clinicore/core/Patients"
import { Staff } from "@clinicore/core/Staff"
import { Storage } from "@clinicore/core/Storage"
import { expect } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import * as fc from "fast-check"
import * as Fixtures from "../../Fixtures.js"
import { RawAccess } from "../../RawAccess.js"
import type { SuiteIt } from "./it.js"

const summary = (e: AuditEvent) => [e.seq, e.action, e.outcome, e.actorId, e.role, e.entityId, e.reason]

/** A clinic with a scripted mix of allowed, refused, read and write operations. */
const scripted = (label: string) =>
  Effect.gen(function*() {
    const a = yield* Fixtures.clinic(label)
    const receptionist = yield* Fixtures.staffMember(a, "receptionist")
    const nurse = yield* Fixtures.staffMember(a, "nurse")
    const patients = yield* Patients
    const staff = yield* Staff
    const patient = yield* patients.create({ fullName: "Script Patient", phone: "+1 617 555 0100" }).pipe(a.as(receptionist.id))
    yield* Effect.flip(staff.create({ name: "Nope", email: "nope@x.test", role: "nurse" }).pipe(a.as(nurse.id)))
    yield* patients.get(patient.id).pipe(a.as(nurse.id))
    yield* staff.list().pipe(a.as(receptionist.id)) // a read that is not recorded
    yield* Effect.flip(patients.update({ id: patient.id, email: "bad" }).pipe(a.as(receptionist.id))) // rolled back
    yield* Effect.flatMap(Access, (s) => s.set([{ role: "nurse", key: "patients.view", granted: false }])).pipe(a.asAdmin)
    yield* Effect.flip(patients.get(patient.id).pipe(a.as(nurse.id)))
    yield* patients.delete(patient.id).pipe(a.asAdmin)
    yield* Effect.flip(Effect.flatMap(Audit, (s) => s.list()).pipe(a.as(receptionist.id)))
    const expected = [
      [1, "Clinics.create", "ok", null, null, a.clinicId, null],
      [2, "Staff.create", "ok", a.admin.id, "admin", receptionist.id, null],
      [3, "Staff.create", "ok", a.admin.id, "admin", nurse.id, null],
      [4, "Patients.create", "ok", receptionist.id, "receptionist", patient.id, null],
      [5, "Staff.create", "denied", nurse.id, "nurse", null, "not_granted"],
      [6, "Patients.get", "ok", nurse.id, "nurse", patient.id, null],
      [7, "Access.set", "ok", a.admin.id, "admin", null, null],
      [8, "Patients.get", "denied", nurse.id, "nurse", null, "not_granted"],
      [9, "Patients.delete", "ok", a.admin.id, "admin", patient.id, null],
      [10, "Audit.list", "denied", receptionist.id, "receptionist", null, "not_granted"]
    ]
    return { a, expected }
  })

export const auditTrail = (it: SuiteIt) => {
  it.effect("a scripted mix leaves exactly the expected events, in order, numbered without gaps", () =>
    Effect.gen(function*() {
      const { a, expected } = yield* scripted("Script")
      const events = yield* Effect.flatMap(Audit, (s) => s.list({ limit: 1000 })).pipe(a.asAdmin)
      expect(events.map(summary)).toEqual(expected)
      expect(yield* Effect.flatMap(Audit, (s) => s.verify()).pipe(a.asAdmin)).toEqual({ events: expected.length })
      const byEntity = yield* Effect.flatMap(Audit, (s) => s.list({ entityType: "Patient", action: "Patients.get" })).pipe(a.asAdmin)
      expect(byEntity.map((e) => e.seq)).toEqual([6, 8])
      const byActor = yield* Effect.flatMap(Audit, (s) => s.list({ actorId: a.admin.id, afterSeq: 3 })).pipe(a.asAdmin)
      expect(byActor.map((e) => e.seq)).toEqual([7, 9])
      const window = yield* Effect.flatMap(Audit, (s) => s.list({ from: events[3]!.at, to: events[9]!.at + 1 })).pipe(a.asAdmin)
      expect(window.map((e) => e.seq)).toEqual(events.filter((e) => e.at >= events[3]!.at).map((e) => e.seq))
    }))

  it.effect("1,000 random tamperings (edit, delete, swap) are all detected", () =>
    Effect.gen(function*() {
      const { a } = yield* scripted("Tamper")
      const storage = yield* Storage
      const fieldCrypto = yield* FieldCrypto
      const { clinicRow, chain } = yield* Effect.all({
        clinicRow: Effect.map(storage.clinics.findById(a.clinicId), Option.getOrThrow),
        chain: Effect.all({ head: storage.audit.head(a.clinicId), events: storage.audit.events(a.clinicId, 0, 100_000) })
      }).pipe(storage.transaction(a.clinicId))
      const mac = yield* fieldCrypto.keyedMac(clinicRow.dataKey, a.clinicId, chainPurpose)
      expect(verifyChain(chain.events, chain.head, mac)).toBeUndefined()
      const fields = ["at", "actorId", "role", "action", "permissionKey", "entityType", "entityId", "outcome", "reason", "prevHash", "hash"] as const
      const n = chain.events.length
      const tampering = fc.oneof(
        fc.record({ kind: fc.constant("edit" as const), i: fc.nat(n - 1), field: fc.constantFrom(...fields), value: fc.string() }),
        fc.record({ kind: fc.constant("delete" as const), i: fc.nat(n - 1) }),
        fc.record({ kind: fc.constant("swap" as const), i: fc.nat(n - 1), j: fc.nat(n - 1), renumber: fc.boolean() })
          .filter((t) => t.i !== t.j)
      )
      fc.assert(
        fc.property(tampering, (t) => {
          const events = [...chain.events]
          if (t.kind === "edit") {
            const original = events[t.i]!
            const value = t.field === "at" ? original.at + 1 + t.value.length : `${String(original[t.field])}${t.value}x`
            events[t.i] = { ...original, [t.field]: value } as AuditEvent
          } else if (t.kind === "delete") {
            events.splice(t.i, 1)
          } else {
            const [x, y] = [events[t.i]!, events[t.j]!]
            events[t.i] = t.renumber ? { ...y, seq: x.seq } as AuditEvent : y
            events[t.j] = t.renumber ? { ...x, seq: y.seq } as AuditEvent : x
          }
          expect(verifyChain(events, chain.head, mac)).toBeDefined()
        }),
        { numRuns: 1000 }
      )
    }))

  it.effect("tampering with the stored events is reported at the first broken link", () =>
    Effect.gen(function*() {
      const raw = yield* RawAccess
      const verify = (a: Fixtures.ClinicFixture) => Effect.flatMap(Audit, (s) => s.verify()).pipe(a.asAdmin)
      const edited = (yield* scripted("EditDb")).a
      yield* raw.execute("UPDATE audit_events SET entity_id = ? WHERE clinic_id = ? AND seq = 4", ["someone-else", edited.clinicId])
      expect(yield* verify(edited)).toEqual({ events: 10, firstBreak: { seq: 4, problem: "hash_mismatch" } })

      const deleted = (yield* scripted("DeleteDb")).a
      yield* raw.execute("DELETE FROM audit_events WHERE clinic_id = ? AND seq = 6", [deleted.clinicId])
      expect(yield* verify(deleted)).toEqual({ events: 9, firstBreak: { seq: 6, problem: "gap" } })

      const truncated = (yield* scripted("TruncateDb")).a
      yield* raw.execute("DELETE FROM audit_events WHERE clinic_id = ? AND seq = 10", [truncated.clinicId])
      expect(yield* verify(truncated)).toEqual({ events: 9, firstBreak: { seq: 10, problem: "head_mismatch" } })

      const swapped = (yield* scripted("SwapDb")).a
      yield* raw.execute(
        "UPDATE audit_events SET action = CASE seq WHEN 2 THEN 'Patients.get' ELSE 'Staff.create' END WHERE clinic_id = ? AND seq IN (2, 6)",
        [swapped.clinicId]
      )
      expect(yield* verify(swapped)).toEqual({ events: 10, firstBreak: { seq: 2, problem: "hash_mismatch" } })
    }))

  it.effect("verify reads a long chain in pages: every event counted, a break past the first page found, an anchor on a later page checked", () =>
    Effect.gen(function*() {
      const raw = yield* RawAccess
      const a = yield* Fixtures.clinic("LongChain")
      const patients = yield* Patients
      const patient = yield* patients.create({ fullName: "Long Chain", phone: "+1 617 555 0199" }).pipe(a.asAdmin)
      // Each read of a patient record is an event: 1,200 of them, over two pages.
      yield* Effect.forEach(Array.from({ length: 1200 }), () => patients.get(patient.id).pipe(a.asAdmin), { discard: true })
      const audit = yield* Audit
      const whole = yield* audit.verify().pipe(a.asAdmin)
      expect(whole.firstBreak).toBeUndefined()
      expect(whole.events).toBeGreaterThan(1200)
      const checkpoint = yield* audit.checkpoint().pipe(a.asAdmin)
      expect(yield* audit.verify({ anchor: checkpoint }).pipe(a.asAdmin)).toEqual(whole)
      yield* raw.execute("UPDATE audit_events SET entity_id = ? WHERE clinic_id = ? AND seq = 1111", ["someone-else", a.clinicId])
      expect(yield* audit.verify().pipe(a.asAdmin)).toEqual({ events: whole.events, firstBreak: { seq: 1111, problem: "hash_mismatch" } })
      yield* raw.execute("DELETE FROM audit_events WHERE clinic_id = ? AND seq >= 1150", [a.clinicId])
      yield* raw.execute("UPDATE audit_heads SET seq = 1149, hash = (SELECT hash FROM audit_events WHERE clinic_id = ? AND seq = 1149) WHERE clinic_id = ?", [
        a.clinicId,
        a.clinicId
      ])
      expect((yield* audit.verify({ anchor: checkpoint }).pipe(a.asAdmin)).firstBreak).toEqual({ seq: 1150, problem: "truncated" })
    }))

  it.effect("a checkpoint kept outside the clinic detects a cut tail, a deleted chain and a restored older backup", () =>
    Effect.gen(function*() {
      const raw = yield* RawAccess
      const audit = yield* Audit
      const verify = (a: Fixtures.ClinicFixture, anchor?: unknown) =>
        audit.verify(anchor === undefined ? {} : { anchor: anchor as never }).pipe(a.asAdmin)
      /** Puts the head back to the event at `seq` (or the genesis), as a tamperer would. */
      const headBackTo = (clinicId: string, seq: number) =>
        Effect.gen(function*() {
          const [row] = seq === 0 ? [{ hash: "genesis" }] : yield* raw.execute("SELECT hash FROM audit_events WHERE clinic_id = ? AND seq = ?", [clinicId, seq])
          yield* raw.execute("UPDATE audit_heads SET seq = ?, hash = ? WHERE clinic_id = ?", [seq, row!.hash, clinicId])
        })

      // The tail cut and the head moved back: the chain alone still verifies; the checkpoint does not.
      const cut = (yield* scripted("CutTail")).a
      const atTen = yield* audit.checkpoint().pipe(cut.asAdmin)
      expect([atTen.seq, atTen.clinicId]).toEqual([10, cut.clinicId])
      expect(yield* verify(cut, atTen)).toEqual({ events: 10 })
      yield* raw.execute("DELETE FROM audit_events WHERE clinic_id = ? AND seq > 7", [cut.clinicId])
      yield* headBackTo(cut.clinicId, 7)
      expect(yield* verify(cut)).toEqual({ events: 7 })
      expect(yield* verify(cut, atTen)).toEqual({ events: 7, firstBreak: { seq: 8, problem: "truncated" } })

      // The whole chain deleted.
      const gone = (yield* scripted("Gone")).a
      const kept = yield* audit.checkpoint().pipe(gone.asAdmin)
      yield* raw.execute("DELETE FROM audit_events WHERE clinic_id = ?", [gone.clinicId])
      yield* headBackTo(gone.clinicId, 0)
      expect(yield* verify(gone)).toEqual({ events: 0 })
      expect(yield* verify(gone, kept)).toEqual({ events: 0, firstBreak: { seq: 1, problem: "truncated" } })

      // An older backup restored, then written on: as many events again, but not the same ones.
      const restored = (yield* scripted("Restored")).a
      const newer = yield* audit.checkpoint().pipe(restored.asAdmin)
      yield* raw.execute("DELETE FROM audit_events WHERE clinic_id = ? AND seq > 5", [restored.clinicId])
      yield* headBackTo(restored.clinicId, 5)
      const patients = yield* Patients
      for (let i = 0; i < 6; i++) {
        yield* patients.create({ fullName: `After ${i}`, phone: `+1 503 555 ${String(1200 + i)}` }).pipe(restored.asAdmin)
      }
      expect((yield* verify(restored)).firstBreak).toBeUndefined()
      expect(yield* verify(restored, newer)).toEqual({ events: 11, firstBreak: { seq: 10, problem: "anchor_mismatch" } })

      // A forged or foreign checkpoint anchors nothing.
      const fresh = (yield* scripted("Forged")).a
      const honest = yield* audit.checkpoint().pipe(fresh.asAdmin)
      expect((yield* verify(fresh, { ...honest, seq: 3 })).firstBreak).toEqual({ seq: 3, problem: "bad_anchor" })
      expect((yield* verify(fresh, newer)).firstBreak?.problem).toBe("bad_anchor")
      expect(yield* verify(fresh, honest)).toEqual({ events: 10 })
    }))

  it.effect("verifying while 200 writers append raises no false alarm", () =>
    Effect.gen(function*() {
      const a = yield* Fixtures.clinic("VerifyUnderLoad")
      const patients = yield* Patients
      const audit = yield* Audit
      const writes = Array.from({ length: 200 }, (_, i) =>
        Effect.asVoid(patients.create({ fullName: `Busy ${i}`, phone: `+1 702 555 ${String(3000 + i)}` }).pipe(a.asAdmin)))
      const verifies = Array.from({ length: 20 }, () => Effect.map(audit.verify().pipe(a.asAdmin), (v) => v.firstBreak ?? null))
      const results = yield* Effect.all([...writes, ...verifies], { concurrency: 24 })
      expect(results.filter((r) => r !== undefined)).toEqual(Array.from({ length: 20 }, () => null))
      expect(yield* audit.verify().pipe(a.asAdmin)).toEqual({ events: 201 })
    }), { timeout: 120_000 })

  it.effect("50 concurrent writers in one clinic leave a contiguous chain that verifies", () =>
    Effect.gen(function*() {
      const a = yield* Fixtures.clinic("Concurrent")
      const patients = yield* Patients
      yield* Effect.all(
        Array.from({ length: 50 }, (_, i) =>
          patients.create({ fullName: `Writer ${i}`, phone: `+1 702 555 ${String(1000 + i)}` }).pipe(a.asAdmin)),
        { concurrency: "unbounded" }
      )
      const events = yield* Effect.flatMap(Audit, (s) => s.list({ limit: 1000 })).pipe(a.asAdmin)
      expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 51 }, (_, i) => i + 1))
      expect(yield* Effect.flatMap(Audit, (s) => s.verify()).pipe(a.asAdmin)).toEqual({ events: 51 })
    }))

  it.effect("a canary national id never appears in audit events, errors or logs", () =>
    Effect.gen(function*() {
      const logs: Array<string> = []
      const capture = Logger.replace(Logger.defaultLogger, Logger.make(({ message }) => logs.push(JSON.stringify(message))))
      const canary = "CANARY-5150-ZZ"
      const errors: Array<unknown> = []
      yield* Effect.gen(function*() {
        const a = yield* Fixtures.clinic("Canary")
        const patients = yield* Patients
        const p = yield* patients.create({ fullName: "Canary Patient", phone: "+1 808 555 0101", nationalId: canary }).pipe(a.asAdmin)
        yield* patients.get(p.id).pipe(a.asAdmin)
        yield* patients.search({ text: "Canary" }).pipe(a.asAdmin)
        yield* patients.findByNationalId(canary).pipe(a.asAdmin)
        yield* patients.update({ id: p.id, nationalId: canary }).pipe(a.asAdmin)
        errors.push(yield* Effect.flip(patients.create({ fullName: "Dup", phone: "+1 808 555 0102", nationalId: canary }).pipe(a.asAdmin)))
        errors.push(yield* Effect.flip(patients.create({ fullName: "Bad", phone: "+1 808 555 0103", nationalId: `${canary}!!` }).pipe(a.asAdmin)))
        errors.push(yield* Effect.flip(patients.findByNationalId(`${canary}%%`).pipe(a.asAdmin)))
        yield* Effect.logDebug("after the canary calls")
        const raw = yield* RawAccess
        const audit = yield* raw.execute("SELECT * FROM audit_events WHERE clinic_id = ?", [a.clinicId])
        expect(audit.length).toBeGreaterThan(5)
        expect(JSON.stringify(audit)).not.toContain("5150")
      }).pipe(Effect.provide(capture), Logger.withMinimumLogLevel(LogLevel.All))
      expect(errors.map((e) => (e as { _tag: string })._tag)).toEqual(["Conflict", "ValidationError", "ValidationError"])
      for (const e of errors) {
        expect(JSON.stringify(e)).not.toContain("5150")
        expect(String((e as Error).message)).not.toContain("5150")
      }
      expect(logs.length).toBeGreaterThan(0)
      expect(logs.join("\n")).not.toContain("5150")
    }))

  it.effect("passwords: the policy lists unmet rules; wrong password and unknown email are the same error", () =>
    Effect.gen(function*() {
      const a = yield* Fixtures.clinic("Login")
      const accounts = yield* Accounts
      const member = yield* Fixtures.staffMember(a, "receptionist")
      const weak = yield* Effect.flip(accounts.setPassword({ staffId: member.id, password: "abc" }).pipe(a.asAdmin))
      expect(weak).toMatchObject({ _tag: "ValidationError", fields: [{ path: "password" }] })
      const message = weak._tag === "ValidationError" ? weak.fields[0]!.message : ""
      for (const rule of ["at least 8 characters", "an upper-case letter", "a digit", "a special character"]) {
        expect(message).toContain(rule)
      }
      expect(message).not.toContain("lower-case")
      expect(JSON.stringify(weak)).not.toContain("abc")

      yield* accounts.setPassword({ staffId: member.id, password: "Corr3ct!horse" }).pipe(a.asAdmin)
      const principal = yield* accounts.login({ clinic: a.clinic.slug, email: member.email.toUpperCase(), password: "Corr3ct!horse" })
      expect(principal).toEqual(Principal.User({ clinicId: a.clinicId, staffId: member.id }))
      const wrong = yield* Effect.flip(accounts.login({ clinic: a.clinic.slug, email: member.email, password: "Wr0ng!horse" }))
      const unknown = yield* Effect.flip(accounts.login({ clinic: a.clinic.slug, email: "nobody@x.test", password: "Corr3ct!horse" }))
      const noClinic = yield* Effect.flip(accounts.login({ clinic: "no-such-clinic", email: member.email, password: "Corr3ct!horse" }))
      const noPassword = yield* Effect.flip(accounts.login({ clinic: a.clinic.slug, email: a.admin.email, password: "Corr3ct!horse" }))
      expect(wrong).toEqual(unknown)
      expect([wrong, unknown, noClinic, noPassword].map((e) => [e._tag, e.message])).toEqual(
        Array(4).fill(["Unauthenticated", "unauthenticated"])
      )

      expect(yield* Effect.flip(
        accounts.changePassword({ current: "Wr0ng!horse", next: "An0ther!horse" }).pipe(a.as(member.id))
      )).toMatchObject({ _tag: "PermissionDenied", reason: "not_own_record" })
      yield* accounts.changePassword({ current: "Corr3ct!horse", next: "An0ther!horse" }).pipe(a.as(member.id))
      expect(yield* accounts.login({ clinic: a.clinic.slug, email: member.email, password: "An0ther!horse" })).toEqual(principal)

      yield* Effect.flatMap(Staff, (s) => s.deactivate(member.id)).pipe(a.asAdmin)
      expect(yield* Effect.flip(accounts.login({ clinic: a.clinic.slug, email: member.email, password: "An0ther!horse" })))
        .toMatchObject({ _tag: "Inactive", reason: "user_inactive" })
      const external = yield* accounts.fromIdentity({ clinic: a.clinic.slug, email: a.admin.email })
      expect(external).toEqual(Principal.User({ clinicId: a.clinicId, staffId: a.admin.id }))
      expect((yield* Effect.flip(accounts.fromIdentity({ clinic: a.clinic.slug, email: "ghost@x.test" })))._tag).toBe("Unauthenticated")
    }))
}
