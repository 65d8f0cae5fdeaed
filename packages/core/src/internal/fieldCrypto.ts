import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from "node:crypto"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import type { FieldContext, FieldCrypto, MasterKeys } from "../FieldCrypto.js"

const CIPHER_VERSION = "v1"

const seal = (key: Uint8Array, aad: string, plaintext: Uint8Array): string => {
  const iv = randomBytes(12)
  const cipher = createCipheriv("aes-256-gcm", key, iv)
  cipher.setAAD(Buffer.from(aad, "utf8"))
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()])
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64")
}

const open = (key: Uint8Array, aad: string, sealed: string): Buffer => {
  const raw = Buffer.from(sealed, "base64")
  const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(0, 12))
  decipher.setAAD(Buffer.from(aad, "utf8"))
  decipher.setAuthTag(raw.subarray(12, 28))
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()])
}

const aadOf = (at: FieldContext) => `clinicore|${at.clinicId}|${at.table}|${at.column}|${at.rowId}`

/** Upper-case and drop separators, so `ab-12 34` and `AB1234` index alike. */
export const normalizeIdentifier = (value: string): string => value.toUpperCase().replace(/[\s.\-/]/g, "")

export const make = (masterKeys: MasterKeys): FieldCrypto => {
  const masters = new Map<string, Buffer>()
  for (const [version, key] of Object.entries(masterKeys.keys)) {
    const bytes = Buffer.from(Redacted.value(key), "base64")
    if (bytes.length !== 32) throw new Error(`master key ${version} must be 32 bytes, base64-encoded`)
    masters.set(version, bytes)
  }
  if (!masters.has(masterKeys.current)) throw new Error(`no master key for the current version ${masterKeys.current}`)

  // Unwrapped data keys, by wrapped form: unwrapping is one AES-GCM open per clinic per process.
  const dataKeys = new Map<string, { readonly enc: Buffer; readonly index: Buffer }>()
  const macKeys = new Map<string, Buffer>()
  const unwrap = (wrapped: string, clinicId: string) => {
    const cacheKey = `${clinicId}:${wrapped}`
    let keys = dataKeys.get(cacheKey)
    if (keys === undefined) {
      const dot = wrapped.indexOf(".")
      const master = masters.get(wrapped.slice(0, dot))
      if (master === undefined) throw new Error("data key wrapped by an unknown master key version")
      const enc = open(master, `clinicore|dek|${clinicId}`, wrapped.slice(dot + 1))
      const index = Buffer.from(hkdfSync("sha256", enc, Buffer.alloc(0), "clinicore/blind-index/v1", 32))
      keys = { enc, index }
      dataKeys.set(cacheKey, keys)
    }
    return keys
  }

  // Derived once per clinic and purpose: the audit chain asks on every write.
  const macKey = (wrapped: string, clinicId: string, purpose: string) => {
    const cacheKey = `${clinicId}:${purpose}:${wrapped}`
    let key = macKeys.get(cacheKey)
    if (key === undefined) {
      key = Buffer.from(hkdfSync("sha256", unwrap(wrapped, clinicId).enc, Buffer.alloc(0), `clinicore/${purpose}/v1`, 32))
      macKeys.set(cacheKey, key)
    }
    return key
  }

  return {
    newDataKey: (clinicId) =>
      Effect.sync(() =>
        `${masterKeys.current}.${seal(masters.get(masterKeys.current)!, `clinicore|dek|${clinicId}`, randomBytes(32))}`
      ),
    encrypt: (wrapped, at, plaintext) =>
      Effect.sync(() => `${CIPHER_VERSION}.${seal(unwrap(wrapped, at.clinicId).enc, aadOf(at), Buffer.from(plaintext, "utf8"))}`),
    decrypt: (wrapped, at, ciphertext) =>
      Effect.try({
        try: () => {
          if (!ciphertext.startsWith(`${CIPHER_VERSION}.`)) throw new Error("unknown ciphertext version")
          return open(unwrap(wrapped, at.clinicId).enc, aadOf(at), ciphertext.slice(CIPHER_VERSION.length + 1)).toString("utf8")
        },
        // The cause is dropped on purpose: nothing about the value may reach a log.
        catch: () => new Error(`ciphertext of ${at.table}.${at.column} does not belong to this record`)
      }).pipe(Effect.orDie),
    keyedMac: (wrapped, clinicId, purpose) =>
      Effect.sync(() => {
        const key = macKey(wrapped, clinicId, purpose)
        return (data: string) => createHmac("sha256", key).update(data).digest("base64url")
      }),
    blindIndex: (wrapped, clinicId, column, value) =>
      Effect.sync(() =>
        createHmac("sha256", unwrap(wrapped, clinicId).index).update(`${column}|${normalizeIdentifier(value)}`).digest("base64url")
      )
  }
}
