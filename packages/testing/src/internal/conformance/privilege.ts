/**
 * Privilege on one adapter: who may change an admin's account or another user's password, the
 * last active admin, reactivation, and the platform's recovery of a clinic left without an admin.
 */
import { Access } from "@clinicore/core/Access"
import { Accounts } from "@clinicore/core/Accounts"
import * as Actor from "@clinicore/core/Actor"
import { Audit } from "@clinicore/core/Audit"
import { Catalog } from "@clinicore/core/Catalog"
import { Clinics } from "@clinicore/core/Clinics"
import { Doctors } from "@clinicore/core/Doctors"
import { Billing } from "@clinicore/core/Billing"
import { Patients } from "@clinicore/core/Patients"
import { Scheduling } from "@clinicore/core/Scheduling"
import { Staff } from "@clinicore/core/Staff"
import { expect } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fixtures from "../../Fixtures.js"
import { RawAccess } from "../../RawAccess.js"
import type { SuiteIt } from "./it.js"

const tagOf = (e: unknown) => {
  const x = e as { _tag: string; reason?: { _tag?: string } | string; permission?: string }
  return typeof x.reason === "object" ? `${x._tag}:${x.reason._tag}` : x.permission !== undefined ? `${x._tag}:${x.permission}` : x._tag
}

