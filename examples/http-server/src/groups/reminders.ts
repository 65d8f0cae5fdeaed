/** Reminders, the reminder policy, consent, provider callbacks and recall campaigns. */
import { Recall, Reminder, Reminders } from "@clinicore/core"
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { apiOf, IdPath, staffGroup, wire } from "../Http.js"

const Consent = Schema.Struct({
  patientId: Schema.String,
  channel: Reminder.Channel,
  granted: Schema.Boolean,
  source: Reminder.ConsentSource,
  at: Schema.Number
})
const Inbound = Schema.Struct({
  applied: Schema.NullOr(Schema.Literal("stop", "start")),
  patientId: Schema.NullOr(Schema.String),
  changed: Schema.Boolean
})

export const group = staffGroup("reminders", "Reminders, policy, consent and recall campaigns")
  .add(HttpApiEndpoint.post("list", "/reminders/search").setPayload(wire(Reminders.ListInput)).addSuccess(Schema.Array(Reminder.Reminder)))
  .add(HttpApiEndpoint.post("create", "/reminders").setPayload(wire(Reminders.CreateInput)).addSuccess(Reminder.Reminder, { status: 201 }))
  .add(HttpApiEndpoint.get("policy", "/reminders/policy").addSuccess(Reminder.ReminderPolicy))
  .add(HttpApiEndpoint.put("setPolicy", "/reminders/policy").setPayload(wire(Reminder.ReminderPolicy)).addSuccess(Reminder.ReminderPolicy))
  .add(HttpApiEndpoint.get("get", "/reminders/:id").setPath(IdPath).addSuccess(Reminder.Reminder))
  .add(HttpApiEndpoint.post("cancel", "/reminders/:id/cancel").setPath(IdPath).addSuccess(Reminder.Reminder))
  .add(HttpApiEndpoint.get("consents", "/patients/:id/consents").setPath(IdPath).addSuccess(Schema.Array(Consent)))
  .add(HttpApiEndpoint.put("setConsent", "/consents").setPayload(wire(Reminders.ConsentInput)).addSuccess(Consent))
  .add(HttpApiEndpoint.post("inboundSms", "/reminders/inbound-sms").setPayload(wire(Reminders.InboundSmsInput)).addSuccess(Inbound))
  .add(
    HttpApiEndpoint.post("receipt", "/reminders/receipts").setPayload(wire(Reminders.ReceiptInput))
      .addSuccess(Schema.Struct({ reminder: Schema.NullOr(Reminder.Reminder) }))
  )
  .add(
    HttpApiEndpoint.post("createRecall", "/recalls").setPayload(wire(Reminders.RecallInput))
      .addSuccess(Schema.Struct({ campaign: Recall.Campaign, contacts: Schema.Array(Recall.Contact) }), { status: 201 })
  )
  .add(
    HttpApiEndpoint.post("recallContacts", "/recalls/contacts/search").setPayload(wire(Reminders.ContactsInput))
      .addSuccess(Schema.Array(Recall.Contact))
  )

export const live = HttpApiBuilder.group(apiOf(group), "reminders", (handlers) =>
  Effect.gen(function*() {
    const reminders = yield* Reminders.Reminders
    return handlers
      .handle("list", ({ payload }) => reminders.list(payload))
      .handle("create", ({ payload }) => reminders.create(payload))
      .handle("policy", () => reminders.policy())
      .handle("setPolicy", ({ payload }) => reminders.setPolicy(payload))
      .handle("get", ({ path }) => reminders.get(path.id))
      .handle("cancel", ({ path }) => reminders.cancel(path.id))
      .handle("consents", ({ path }) => reminders.consents(path.id))
      .handle("setConsent", ({ payload }) => reminders.setConsent(payload))
      .handle("inboundSms", ({ payload }) =>
        Effect.map(reminders.inboundSms(payload), (r) => ({ applied: r.applied ?? null, patientId: r.patientId ?? null, changed: r.changed })))
      .handle("receipt", ({ payload }) => Effect.map(reminders.receipt(payload), (r) => ({ reminder: Option.getOrNull(r) })))
      .handle("createRecall", ({ payload }) => reminders.createRecall(payload))
      .handle("recallContacts", ({ payload }) => reminders.recallContacts(payload))
  }))
