/** The permission matrix on one adapter: registry walk, revocation, isolation, other processes. */
import * as AccessModule from "@clinicore/core/Access"
import { Access } from "@clinicore/core/Access"
import * as Actor from "@clinicore/core/Actor"
import type { ClinicOperation } from "@clinicore/core/Operations"
import { operations } from "@clinicore/core/Operations"
import { Patients } from "@clinicore/core/Patients"
import { defaultGrants } from "@clinicore/core/Permission"
import { Storage } from "@clinicore/core/Storage"
import { expect } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fixtures from "../../Fixtures.js"
import { RawAccess } from "../../RawAccess.js"
import { Twin } from "../../Twin.js"
import type { SuiteIt } from "./it.js"

type Verdict = "allowed" | "denied"

/** A refusal by the matrix (or the admin-only rule) is "denied"; anything else got past the check. */
const verdict = (error: unknown): Verdict =>
  typeof error === "object" && error !== null && "_tag" in error && error._tag === "PermissionDenied" &&
    "reason" in error && error.reason === "not_granted"
    ? "denied"
    : "allowed"

const attempt = <R>(call: Effect.Effect<unknown, unknown, R>) =>
  Effect.map(Effect.either(call), (r) => (r._tag === "Right" ? "allowed" : verdict(r.left)))