export const privilege = (it: SuiteIt) => {
  it.effect("staff.edit does not reach an admin's account or another user's password", () =>
    Effect.gen(function*() {
      const a = yield* Fixtures.clinic("Escalate")
      const staff = yield* Staff
      const accounts = yield* Accounts
      // A receptionist granted staff.edit (to approve sign-ups).
      yield* Effect.flatMap(Access, (x) => x.set([{ role: "receptionist", key: "staff.edit", granted: true }])).pipe(a.asAdmin)
      const desk = yield* Fixtures.staffMember(a, "receptionist")
      const nurse = yield* Fixtures.staffMember(a, "nurse")
      const asDesk = a.as(desk.id)
      expect(tagOf(yield* Effect.flip(accounts.setPassword({ staffId: a.admin.id, password: "Takeover#2026" }).pipe(asDesk))))
        .toBe("PermissionDenied:admin")
      expect(tagOf(yield* Effect.flip(accounts.setPassword({ staffId: nurse.id, password: "Takeover#2026" }).pipe(asDesk))))
        .toBe("PermissionDenied:admin")
      expect(tagOf(yield* Effect.flip(staff.deactivate(a.admin.id).pipe(asDesk)))).toBe("PermissionDenied:admin")
      // Its own password, and the accounts it is there to manage, are fine.
      yield* accounts.setPassword({ staffId: desk.id, password: "Mine#2026ok" }).pipe(asDesk)
      yield* staff.deactivate(nurse.id).pipe(asDesk)
      expect((yield* staff.get(a.admin.id).pipe(a.asAdmin)).status).toBe("active")
      // Every refusal is in the audit trail.
      const denied = (yield* Effect.flatMap(Audit, (x) => x.list({ actorId: desk.id })).pipe(a.asAdmin))
        .filter((e) => e.outcome === "denied")
      expect(denied.map((e) => e.action)).toEqual(["Accounts.setPassword", "Accounts.setPassword", "Staff.deactivate"])
      // An admin may set anyone's password.
      yield* accounts.setPassword({ staffId: desk.id, password: "Reset#2026ok" }).pipe(a.asAdmin)
    }))

  it.effect("the last active admin cannot be deactivated or deleted; accounts can be reactivated", () =>
    Effect.gen(function*() {
      const a = yield* Fixtures.clinic("LastAdmin")
      const staff = yield* Staff
      const raw = yield* RawAccess
      expect(tagOf(yield* Effect.flip(staff.deactivate(a.admin.id).pipe(a.asAdmin)))).toBe("Conflict:last_admin")
      expect(tagOf(yield* Effect.flip(staff.delete(a.admin.id).pipe(a.asAdmin)))).toBe("Conflict:last_admin")
      // A second admin (made by the platform's recovery path is the only way; here, by the database).
      const second = crypto.randomUUID()
      yield* raw.execute(
        "INSERT INTO staff (clinic_id, id, name, email, role, status, created_at) VALUES (?, ?, 'Second Admin', 'second@admin.test', 'admin', 'active', ?)",
        [a.clinicId, second, raw.instant(Date.now())]
      )
      yield* staff.deactivate(second).pipe(a.asAdmin)
      expect(tagOf(yield* Effect.flip(staff.deactivate(a.admin.id).pipe(a.asAdmin)))).toBe("Conflict:last_admin")
      const back = yield* staff.reactivate(second).pipe(a.asAdmin)
      expect(back.status).toBe("active")
      expect(tagOf(yield* Effect.flip(staff.reactivate(second).pipe(a.asAdmin)))).toBe("Conflict:invalid_transition")
      // Two admins deactivating each other at once: one of them stays.
      const results = yield* Effect.all([
        Effect.either(staff.deactivate(second).pipe(a.asAdmin)),
        Effect.either(staff.deactivate(a.admin.id).pipe(a.as(second as never)))
      ], { concurrency: "unbounded" })
      expect(results.filter(Either.isRight).length).toBe(1)
      const rows = yield* raw.execute("SELECT count(*) AS n FROM staff WHERE clinic_id = ? AND role = 'admin' AND status = 'active'", [a.clinicId])
      expect(Number(rows[0]!.n)).toBe(1)
    }))

  it.effect("the platform restores an admin to a clinic that lost all of them, audited in its chain", () =>
    Effect.gen(function*() {
      const a = yield* Fixtures.clinic("Recover")
      const clinics = yield* Clinics
      const raw = yield* RawAccess
      const request = { clinicId: a.clinicId, admin: { name: "New Admin", email: "new@recover.test" } }
      expect(tagOf(yield* Effect.flip(clinics.restoreAdmin(request).pipe(Actor.asPlatform)))).toBe("Conflict:has_admin")
      expect(tagOf(yield* Effect.flip(clinics.restoreAdmin(request).pipe(a.asAdmin)))).toBe("PermissionDenied:platform")
      // The clinic loses its only admin (outside the library's rules).
      yield* raw.execute("UPDATE staff SET status = 'inactive' WHERE clinic_id = ? AND id = ?", [a.clinicId, a.admin.id])
      const restored = yield* clinics.restoreAdmin(request).pipe(Actor.asPlatform)
      expect([restored.role, restored.status, restored.email]).toEqual(["admin", "active", "new@recover.test"])
      // The restored admin acts, and finds the recovery in the chain.
      const events = yield* Effect.flatMap(Audit, (x) => x.list({ action: "Clinics.restoreAdmin" })).pipe(a.as(restored.id))
      // The clinic admin's attempt above is there too, refused.
      expect(events.map((e) => [e.actorType, e.outcome])).toEqual([["user", "denied"], ["platform", "ok"]])
      expect((yield* Effect.flatMap(Audit, (x) => x.verify()).pipe(a.as(restored.id))).firstBreak).toBeUndefined()
      // The old admin comes back through the ordinary path.
      expect((yield* Effect.flatMap(Staff, (s) => s.reactivate(a.admin.id)).pipe(a.as(restored.id))).status).toBe("active")
    }))

  it.effect("Clinics.list: the platform sees every clinic; a clinic's admin is refused, and the refusal recorded", () =>
    Effect.gen(function*() {
      const a = yield* Fixtures.clinic("ListedA")
      const b = yield* Fixtures.clinic("ListedB")
      const clinics = yield* Clinics
      yield* clinics.deactivate(b.clinicId).pipe(Actor.asPlatform)
      const listed = yield* clinics.list().pipe(Actor.asPlatform)
      const ours = listed.filter((c) => c.id === a.clinicId || c.id === b.clinicId)
      // By name: A before B; the deactivated one is listed too.
      expect(ours.map((c) => [c.id, c.active])).toEqual([[a.clinicId, true], [b.clinicId, false]])
      expect(tagOf(yield* Effect.flip(clinics.list().pipe(a.asAdmin)))).toBe("PermissionDenied:platform")
      const events = yield* Effect.flatMap(Audit, (x) => x.list({ action: "Clinics.list" })).pipe(a.asAdmin)
      expect(events.map((e) => [e.actorId, e.outcome, e.reason])).toEqual([[a.admin.id, "denied", "wrong_principal"]])
    }))

  it.effect("the permission check and its audited refusal come before input validation; platform refusals are audited", () =>
    Effect.gen(function*() {
      const a = yield* Fixtures.clinic("Order")
      const nurse = yield* Fixtures.staffMember(a, "nurse")
      const scheduling = yield* Scheduling
      const clinics = yield* Clinics
      // A nurse may not book; bad input does not get past that, and the refusal is recorded.
      expect(tagOf(yield* Effect.flip(scheduling.book({ doctorId: "nope", start: "never" } as never).pipe(a.as(nurse.id)))))
        .toBe("PermissionDenied:appointments.create")
      // A clinic admin calling a platform operation, with good or bad input, is refused and recorded.
      expect(tagOf(yield* Effect.flip(clinics.create({ name: "" } as never).pipe(a.asAdmin)))).toBe("PermissionDenied:platform")
      expect(tagOf(yield* Effect.flip(clinics.deactivate(a.clinicId).pipe(a.asAdmin)))).toBe("PermissionDenied:platform")
      const events = yield* Effect.flatMap(Audit, (x) => x.list({})).pipe(a.asAdmin)
      const denied = events.filter((e) => e.outcome === "denied").map((e) => [e.action, e.actorId, e.reason])
      expect(denied).toEqual([
        ["Scheduling.book", nurse.id, "not_granted"],
        ["Clinics.create", a.admin.id, "wrong_principal"],
        ["Clinics.deactivate", a.admin.id, "wrong_principal"]
      ])
      expect((yield* Effect.flatMap(Audit, (x) => x.verify()).pipe(a.asAdmin)).firstBreak).toBeUndefined()
    }))

  it.effect("every list is paged: limit and offset in a stable order, 100 by default, at most 500", () =>
    Effect.gen(function*() {
      const a = yield* Fixtures.clinic("Pages")
      const catalog = yield* Catalog
      const doctors = yield* Doctors
      const billing = yield* Billing
      for (let i = 0; i < 5; i++) {
        yield* catalog.createRoom({ name: `Room ${i}` }).pipe(a.asAdmin)
        yield* catalog.createService({ name: `Service ${i}`, durationMinutes: 30, priceMinor: 1000 }).pipe(a.asAdmin)
        yield* doctors.create({ name: `Dr ${i}`, specialty: "GP" }).pipe(a.asAdmin)
        yield* Fixtures.staffMember(a, "receptionist")
        yield* billing.createExpense({ category: "rent", amountMinor: 100 + i, date: "2030-01-0" + (i + 1) }).pipe(a.asAdmin)
      }
      type Lister = (p: object) => Effect.Effect<ReadonlyArray<{ readonly id: string }>, { readonly _tag: string }, Actor.Actor | Staff>
      const lists: Record<string, Lister> = {
        rooms: (p: object) => catalog.listRooms(p),
        services: (p: object) => catalog.listServices(p),
        doctors: (p: object) => doctors.list(p),
        staff: (p: object) => Effect.flatMap(Staff, (x) => x.list(p)),
        expenses: (p: object) => billing.listExpenses({ from: "2030-01-01", to: "2030-01-31", ...p })
      }
      for (const [name, list] of Object.entries(lists)) {
        const all = (yield* list({}).pipe(a.asAdmin)).map((x) => x.id)
        expect({ name, atLeast5: all.length >= 5 }).toEqual({ name, atLeast5: true })
        const pages: Array<string> = []
        for (let offset = 0; offset < all.length; offset += 2) {
          const page = yield* list({ limit: 2, offset }).pipe(a.asAdmin)
          expect({ name, size: page.length <= 2 }).toEqual({ name, size: true })
          pages.push(...page.map((x) => x.id))
        }
        expect({ name, pages }).toEqual({ name, pages: all })
        const refused = yield* Effect.flip(list({ limit: 501 }).pipe(a.asAdmin))
        expect({ name, tag: refused._tag, field: JSON.stringify(refused).includes("limit") }).toEqual({ name, tag: "ValidationError", field: true })
      }
    }))

  it.effect("NUL bytes, oversized text and arrays, undecoded filters and malformed principal ids are typed errors, alike on both adapters", () =>
    Effect.gen(function*() {
      const a = yield* Fixtures.clinic("Hostile")
      const patients = yield* Patients
      const raw = yield* RawAccess
      const error = yield* Effect.flip(patients.create({ fullName: "Null\u0000Byte", phone: "+1 212 555 0777" }).pipe(a.asAdmin))
      expect(error).toMatchObject({ _tag: "ValidationError", fields: [{ path: "fullName", message: "must not contain a NUL character" }] })
      const rows = yield* raw.execute("SELECT count(*) AS n FROM patients WHERE clinic_id = ?", [a.clinicId])
      expect(Number(rows[0]!.n)).toBe(0)
      // Oversized text and arrays: refused before the schema runs, naming the field and the limit.
      const long = yield* Effect.flip(patients.create({ fullName: "x".repeat(1_000_000), phone: "+1 212 555 0778" }).pipe(a.asAdmin))
      expect(long).toMatchObject({ _tag: "ValidationError", fields: [{ path: "fullName", message: "must be at most 10000 characters" }] })
      const many = yield* Effect.flip(Effect.flatMap(Scheduling, (s) =>
        s.book({
          doctorId: "00000000-0000-4000-8000-000000000001",
          patientId: "00000000-0000-4000-8000-000000000002",
          start: Date.now(),
          roomIds: Array.from({ length: 100_000 }, () => "00000000-0000-4000-8000-000000000003")
        })).pipe(a.asAdmin))
      expect(many).toMatchObject({ _tag: "ValidationError", fields: [{ path: "roomIds", message: "must have at most 1000 items" }] })
      const after = yield* raw.execute("SELECT count(*) AS n FROM patients WHERE clinic_id = ?", [a.clinicId])
      expect(Number(after[0]!.n)).toBe(0)
      const catalog = yield* Catalog
      expect(yield* Effect.flip(catalog.listServices({ active: "x" } as never).pipe(a.asAdmin)))
        .toMatchObject({ _tag: "ValidationError", fields: [{ path: "active" }] })
      for (const as of [Actor.withUser("not-a-clinic" as never, a.admin.id), Actor.withUser(a.clinicId, "not-a-staff-id" as never)]) {
        expect((yield* Effect.flip(patients.search({}).pipe(as)))._tag).toBe("Unauthenticated")
        expect((yield* Effect.flip(catalog.listRooms().pipe(as)))._tag).toBe("Unauthenticated")
      }
    }))
}
