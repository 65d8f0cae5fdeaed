/** The clinic's audit chain: events, verification and signed checkpoints. */
import { Audit, AuditEvent } from "@clinicore/core"
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { apiOf, staffGroup, wire } from "../Http.js"

const Verification = Schema.Struct({
  events: Schema.Number,
  firstBreak: Schema.optional(Schema.Struct({ seq: Schema.Number, problem: Schema.String }))
})

export const group = staffGroup("audit", "The audit chain")
  .add(HttpApiEndpoint.post("list", "/audit/events/search").setPayload(wire(Audit.AuditQuery)).addSuccess(Schema.Array(AuditEvent.AuditEvent)))
  .add(HttpApiEndpoint.post("verify", "/audit/verify").setPayload(wire(Audit.VerifyInput)).addSuccess(Verification))
  .add(HttpApiEndpoint.get("checkpoint", "/audit/checkpoint").addSuccess(AuditEvent.Checkpoint))

export const live = HttpApiBuilder.group(apiOf(group), "audit", (handlers) =>
  Effect.gen(function*() {
    const audit = yield* Audit.Audit
    return handlers
      .handle("list", ({ payload }) => audit.list(payload))
      .handle("verify", ({ payload }) => audit.verify(payload))
      .handle("checkpoint", () => audit.checkpoint())
  }))
