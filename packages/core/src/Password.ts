/**
 * Staff passwords, for hosts that use the library's own accounts: a policy, scrypt hashing from
 * node:crypto and constant-time verification.
 *
 * @since 0.1.0
 */
import { randomBytes, scrypt, timingSafeEqual } from "node:crypto"
import * as Effect from "effect/Effect"
import type * as Redacted from "effect/Redacted"
import * as RedactedValue from "effect/Redacted"
import { ValidationError } from "./Errors.js"

/** The rules a password must meet, each with the message given when it is not. @since 0.1.0 @category policy */
export const rules: ReadonlyArray<readonly [test: (p: string) => boolean, unmet: string]> = [
  [(p) => [...p].length >= 8, "at least 8 characters"],
  [(p) => /\p{Lu}/u.test(p), "an upper-case letter"],
  [(p) => /\p{Ll}/u.test(p), "a lower-case letter"],
  [(p) => /\p{Nd}/u.test(p), "a digit"],
  [(p) => /[^\p{L}\p{Nd}\s]/u.test(p), "a special character"],
  [(p) => p.length <= 1024, "at most 1024 characters"]
]

/**
 * The unmet rules of `password`, empty when it is acceptable.
 *
 * @since 0.1.0 @category policy
 */
export const unmetRules = (password: string): ReadonlyArray<string> =>
  rules.filter(([test]) => !test(password)).map(([, unmet]) => unmet)

/** Fails with a `ValidationError` on `password` listing every unmet rule. @since 0.1.0 @category policy */
export const checkPolicy = (password: Redacted.Redacted<string>): Effect.Effect<void, ValidationError> => {
  const unmet = unmetRules(RedactedValue.value(password))
  return unmet.length === 0
    ? Effect.void
    : Effect.fail(new ValidationError({ fields: [{ path: "password", message: `must have ${unmet.join(", ")}` }] }))
}

// scrypt cost: N = 2^15, r = 8, p = 1 (OWASP's minimum recommendation for scrypt), 64-byte key.
const N = 1 << 15
const R = 8
const P = 1
const KEY_LENGTH = 64
const MAX_MEM = 128 * N * R * 2

const derive = (password: string, salt: Buffer, n: number, r: number, p: number) =>
  Effect.async<Buffer>((resume) => {
    scrypt(password.normalize("NFKC"), salt, KEY_LENGTH, { N: n, r, p, maxmem: MAX_MEM }, (error, key) =>
      resume(error ? Effect.die(error) : Effect.succeed(key)))
  })

/**
 * Hashes a password as `scrypt$N$r$p$salt$hash` (base64 salt and hash).
 *
 * @since 0.1.0 @category hashing
 */
export const hash = (password: Redacted.Redacted<string>): Effect.Effect<string> =>
  Effect.gen(function*() {
    const salt = randomBytes(16)
    const key = yield* derive(RedactedValue.value(password), salt, N, R, P)
    return `scrypt$${N}$${R}$${P}$${salt.toString("base64")}$${key.toString("base64")}`
  })

/** A well-formed hash of no password, verified against when an account is unknown so timing matches. */
export const decoy = `scrypt$${N}$${R}$${P}$${Buffer.alloc(16).toString("base64")}$${Buffer.alloc(KEY_LENGTH).toString("base64")}`

/**
 * Whether `password` matches `stored`, compared in constant time.
 *
 * @since 0.1.0 @category hashing
 */
export const verify = (password: Redacted.Redacted<string>, stored: string): Effect.Effect<boolean> =>
  Effect.gen(function*() {
    const [scheme, n, r, p, salt, expected] = stored.split("$")
    if (scheme !== "scrypt" || expected === undefined) return false
    const key = yield* derive(RedactedValue.value(password), Buffer.from(salt!, "base64"), Number(n), Number(r), Number(p))
    const want = Buffer.from(expected, "base64")
    return want.length === key.length && timingSafeEqual(want, key)
  })
