import { Currency, TimeZone } from "@clinicore/core/Clinic"
import { CreatePatient } from "@clinicore/core/Patient"
import { normalizePhone } from "@clinicore/core/Phone"
import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as fc from "fast-check"
import * as Arb from "../src/Arbitraries.js"

describe("arbitraries", () => {
  it("every spelling of a generated phone normalises to its E.164 value", () => {
    fc.assert(fc.property(Arb.usPhone, (p) => {
      expect(normalizePhone(p.typed, "US")).toEqual(Either.right(p.e164))
    }))
  })

  it("generated zones, currencies and patient inputs are valid domain values", () => {
    fc.assert(fc.property(Arb.timeZone, Arb.currency, Arb.patientInput, (zone, currency, patient) => {
      expect(Either.isRight(Schema.decodeEither(TimeZone)(zone))).toBe(true)
      expect(Either.isRight(Schema.decodeEither(Currency)(currency))).toBe(true)
      expect(Either.isRight(Schema.decodeUnknownEither(CreatePatient)(patient))).toBe(true)
    }))
  })
})