export const access = (it: SuiteIt) => {
  it.effect("every operation × every role × granted/revoked is allowed or denied as the matrix says", () =>
    Effect.gen(function*() {
      const a = yield* Fixtures.clinic("Walk")
      const accessService = yield* Access
      const names = Object.keys(operations).filter((n) =>
        (operations[n as keyof typeof operations].key as string) !== "platform"
      ) as Array<ClinicOperation>
      for (const role of ["doctor", "receptionist", "nurse", "admin"] as const) {
        const actor = role === "admin" ? a.admin : yield* Fixtures.staffMember(a, role)
        for (const name of names) {
          const key = operations[name].key
          // Fresh targets for every call: some operations delete or deactivate them.
          const targets = yield* Fixtures.operationTargets(a, { billing: name.startsWith("Billing.") })
          // Beyond its key, setting a password other than one's own needs an admin (the privilege
          // suite checks that): here each role sets its own.
          const call = Fixtures.everyOperation(name === "Accounts.setPassword" ? { ...targets, staffId: actor.id } : targets)[name]
          const results: Array<Verdict> = []
          for (const granted of [true, false]) {
            if (role !== "admin" && key !== "admin" && key !== "self" && key !== "public") {
              yield* accessService.set([{ role, key, granted }]).pipe(a.asAdmin)
            }
            results.push(yield* attempt(call.pipe(a.as(actor.id))))
          }
          const expected: ReadonlyArray<Verdict> = role === "admin" || key === "self" || key === "public"
            ? ["allowed", "allowed"]
            : key === "admin"
            ? ["denied", "denied"]
            : ["allowed", "denied"]
          expect({ role, name, results }).toEqual({ role, name, results: expected })
        }
      }
    }), { timeout: 300_000 })

  it.effect("revoking a key denies the very next call, granting it again allows it, also in another process", () =>
    Effect.gen(function*() {
      const a = yield* Fixtures.clinic("Revoke")
      const receptionist = yield* Fixtures.staffMember(a, "receptionist")
      const accessService = yield* Access
      const twin = yield* Twin
      // The same services over a second, independent Storage: another process on the same database.
      const elsewhere = yield* AccessModule.make().pipe(Effect.provideService(Storage, twin.storage))
      const check = (service: typeof accessService) => attempt(service.check("appointments.create").pipe(a.as(receptionist.id)))
      expect([yield* check(accessService), yield* check(elsewhere)]).toEqual(["allowed", "allowed"])
      yield* accessService.set([{ role: "receptionist", key: "appointments.create", granted: false }]).pipe(a.asAdmin)
      expect([yield* check(accessService), yield* check(elsewhere)]).toEqual(["denied", "denied"])
      yield* elsewhere.set([{ role: "receptionist", key: "appointments.create", granted: true }]).pipe(a.asAdmin)
      expect([yield* check(accessService), yield* check(elsewhere)]).toEqual(["allowed", "allowed"])
    }))

  it.effect("revoking every key of nurse leaves nurse with nothing, while not configured falls back to defaults", () =>
    Effect.gen(function*() {
      const a = yield* Fixtures.clinic("Nothing")
      const nurse = yield* Fixtures.staffMember(a, "nurse")
      const accessService = yield* Access
      const before = yield* accessService.matrix().pipe(a.asAdmin)
      expect(before.roles.nurse).toEqual(defaultGrants.nurse.filter((k) => before.keys.includes(k)).sort((x, y) =>
        before.keys.indexOf(x) - before.keys.indexOf(y)
      ))
      const after = yield* accessService.set(before.keys.map((key) => ({ role: "nurse", key, granted: false }))).pipe(a.asAdmin)
      expect(after.roles.nurse).toEqual([])
      expect(after.roles.doctor).toEqual(before.roles.doctor)
      for (const key of defaultGrants.nurse) {
        expect({ key, verdict: yield* attempt(accessService.check(key).pipe(a.as(nurse.id))) }).toEqual({ key, verdict: "denied" })
      }
      expect(yield* attempt(Effect.flatMap(Patients, (p) => p.search()).pipe(a.as(nurse.id)))).toBe("denied")

      // A clinic whose matrix rows are gone entirely ("not configured") falls back to the defaults.
      const raw = yield* RawAccess
      yield* raw.execute("DELETE FROM role_permissions WHERE clinic_id = ?", [a.clinicId])
      expect((yield* accessService.matrix().pipe(a.asAdmin)).roles).toEqual(before.roles)
      yield* accessService.seedDefaults().pipe(a.asAdmin)
      yield* accessService.seedDefaults().pipe(a.asAdmin)
      const [{ n }] = (yield* raw.execute("SELECT count(*) AS n FROM role_permissions WHERE clinic_id = ?", [a.clinicId])) as
        Array<{ n: unknown }>
      expect(Number(n)).toBe(3 * before.keys.length)
    }))

  it.effect("only admin reads or changes the matrix, and only its own clinic's", () =>
    Effect.gen(function*() {
      const a = yield* Fixtures.clinic("OnlyAdminA")
      const b = yield* Fixtures.clinic("OnlyAdminB")
      const accessService = yield* Access
      for (const role of ["doctor", "receptionist", "nurse"] as const) {
        const member = yield* Fixtures.staffMember(a, role)
        expect(yield* Effect.flip(accessService.matrix().pipe(a.as(member.id)))).toMatchObject({
          _tag: "PermissionDenied",
          permission: "admin"
        })
        expect(yield* Effect.flip(
          accessService.set([{ role, key: "billing.view", granted: true }]).pipe(a.as(member.id))
        )).toMatchObject({ _tag: "PermissionDenied", permission: "admin" })
      }
      const bBefore = yield* accessService.matrix().pipe(b.asAdmin)
      // A's admin naming clinic B is not a user of B.
      expect(yield* Effect.flip(accessService.matrix().pipe(Actor.withUser(b.clinicId, a.admin.id)))).toMatchObject({
        _tag: "Unauthenticated"
      })
      yield* accessService.set([{ role: "nurse", key: "billing.view", granted: true }]).pipe(a.asAdmin)
      expect(yield* accessService.matrix().pipe(b.asAdmin)).toEqual(bBefore)
      expect(yield* Effect.flip(
        accessService.set([{ role: "admin" as never, key: "billing.view", granted: false }]).pipe(a.asAdmin)
      )).toMatchObject({ _tag: "ValidationError", fields: [{ path: "0.role" }] })
    }))

  it.effect("hostile permission keys are refused with a ValidationError and nothing is stored", () =>
    Effect.gen(function*() {
      const a = yield* Fixtures.clinic("Hostile")
      const raw = yield* RawAccess
      const accessService = yield* Access
      const count = Effect.map(
        raw.execute("SELECT count(*) AS n FROM role_permissions WHERE clinic_id = ?", [a.clinicId]),
        (rows) => Number(rows[0]!.n)
      )
      const before = yield* count
      for (const key of ["__proto__", "constructor.view", "patients.view ", "pаtients.view", "", "x".repeat(10_000), "patients..view"]) {
        expect(yield* Effect.flip(accessService.set([{ role: "nurse", key, granted: true }]).pipe(a.asAdmin))).toMatchObject({
          _tag: "ValidationError"
        })
        expect(yield* Effect.flip(accessService.check(key).pipe(a.asAdmin))).toMatchObject({ _tag: "ValidationError" })
      }
      expect(yield* count).toBe(before)
    }))
}
