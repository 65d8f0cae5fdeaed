/**
 * The middlewares' implementations: bearer credentials through the library's `Sessions`, the
 * platform token, and an in-process rate limiter.
 */
import { timingSafeEqual, createHash } from "node:crypto"
import { Actor, Errors, Sessions } from "@clinicore/core"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { Authentication, PlatformAuthentication, RateLimited, TooManyRequests } from "./Http.js"

/** Signed-in staff or an API key: the principal `Sessions.authenticate` gives, or 401. */
export const AuthenticationLive = Layer.effect(
  Authentication,
  Effect.map(Sessions.Sessions, (sessions) =>
    Authentication.of({
      bearer: (token) => sessions.authenticate(Redacted.value(token))
    }))
)

const digest = (s: string) => createHash("sha256").update(s, "utf8").digest()

/** The platform principal for whoever shows the platform token; nobody when none is configured. */
export const PlatformAuthenticationLive = (token: Redacted.Redacted<string> | undefined) =>
  Layer.succeed(
    PlatformAuthentication,
    PlatformAuthentication.of({
      platformToken: (given) =>
        token !== undefined && Redacted.value(token).length > 0 &&
          timingSafeEqual(digest(Redacted.value(given)), digest(Redacted.value(token)))
          ? Effect.succeed(Actor.Principal.Platform())
          : Effect.fail(new Errors.Unauthenticated())
    })
  )

/** How many requests one client address may make per window. */
export interface Limit {
  readonly requests: number
  readonly windowMs: number
}

/** @since 0.1.0 */
export interface RateLimits {
  /** `POST /auth/*` (default 10 a minute). */
  readonly login: Limit
  /** `/public/*` (default 300 a minute: the booking page asks for one day at a time). */
  readonly public: Limit
}

export const defaultRateLimits: RateLimits = {
  login: { requests: 10, windowMs: 60_000 },
  public: { requests: 300, windowMs: 60_000 }
}

/**
 * A fixed-window counter per (bucket, client address), in this process's memory: several host
 * processes each count on their own, and a restart forgets. Put a shared limiter in front (a
 * reverse proxy) when that matters.
 */
export const RateLimitedLive = (limits: RateLimits = defaultRateLimits) =>
  Layer.sync(RateLimited, () => {
    const windows = new Map<string, { start: number; count: number }>()
    return Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      const bucket = request.url.startsWith("/auth/") ? "login" : "public"
      const limit = limits[bucket]
      const now = yield* Clock.currentTimeMillis
      const key = `${bucket}|${request.remoteAddress._tag === "Some" ? request.remoteAddress.value : "?"}`
      const current = windows.get(key)
      if (current === undefined || now - current.start >= limit.windowMs) {
        if (windows.size > 100_000) {
          for (const [k, w] of windows) if (now - w.start >= limit.windowMs) windows.delete(k)
        }
        windows.set(key, { start: now, count: 1 })
        return
      }
      current.count += 1
      if (current.count > limit.requests) {
        return yield* new TooManyRequests({ retryAfterSeconds: Math.ceil((current.start + limit.windowMs - now) / 1000) })
      }
    })
  })
