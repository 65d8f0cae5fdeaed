import { describe, expect, it } from "@effect/vitest"
import * as Schema from "effect/Schema"
import * as fc from "fast-check"
import { builtInKeys, catalogue, HostPermissionKey, ownsOrUnrestricted, PermissionKey } from "../src/Permission.js"

const valid = fc.constantFrom(...builtInKeys)
const lookAlikes: Record<string, string> = { a: "а", e: "е", o: "о", p: "р", c: "с", i: "і", s: "ѕ", x: "х", y: "у" }
const prototypeNames = Object.getOwnPropertyNames(Object.prototype).concat(["__proto__", "prototype"])

/** Keys that look like permission keys but are not: every one must be refused. */
const hostile = fc.oneof(
  fc.constantFrom(...prototypeNames),
  fc.constantFrom(...prototypeNames).chain((p) => fc.constantFrom(`${p}.view`, `patients.${p}`, `${p}.${p}`)),
  valid.chain((k) => fc.constantFrom(` ${k}`, `${k} `, `${k}\n`, `${k}\u0000`, k.toUpperCase(), k.replace(".", ":"),
    k.replace(".", ".."), `${k}.`, `.${k}`, k.replace(".", "/"), k.replace(".", "\u2024"), `${k}\u200b`)),
  valid.chain((k) =>
    fc.nat(k.length - 1).map((i) => {
      const c = k[i]!
      return lookAlikes[c] === undefined ? `${k.slice(0, i)}\u0301${k.slice(i)}` : `${k.slice(0, i)}${lookAlikes[c]}${k.slice(i + 1)}`
    })),
  fc.constant(""),
  fc.integer({ min: 65, max: 100_000 }).map((n) => "a".repeat(n)),
  valid.map((k) => k.repeat(40)),
  fc.string({ unit: "binary", minLength: 0, maxLength: 40 }).filter((s) => !(builtInKeys as ReadonlyArray<string>).includes(s))
)

describe("hostile permission keys", () => {
  const isBuiltIn = Schema.is(PermissionKey)
  const isHost = Schema.is(HostPermissionKey)
  const withHostKeys = catalogue(["lab.view", "lab.sign_off"])
  const decodeCatalogue = Schema.is(withHostKeys.schema)

  it("10,000 hostile keys are refused by the catalogue schemas", () => {
    fc.assert(
      fc.property(hostile, (key) => {
        expect(isBuiltIn(key)).toBe(false)
        expect(decodeCatalogue(key)).toBe(false)
        if (prototypeNames.some((p) => key.split(".").includes(p)) || key.length > 65 || key === "") {
          expect(isHost(key)).toBe(false)
        }
      }),
      { numRuns: 10_000 }
    )
  })

  it("accepts exactly the catalogue: built-in keys and the host's own", () => {
    for (const key of builtInKeys) expect(decodeCatalogue(key)).toBe(true)
    expect(decodeCatalogue("lab.sign_off")).toBe(true)
    expect(decodeCatalogue("lab.delete")).toBe(false)
    expect(() => catalogue(["__proto__.view"])).toThrow(/invalid host permission key/)
    expect(() => catalogue(["patients.view"])).toThrow(/built in/)
  })

  it("a doctor acts only on their own records; other roles are bound by keys alone", () => {
    expect(ownsOrUnrestricted("doctor", "s1", "s1")).toBe(true)
    expect(ownsOrUnrestricted("doctor", "s1", "s2")).toBe(false)
    expect(ownsOrUnrestricted("doctor", "s1", null)).toBe(false)
    expect(ownsOrUnrestricted("nurse", "s1", "s2")).toBe(true)
  })
})
