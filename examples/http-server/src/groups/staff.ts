/** Staff accounts, passwords and the clinic's API keys. */
import { Accounts, Sessions, Staff, StaffAccount } from "@clinicore/core"
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { apiOf, IdPath, staffGroup, wire } from "../Http.js"

const Account = StaffAccount.StaffAccount
const NewApiKey = Schema.Struct({ apiKey: Sessions.ApiKey, key: Schema.String })
const exact = <A, I>(schema: Schema.Schema<A, I>) => Schema.optionalWith(schema, { exact: true })
/** The list filter as query text (numbers decoded here; the service checks their ranges). */
const StaffQuery = Schema.Struct({
  status: exact(Schema.Literal("pending", "active", "inactive", "rejected")),
  role: exact(StaffAccount.Role),
  limit: exact(Schema.NumberFromString),
  offset: exact(Schema.NumberFromString)
})

export const group = staffGroup("staff", "Staff accounts, passwords and API keys")
  .add(HttpApiEndpoint.post("create", "/staff").setPayload(wire(StaffAccount.CreateStaff)).addSuccess(Account, { status: 201 }))
  .add(HttpApiEndpoint.get("list", "/staff").setUrlParams(StaffQuery).addSuccess(Schema.Array(Account)))
  .add(HttpApiEndpoint.get("get", "/staff/:id").setPath(IdPath).addSuccess(Account))
  .add(HttpApiEndpoint.post("approve", "/staff/:id/approve").setPath(IdPath).addSuccess(Account))
  .add(HttpApiEndpoint.post("reject", "/staff/:id/reject").setPath(IdPath).addSuccess(Account))
  .add(HttpApiEndpoint.post("deactivate", "/staff/:id/deactivate").setPath(IdPath).addSuccess(Account))
  .add(HttpApiEndpoint.post("reactivate", "/staff/:id/reactivate").setPath(IdPath).addSuccess(Account))
  .add(HttpApiEndpoint.del("delete", "/staff/:id").setPath(IdPath))
  .add(HttpApiEndpoint.put("setPassword", "/staff/:id/password").setPath(IdPath).setPayload(Schema.Struct({ password: Schema.String })))
  .add(HttpApiEndpoint.post("changePassword", "/account/password").setPayload(Schema.Struct({ current: Schema.String, next: Schema.String })))
  .add(HttpApiEndpoint.post("createApiKey", "/api-keys").setPayload(wire(Sessions.CreateApiKey)).addSuccess(NewApiKey, { status: 201 }))
  .add(HttpApiEndpoint.get("listApiKeys", "/api-keys").addSuccess(Schema.Array(Sessions.ApiKey)))
  .add(HttpApiEndpoint.del("revokeApiKey", "/api-keys/:id").setPath(IdPath).addSuccess(Sessions.ApiKey))

export const live = HttpApiBuilder.group(apiOf(group), "staff", (handlers) =>
  Effect.gen(function*() {
    const staff = yield* Staff.Staff
    const accounts = yield* Accounts.Accounts
    const sessions = yield* Sessions.Sessions
    return handlers
      .handle("create", ({ payload }) => staff.create(payload))
      .handle("list", ({ urlParams }) => staff.list(urlParams))
      .handle("get", ({ path }) => staff.get(path.id))
      .handle("approve", ({ path }) => staff.approve(path.id))
      .handle("reject", ({ path }) => staff.reject(path.id))
      .handle("deactivate", ({ path }) => staff.deactivate(path.id))
      .handle("reactivate", ({ path }) => staff.reactivate(path.id))
      .handle("delete", ({ path }) => staff.delete(path.id))
      .handle("setPassword", ({ path, payload }) => accounts.setPassword({ staffId: path.id, password: payload.password }))
      .handle("changePassword", ({ payload }) => accounts.changePassword(payload))
      .handle("createApiKey", ({ payload }) => sessions.createApiKey(payload))
      .handle("listApiKeys", () => sessions.listApiKeys())
      .handle("revokeApiKey", ({ path }) => sessions.revokeApiKey(path.id))
  }))
