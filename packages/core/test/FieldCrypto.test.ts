import { randomBytes } from "node:crypto"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Redacted from "effect/Redacted"
import * as FieldCrypto from "../src/FieldCrypto.js"
import { ClinicId } from "../src/Ids.js"

const key = () => Redacted.make(randomBytes(32).toString("base64"))
const clinicA = ClinicId.make("00000000-0000-4000-8000-00000000000a")
const clinicB = ClinicId.make("00000000-0000-4000-8000-00000000000b")
const at = (clinicId: ClinicId, rowId: string) => ({ clinicId, table: "patients", column: "national_id", rowId })

describe("FieldCrypto", () => {
  const crypto = FieldCrypto.make({ current: "k1", keys: { k1: key() } })

  it.effect("round-trips and never shows the plaintext in the ciphertext", () =>
    Effect.gen(function*() {
      const dek = yield* crypto.newDataKey(clinicA)
      const sealed = yield* crypto.encrypt(dek, at(clinicA, "r1"), "AB123456")
      expect(sealed.startsWith("v1.")).toBe(true)
      expect(sealed).not.toContain("AB123456")
      expect(yield* crypto.decrypt(dek, at(clinicA, "r1"), sealed)).toBe("AB123456")
      // Random IVs: the same value encrypts differently each time.
      expect(yield* crypto.encrypt(dek, at(clinicA, "r1"), "AB123456")).not.toBe(sealed)
    }))

  it.effect("a ciphertext moved to another row, column or clinic does not decrypt", () =>
    Effect.gen(function*() {
      const dek = yield* crypto.newDataKey(clinicA)
      const sealed = yield* crypto.encrypt(dek, at(clinicA, "r1"), "AB123456")
      const moves = [at(clinicA, "r2"), { ...at(clinicA, "r1"), column: "other" }, at(clinicB, "r1")]
      for (const target of moves) {
        expect(Exit.isFailure(yield* Effect.exit(crypto.decrypt(dek, target, sealed)))).toBe(true)
      }
      const tampered = sealed.slice(0, -4) + (sealed.endsWith("AAAA") ? "BBBB" : "AAAA")
      expect(Exit.isFailure(yield* Effect.exit(crypto.decrypt(dek, at(clinicA, "r1"), tampered)))).toBe(true)
    }))

  it.effect("the blind index is deterministic, ignores separators and case, and differs per clinic", () =>
    Effect.gen(function*() {
      const dekA = yield* crypto.newDataKey(clinicA)
      const dekB = yield* crypto.newDataKey(clinicB)
      const i1 = yield* crypto.blindIndex(dekA, clinicA, "national_id", "ab-123 456")
      expect(yield* crypto.blindIndex(dekA, clinicA, "national_id", "AB123456")).toBe(i1)
      expect(yield* crypto.blindIndex(dekA, clinicA, "national_id", "AB123457")).not.toBe(i1)
      expect(yield* crypto.blindIndex(dekB, clinicB, "national_id", "AB123456")).not.toBe(i1)
    }))

  it.effect("old master keys still unwrap after rotation; unknown ones do not", () =>
    Effect.gen(function*() {
      const k1 = key()
      const before = FieldCrypto.make({ current: "k1", keys: { k1 } })
      const dek = yield* before.newDataKey(clinicA)
      const sealed = yield* before.encrypt(dek, at(clinicA, "r1"), "XY99")
      const rotated = FieldCrypto.make({ current: "k2", keys: { k1, k2: key() } })
      expect(yield* rotated.decrypt(dek, at(clinicA, "r1"), sealed)).toBe("XY99")
      expect((yield* rotated.newDataKey(clinicA)).startsWith("k2.")).toBe(true)
      const forgotten = FieldCrypto.make({ current: "k2", keys: { k2: key() } })
      expect(Exit.isFailure(yield* Effect.exit(forgotten.decrypt(dek, at(clinicA, "r1"), sealed)))).toBe(true)
    }))

  it("refuses a master key that is not 32 bytes", () => {
    expect(() => FieldCrypto.make({ current: "k1", keys: { k1: Redacted.make("c2hvcnQ=") } })).toThrow(/32 bytes/)
  })
})
