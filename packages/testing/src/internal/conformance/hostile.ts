/**
 * Hostile input to every method of every service, as a careless integrator or an attacker would
 * send it: wrong types, ±Infinity, NaN, huge numbers, NUL bytes, megabyte strings, huge arrays, far
 * dates, deep objects. Every call must end in a typed error or a success — never a defect — write
 * nothing when it fails, and return within a stated bound.
 */
import { Access } from "@clinicore/core/Access"
import { Accounts } from "@clinicore/core/Accounts"
import * as Actor from "@clinicore/core/Actor"
import { Analytics } from "@clinicore/core/Analytics"
import { Audit } from "@clinicore/core/Audit"
import { Billing } from "@clinicore/core/Billing"
import { Catalog } from "@clinicore/core/Catalog"
import { Clinics } from "@clinicore/core/Clinics"
import { Doctors } from "@clinicore/core/Doctors"
import { Export } from "@clinicore/core/Export"
import { Import } from "@clinicore/core/Import"
import { Patients } from "@clinicore/core/Patients"
import { Reminders } from "@clinicore/core/Reminders"
import { Schedules } from "@clinicore/core/Schedules"
import { Scheduling } from "@clinicore/core/Scheduling"
import { Staff } from "@clinicore/core/Staff"
import { expect } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as Fixtures from "../../Fixtures.js"
import { RawAccess } from "../../RawAccess.js"
import type { SuiteIt } from "./it.js"

/** The longest any one call may take, however hostile its input (the machine may be busy). */
const BOUND_MS = 5_000

/** Tags a caller may get back: the library's typed errors. */
const typed = new Set([
  "ValidationError",
  "NotFound",
  "Conflict",
  "PermissionDenied",
  "Unauthenticated",
  "Inactive",
  "ImportRejected"
])

/** Worker entry points that take host code (a notifier), not data: not an input surface. */
const hostCode = new Set(["Reminders.dispatch"])

/** An object nested `n` levels deep, as JSON can carry it: `{ id, a: { id, a: … } }`. */
const deep = (n: number): unknown => {
  let o: Record<string, unknown> = { id: "x" }
  for (let i = 0; i < n; i++) o = { id: String(i), a: o }
  return o
}

/** Hostile values, each with a short label for the report. */
const hostile: ReadonlyArray<readonly [string, unknown]> = [
  ["undefined", undefined],
  ["null", null],
  ["Infinity", 1e309],
  ["NaN", Number.NaN],
  ["9e15", 9e15],
  ["string", "\u0000\u202e🙂"],
  ["megabyte", "x".repeat(1_000_000)],
  ["huge array", Array.from({ length: 100_000 }, () => 1)],
  ["object", { id: "00000000-0000-4000-8000-000000000000", from: Number.NaN, to: 1e309, start: 9e15, end: -9e15, limit: 1e9, offset: -1 }],
  ["strings", { id: "\u0000", name: "x".repeat(20_000), email: "@", phone: "+", fullName: [], csv: 42, kind: "nope", status: {} }],
  ["deep", deep(60)],
  ["array", [{ id: 1 }, null, "x"]]
]

const isStream = (u: unknown): u is Stream.Stream<unknown, unknown, unknown> =>
  typeof u === "object" && u !== null && Stream.StreamTypeId in u

/**
 * Calls every method of every service with every hostile value, as the platform (clinic operations)
 * or `a`'s admin, and reports each call's outcome (`ok`, an error tag, or `defect`) and every
 * violation: a defect, an untyped failure, rows written by a failing call, a call over the bound, a
 * read that dies afterwards.
 */
export const hostileOutcomes = (a: Fixtures.ClinicFixture) =>
  Effect.gen(function*() {
    const raw = yield* RawAccess
    const tables = (yield* raw.execute(
      raw.dialect === "pg"
        ? "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        : "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
    )).map((r) => String(r.name)).filter((t) => !["audit_events", "audit_heads", "effect_sql_migrations"].includes(t))
    // One statement counts every table (audit rows excluded: refusals are recorded by design).
    const counts = Effect.map(
      raw.execute(`SELECT ${tables.map((t) => `(SELECT count(*) FROM ${t}) AS "${t}"`).join(", ")}`),
      (rows) => JSON.stringify(Object.fromEntries(Object.entries(rows[0]!).map(([k, v]) => [k, Number(v)])))
    )
    const services: Record<string, object> = {
      Clinics: yield* Clinics,
      Staff: yield* Staff,
      Doctors: yield* Doctors,
      Patients: yield* Patients,
      Access: yield* Access,
      Accounts: yield* Accounts,
      Audit: yield* Audit,
      Schedules: yield* Schedules,
      Catalog: yield* Catalog,
      Scheduling: yield* Scheduling,
      Billing: yield* Billing,
      Reminders: yield* Reminders,
      Analytics: yield* Analytics,
      Export: yield* Export,
      Import: yield* Import
    }
    const run = (service: string, fn: unknown, value: unknown) =>
      Effect.exit(Effect.suspend(() => {
        const result = (fn as (input: unknown) => unknown)(value)
        return isStream(result) ? Stream.runDrain(result) : (result as Effect.Effect<unknown, unknown>)
      }).pipe((service === "Clinics" ? Actor.asPlatform : a.asAdmin) as never) as Effect.Effect<unknown, unknown>)
    const outcomes = new Map<string, string>()
    const violations: Array<string> = []
    for (const [service, methods] of Object.entries(services)) {
      for (const [method, fn] of Object.entries(methods)) {
        const name = `${service}.${method}`
        if (typeof fn !== "function" || hostCode.has(name)) continue
        for (const [label, value] of hostile) {
          const before = yield* counts
          const started = Date.now()
          const exit = yield* run(service, fn, value)
          const took = Date.now() - started
          const at = `${name}(${label})`
          if (took > BOUND_MS) violations.push(`${at} took ${took} ms`)
          if (Exit.isSuccess(exit)) {
            outcomes.set(at, "ok")
            continue
          }
          const failure = Cause.failureOption(exit.cause)
          if (Option.isNone(failure)) {
            outcomes.set(at, "defect")
            violations.push(`${at} died: ${Cause.pretty(exit.cause).split("\n")[0]}`)
            continue
          }
          const tag = (failure.value as { _tag?: string })._tag ?? "(untagged)"
          outcomes.set(at, tag)
          if (!typed.has(tag)) violations.push(`${at} failed with ${tag}`)
          if ((yield* counts) !== before) violations.push(`${at} wrote rows and failed with ${tag}`)
        }
      }
    }
    // Whatever those calls stored, every read still answers: nothing stored makes a later read die.
    for (const [service, methods] of Object.entries(services)) {
      for (const [method, fn] of Object.entries(methods)) {
        if (typeof fn !== "function" || !/^(list|get|search|policy|consents|matrix|dashboard|holidays|verify|recall)/.test(method)) continue
        const exit = yield* run(service, fn, undefined)
        if (Exit.isFailure(exit) && Option.isNone(Cause.failureOption(exit.cause))) {
          violations.push(`${service}.${method}() died reading back: ${Cause.pretty(exit.cause).split("\n")[0]}`)
        }
      }
    }
    return { outcomes, violations }
  })

export const hostileInput = (it: SuiteIt) => {
  it.effect("hostile input to every service method: typed errors only, nothing written on a failure, within a bound; every read answers after", () =>
    Effect.gen(function*() {
      const { outcomes, violations } = yield* hostileOutcomes(yield* Fixtures.clinic("HostileAll"))
      expect(outcomes.size).toBeGreaterThan(500)
      expect(violations).toEqual([])
    }), { timeout: 600_000 })
}
