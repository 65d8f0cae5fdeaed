/**
 * Fuzz every write route (every POST, PUT, PATCH and DELETE of the OpenAPI document, so routes
 * added later are covered too) with hostile payloads: wrong types, missing fields, huge strings,
 * hostile unicode, bad dates. Never a 500; and when the answer is a 4xx, no table changed
 * (compared before and after; a 403's audited denial aside, since denials are recorded by design).
 */
import fc from "fast-check"
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest"
import type {} from "../../../packages/sql-pg/test/globalSetup.js"
import { type Clinic, makeClinic } from "./utils/fixture.js"
import { type Kind, type RunningHost, startHost } from "./utils/host.js"

const hostileText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.fullUnicodeString({ maxLength: 40 }),
  fc.constantFrom(
    "",
    " ",
    "\u0000",
    "a\u0000b",
    "\u202e\u0645\u0631\u062d\u0628\u0627",
    "\ud800",
    "\udfff\ud800",
    "Z\u0338\u0321\u031b\u0353a\u0337l\u0336g\u0334o",
    "\u{1F9D1}\u200d\u2695\ufe0f\u{1F489}",
    "\ufeff\u200b\u2060",
    "'; DROP TABLE patients; --",
    "<script>alert(1)</script>",
    "=HYPERLINK(\"http://x\")",
    "../../etc/passwd",
    "null",
    "NaN",
    "Infinity",
    "1e309",
    "__proto__",
    "constructor"
  ),
  fc.integer({ min: 1_000, max: 60_000 }).map((n) => "x".repeat(n))
)
const badDate = fc.constantFrom(
  "2026-02-30",
  "2026-13-01",
  "0000-00-00",
  "99999-01-01",
  "2026-02-29T25:61:00Z",
  "2026-03-29T01:30:00",
  "yesterday",
  "1970-01-01T00:00:00+99:00",
  "-271821-04-20T00:00:00Z",
  "2031-12-25",
  "2030-01-07T10:00:00Z"
)
const number = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(-1, 0, -0, 1.5, 2 ** 53, -(2 ** 53), 1e308, 8.64e15 + 1)
)

const keysOf = (doc: any, schema: any, depth = 0): Array<string> => {
  if (schema === undefined || depth > 4) return []
  if (schema.$ref) return keysOf(doc, doc.components.schemas[String(schema.$ref).split("/").pop()!], depth + 1)
  const nested = [...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.allOf ?? [])]
  return [...Object.keys(schema.properties ?? {}), ...nested.flatMap((s: any) => keysOf(doc, s, depth + 1))]
}

interface Route {
  readonly method: string
  readonly path: string
  readonly group: string
  readonly keys: ReadonlyArray<string>
}

describe.each<Kind>(["sqlite", "pg"])("fuzzing every write route on %s", (kind) => {
  let host: RunningHost
  let a: Clinic
  let routes: ReadonlyArray<Route>
  const runs = kind === "sqlite" ? 12 : 4

  beforeAll(async () => {
    host = await startHost(kind, kind === "pg" ? inject("pgAdminUrl") : undefined)
    a = await makeClinic(host, "fuzz")
    const doc = (await host.call("GET", "/openapi.json")).body
    const out: Array<Route> = []
    for (const [path, item] of Object.entries<any>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(item)) {
        if (!["post", "put", "patch", "delete"].includes(method)) continue
        const schema = op.requestBody?.content?.["application/json"]?.schema
        out.push({ method: method.toUpperCase(), path, group: op.tags?.[0] ?? "", keys: [...new Set(keysOf(doc, schema))] })
      }
    }
    routes = out
  })
  afterAll(async () => {
    await host?.close()
  })

  it("covers the write routes of every group", () => {
    const groups = new Set(routes.map((r) => r.group))
    for (const g of ["auth", "platform", "clinic", "staff", "access", "doctors", "patients", "catalog", "scheduling", "billing", "reminders", "audit", "public"]) {
      expect(groups, g).toContain(g)
    }
  })

  it("never answers 500, and writes nothing on a 4xx", async () => {
    const ids = [a.patientId, a.doctorId, a.serviceId, a.adminId, a.clinicId]
    const value = fc.oneof(
      hostileText,
      badDate,
      number,
      fc.boolean(),
      fc.constant(null),
      fc.constantFrom(...ids),
      fc.uuid(),
      fc.array(fc.oneof(hostileText, number, fc.constantFrom(...ids)), { maxLength: 4 }),
      fc.dictionary(hostileText, fc.oneof(hostileText, number), { maxKeys: 3 })
    )
    const pathParam = (platform: boolean) =>
      platform ? fc.oneof(fc.uuid(), hostileText) : fc.oneof(fc.constantFrom(...ids), fc.uuid(), hostileText, badDate)
    let statuses = new Map<number, number>()
    let before = await host.snapshot()
    for (const route of routes) {
      const platform = route.group === "platform"
      const payload = route.keys.length === 0
        ? fc.anything({ maxDepth: 2 })
        : fc.oneof(
          { weight: 1, arbitrary: fc.anything({ maxDepth: 2 }) },
          {
            weight: 4,
            arbitrary: fc.subarray([...route.keys]).chain((keys) =>
              fc.tuple(...keys.map(() => value)).map((vs) => Object.fromEntries(keys.map((k, i) => [k, vs[i]])))
            )
          }
        )
      await fc.assert(
        fc.asyncProperty(payload, pathParam(platform), fc.boolean(), async (body, param, omitBody) => {
          const path = route.path.replace(/\{\w+\}/g, () => encode(String(param)))
          const token = route.group === "public" ? undefined : platform ? host.platformToken : a.admin
          const res = await host.call(route.method, path, omitBody ? { token } : { token, body })
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1)
          expect(res.status, `${route.method} ${path} → ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`).toBeLessThan(500)
          if (res.status >= 400) {
            const excluded = res.status === 403 ? ["audit_events", "audit_heads"] : []
            const after = await host.snapshot(excluded)
            const expected = excluded.length === 0 ? before : await pick(before, excluded)
            expect(after, `${route.method} ${path} → ${res.status} wrote something`).toEqual(expected)
            if (excluded.length > 0) before = await host.snapshot()
          } else {
            before = await host.snapshot()
          }
        }),
        { numRuns: runs, seed: Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31) }
      )
    }
    // The fuzz reached the services (not only the decoders) and got domain answers.
    expect([...statuses.keys()]).toEqual(expect.arrayContaining([400, 404]))
    statuses = new Map()
  })
})

/** A lone surrogate has no UTF-8 form: send the bytes a careless client would (invalid UTF-8). */
const encode = (s: string) => {
  try {
    return encodeURIComponent(s)
  } catch {
    return "%ED%A0%80" + encodeURIComponent(s.replace(/[\ud800-\udfff]/g, ""))
  }
}

const pick = async (snapshot: Record<string, unknown>, excluded: ReadonlyArray<string>) =>
  Object.fromEntries(Object.entries(snapshot).filter(([k]) => !excluded.includes(k)))

