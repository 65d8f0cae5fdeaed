/** Signing in and out (rate-limited): email and password to a bearer token with an expiry. */
import { Accounts, Sessions } from "@clinicore/core"
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import * as OpenApi from "@effect/platform/OpenApi"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { apiOf, InactiveError, RateLimited, Unauthorized, wire } from "../Http.js"

const Session = Schema.Struct({
  token: Schema.String,
  expiresAt: Schema.Number,
  clinicId: Schema.String,
  staffId: Schema.String
})

export const group = HttpApiGroup.make("auth")
  .addError(Unauthorized)
  .addError(InactiveError)
  .add(HttpApiEndpoint.post("login", "/auth/login").setPayload(wire(Accounts.Login)).addSuccess(Session))
  .add(HttpApiEndpoint.post("logout", "/auth/logout").setHeaders(Schema.Struct({ authorization: Schema.optional(Schema.String) })))
  .middleware(RateLimited)
  .annotate(OpenApi.Description, "Sign in (email and password → a bearer token) and out (revokes it)")

export const live = HttpApiBuilder.group(apiOf(group), "auth", (handlers) =>
  Effect.gen(function*() {
    const sessions = yield* Sessions.Sessions
    return handlers
      .handle("login", ({ payload }) => sessions.login(payload))
      .handle("logout", ({ headers }) => sessions.logout((headers.authorization ?? "").replace(/^Bearer /i, "")))
  }))
