/** The clinic's permission matrix (admin only). */
import { Access } from "@clinicore/core"
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { apiOf, staffGroup } from "../Http.js"

const Matrix = Schema.Struct({
  keys: Schema.Array(Schema.String),
  roles: Schema.Record({ key: Schema.String, value: Schema.Array(Schema.String) })
})
const Change = Schema.Struct({ role: Schema.String, key: Schema.String, granted: Schema.Boolean })

export const group = staffGroup("access", "The clinic's permission matrix (admin only)")
  .add(HttpApiEndpoint.get("matrix", "/access/matrix").addSuccess(Matrix))
  .add(HttpApiEndpoint.patch("set", "/access/matrix").setPayload(Schema.Struct({ changes: Schema.Array(Change) })).addSuccess(Matrix))
  .add(HttpApiEndpoint.post("seedDefaults", "/access/matrix/seed-defaults"))

export const live = HttpApiBuilder.group(apiOf(group), "access", (handlers) =>
  Effect.gen(function*() {
    const access = yield* Access.Access
    return handlers
      .handle("matrix", () => access.matrix())
      .handle("set", ({ payload }) => access.set(payload.changes))
      .handle("seedDefaults", () => access.seedDefaults())
  }))
