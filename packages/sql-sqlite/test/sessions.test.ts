/**
 * `Sessions` on SQLite: a session expires with the clock, logout revokes it, API keys resolve their
 * role through the clinic's matrix on every call and stop on revocation; only digests are stored.
 */
import { randomBytes } from "node:crypto"
import { Access, Accounts, Actor, Clinicore, Clinics, FieldCrypto, Patients, Sessions } from "@clinicore/core"
import { it } from "@effect/vitest"
import * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import { expect } from "vitest"
import * as ClinicoreSqlite from "../src/ClinicoreSqlite.js"

const Live = Sessions.layer({ sessionTtl: "1 hour" }).pipe(
  Layer.provideMerge(Clinicore.layer),
  Layer.provideMerge(FieldCrypto.layer({ current: "k1", keys: { k1: Redacted.make(randomBytes(32).toString("base64")) } })),
  Layer.provideMerge(ClinicoreSqlite.layer({ filename: ":memory:" }))
)

it.layer(Live, { timeout: "60 seconds" })("Sessions on SQLite", (it) => {
  it.effect("sessions expire and are revoked; API keys follow the matrix and their revocation", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(Date.UTC(2030, 0, 1))
      const { admin, clinic } = yield* Effect.flatMap(Clinics.Clinics, (c) =>
        c.create({ name: "S", slug: `s-${randomBytes(3).toString("hex")}`, timeZone: "UTC", currency: "EUR", admin: { name: "A", email: "a@s.example" } }))
        .pipe(Actor.asPlatform)
      const asAdmin = Actor.withUser(clinic.id, admin.id)
      yield* Effect.flatMap(Accounts.Accounts, (a) => a.setPassword({ staffId: admin.id, password: "Str0ng!pass" })).pipe(asAdmin)
      const sessions = yield* Sessions.Sessions

      const session = yield* sessions.login({ clinic: clinic.slug, email: "a@s.example", password: "Str0ng!pass" })
      expect(session.expiresAt).toBe(Date.UTC(2030, 0, 1) + 3_600_000)
      expect((yield* sessions.authenticate(session.token))._tag).toBe("User")
      yield* TestClock.adjust("61 minutes")
      expect((yield* Effect.flip(sessions.authenticate(session.token)))._tag).toBe("Unauthenticated")

      const again = yield* sessions.login({ clinic: clinic.slug, email: "a@s.example", password: "Str0ng!pass" })
      yield* sessions.logout(again.token)
      expect((yield* Effect.flip(sessions.authenticate(again.token)))._tag).toBe("Unauthenticated")
      expect((yield* Effect.flip(sessions.login({ clinic: clinic.slug, email: "a@s.example", password: "wrong" })))._tag)
        .toBe("Unauthenticated")

      const { apiKey, key } = yield* sessions.createApiKey({ name: "kiosk", role: "nurse" }).pipe(asAdmin)
      const asKey = (principal: Actor.Principal) => Effect.provideService(Actor.Actor, principal)
      const principal = yield* sessions.authenticate(key)
      expect(principal).toMatchObject({ _tag: "System", clinicId: clinic.id, role: "nurse" })
      const create = Effect.flatMap(Patients.Patients, (p) => p.create({ fullName: "P", phone: "+351 912 345 678" }))
      expect(yield* Effect.flip(create.pipe(asKey(principal)))).toMatchObject({ _tag: "PermissionDenied", permission: "patients.create" })
      yield* Effect.flatMap(Access.Access, (a) => a.set([{ role: "nurse", key: "patients.create", granted: true }])).pipe(asAdmin)
      expect((yield* create.pipe(asKey(principal))).fullName).toBe("P")
      // A key is never the admin: the matrix and keys are for a signed-in admin only.
      expect(yield* Effect.flip(sessions.listApiKeys().pipe(asKey(principal)))).toMatchObject({ _tag: "PermissionDenied" })
      yield* sessions.revokeApiKey(apiKey.id).pipe(asAdmin)
      expect((yield* Effect.flip(sessions.authenticate(key)))._tag).toBe("Unauthenticated")

      // Only digests: no secret is in the table.
      const sql = yield* SqlClient.SqlClient
      const stored = JSON.stringify(yield* sql`SELECT * FROM credentials`)
      for (const secret of [session.token, again.token, key].map((c) => c.split("_")[3]!)) expect(stored).not.toContain(secret)
    }))
})
