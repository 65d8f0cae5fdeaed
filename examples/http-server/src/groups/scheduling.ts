/** Availability, appointments and their lifecycle. */
import { Appointment, Patient, Scheduling } from "@clinicore/core"
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { apiOf, IdPath, staffGroup, wire } from "../Http.js"

export const Slot = Schema.Struct({ doctorId: Schema.String, start: Schema.Number, end: Schema.Number })
const Explanation = Schema.Struct({
  bookable: Schema.Boolean,
  reasons: Schema.Array(Schema.Struct({ code: Schema.String, appointmentIds: Schema.optional(Schema.Array(Schema.String)) }))
})

export const group = staffGroup("scheduling", "Availability and appointments")
  .add(HttpApiEndpoint.post("availableSlots", "/availability").setPayload(wire(Scheduling.SlotsInput)).addSuccess(Schema.Array(Slot)))
  .add(
    HttpApiEndpoint.post("firstAvailable", "/availability/first").setPayload(wire(Scheduling.SlotsInput))
      .addSuccess(Schema.Struct({ slot: Schema.NullOr(Slot) }))
  )
  .add(HttpApiEndpoint.post("explain", "/availability/explain").setPayload(wire(Scheduling.ExplainInput)).addSuccess(Explanation))
  .add(
    HttpApiEndpoint.post("book", "/appointments").setPayload(wire(Scheduling.BookInput))
      .addSuccess(Appointment.Appointment, { status: 201 })
  )
  .add(
    HttpApiEndpoint.post("list", "/appointments/search").setPayload(wire(Scheduling.ListInput))
      .addSuccess(Schema.Array(Appointment.Appointment))
  )
  .add(HttpApiEndpoint.get("get", "/appointments/:id").setPath(IdPath).addSuccess(Appointment.Appointment))
  .add(
    HttpApiEndpoint.post("reschedule", "/appointments/:id/reschedule").setPath(IdPath)
      .setPayload(wire(Scheduling.RescheduleInput).pipe(Schema.omit("id"))).addSuccess(Appointment.Appointment)
  )
  .add(
    HttpApiEndpoint.post("setStatus", "/appointments/:id/status").setPath(IdPath)
      .setPayload(Schema.Struct({ status: Appointment.AppointmentStatus })).addSuccess(Appointment.Appointment)
  )
  .add(
    HttpApiEndpoint.post("cancel", "/appointments/:id/cancel").setPath(IdPath)
      .setPayload(Schema.Struct({ reason: Schema.String })).addSuccess(Appointment.Appointment)
  )
  .add(
    HttpApiEndpoint.post("confirmRequest", "/appointments/:id/confirm-request").setPath(IdPath)
      .setPayload(wire(Scheduling.ConfirmRequestInput).pipe(Schema.omit("id"))).addSuccess(Appointment.Appointment)
  )
  .add(
    HttpApiEndpoint.get("requestMatches", "/appointments/:id/request-matches").setPath(IdPath)
      .addSuccess(Schema.Array(Patient.Patient))
  )
  .add(HttpApiEndpoint.del("delete", "/appointments/:id").setPath(IdPath))
  .add(HttpApiEndpoint.post("expireRequests", "/appointments/expire-requests").addSuccess(Schema.Struct({ expired: Schema.Array(Schema.String) })))

export const live = HttpApiBuilder.group(apiOf(group), "scheduling", (handlers) =>
  Effect.gen(function*() {
    const scheduling = yield* Scheduling.Scheduling
    return handlers
      .handle("availableSlots", ({ payload }) => scheduling.availableSlots(payload))
      .handle("firstAvailable", ({ payload }) =>
        Effect.map(scheduling.firstAvailable(payload), (slot) => ({ slot: slot._tag === "Some" ? slot.value : null })))
      .handle("explain", ({ payload }) => scheduling.explain(payload))
      .handle("book", ({ payload }) => scheduling.book(payload))
      .handle("list", ({ payload }) => scheduling.list(payload))
      .handle("get", ({ path }) => scheduling.get(path.id))
      .handle("reschedule", ({ path, payload }) => scheduling.reschedule({ ...payload, id: path.id }))
      .handle("setStatus", ({ path, payload }) => scheduling.setStatus({ id: path.id, status: payload.status }))
      .handle("cancel", ({ path, payload }) => scheduling.cancel({ id: path.id, reason: payload.reason }))
      .handle("confirmRequest", ({ path, payload }) => scheduling.confirmRequest({ ...payload, id: path.id }))
      .handle("requestMatches", ({ path }) => scheduling.requestMatches(path.id))
      .handle("delete", ({ path }) => scheduling.delete(path.id))
      .handle("expireRequests", () => Effect.map(scheduling.expireRequests(), (expired) => ({ expired })))
  }))
