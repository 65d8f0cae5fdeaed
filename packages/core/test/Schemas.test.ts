import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { CreatePatient } from "../src/Patient.js"
import { normalizePhone } from "../src/Phone.js"
import { decode } from "../src/internal/validation.js"
import { Currency, TimeZone } from "../src/Clinic.js"
import * as Schema from "effect/Schema"

describe("schemas and normalisation", () => {
  it("normalises phone spellings to one E.164 value, reading the clinic's region", () => {
    for (const typed of ["+1 415 555 0101", "(415) 555-0101", "415.555.0101", "1-415-555-0101"]) {
      expect(normalizePhone(typed, "US")).toEqual(Either.right("+14155550101"))
    }
    expect(normalizePhone("020 7946 0958", "GB")).toEqual(Either.right("+442079460958"))
    expect(Either.isLeft(normalizePhone("12", "US"))).toBe(true)
  })

  it("accepts IANA zones and ISO 4217 codes only", () => {
    const ok = (s: Schema.Schema<any, string>, v: string) => Either.isRight(Schema.decodeEither(s)(v))
    expect(["Europe/London", "Pacific/Chatham", "UTC"].every((z) => ok(TimeZone, z))).toBe(true)
    expect(["Mars/Base", "", "GMT+3", "europe/nowhere"].some((z) => ok(TimeZone, z))).toBe(false)
    expect(["USD", "JPY", "KWD"].every((c) => ok(Currency, c))).toBe(true)
    expect(["XYZ", "usd", "US"].some((c) => ok(Currency, c))).toBe(false)
  })

  it.effect("a validation error never repeats a national id", () =>
    Effect.gen(function*() {
      const secret = "SECRET!!##9931"
      const error = yield* Effect.flip(decode(CreatePatient, { fullName: "A", phone: "+14155550101", nationalId: secret }))
      expect(error.fields).toEqual([{ path: "nationalId", message: expect.any(String) }])
      expect(JSON.stringify(error)).not.toContain("9931")
      expect(error.message).not.toContain("9931")
      const wrongType = yield* Effect.flip(decode(CreatePatient, { fullName: "A", phone: "1", nationalId: 99319931 }))
      expect(JSON.stringify(wrongType.fields)).not.toContain("9931")
    }))
})
