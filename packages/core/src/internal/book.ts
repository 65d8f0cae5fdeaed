/**
 * Writing a booking: the short way, decided on remembered rules and services and written by one
 * guarded insert, and the long way, which reads everything, decides again and names what refused.
 * See docs/scheduling.md ("The short way and the long way").
 */
import { randomUUID } from "node:crypto"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { Appointment } from "../Appointment.js"
import * as Availability from "../Availability.js"
import type { ClinicService } from "../CatalogItem.js"
import { Conflict } from "../Errors.js"
import { AppointmentId, type RoomId } from "../Ids.js"
import type { BookInput } from "../Scheduling.js"
import type { Storage } from "../Storage.js"
import type { makeBooking } from "./booking.js"
import type { Acting } from "./operation.js"
import { invalid } from "./validation.js"

const MINUTE = 60_000

type Request = typeof BookInput.Type

export const makeBook = (storage: Storage, booking: ReturnType<typeof makeBooking>) => {
  /** A new appointment of `input`, not yet written. */
  const newAppointment = (
    acting: Acting,
    input: Request,
    at: { readonly end: number; readonly roomIds: ReadonlyArray<RoomId>; readonly now: number },
    buffers: { readonly bufferBeforeMinutes: number; readonly bufferAfterMinutes: number },
    source: "staff" | "public",
    status: "scheduled" | "requested"
  ) =>
    new Appointment({
      id: AppointmentId.make(randomUUID()),
      clinicId: acting.clinic.id,
      doctorId: input.doctorId,
      patientId: input.patientId,
      serviceId: input.serviceId ?? null,
      roomIds: at.roomIds,
      start: input.start,
      end: at.end,
      ...buffers,
      status,
      notes: input.notes ?? null,
      cancelReason: null,
      idempotencyKey: input.idempotencyKey ?? null,
      source,
      expiresAt: status === "requested" ? at.now + acting.clinic.settings.requestHoldMinutes * MINUTE : null,
      createdBy: Option.getOrNull(Option.map(acting.user, (u) => u.id)),
      version: 1,
      createdAt: at.now,
      updatedAt: at.now
    }, { disableValidation: true })

  const fingerprintOf = (input: Request, end: number) =>
    booking.fingerprint([input.doctorId, input.patientId, input.serviceId ?? null, input.start, end, [...input.roomIds].sort(), input.notes ?? null])

  const noBuffers = { bufferBeforeMinutes: 0, bufferAfterMinutes: 0 }
  const buffersOf = (s: ClinicService) => ({ bufferBeforeMinutes: s.bufferBeforeMinutes, bufferAfterMinutes: s.bufferAfterMinutes })

  /**
   * The short way of a booking without rooms: decided on the doctor's remembered rules (and the
   * remembered service) with nothing read, and written only if the database finds every
   * assumption still true and nothing in the way (`insertIf`, in the same statement). `None`
   * whenever anything is not plainly fine; the long way then reads everything, decides again and
   * names what refused.
   */
  const bookFromMemory = (acting: Acting, input: Request, source: "staff" | "public", status: "scheduled" | "requested", now: number) =>
    Effect.gen(function*() {
      const { clinic } = acting
      if (input.roomIds.length > 0) return Option.none()
      let service: ClinicService | undefined
      if (input.serviceId !== undefined) {
        const remembered = booking.rememberedService(clinic.id, input.serviceId)
        if (Option.isNone(remembered)) return Option.none()
        service = remembered.value
        if (!service.active || service.roomIds.length > 0) return Option.none()
        if (service.doctorIds.length > 0 && !service.doctorIds.includes(input.doctorId)) return Option.none()
      }
      const end = service === undefined ? input.end : input.start + service.durationMinutes * MINUTE
      if (end === undefined || end <= input.start || (input.end !== undefined && input.end !== end)) return Option.none()
      if (source === "public" && !Availability.onGrid(clinic.timeZone, clinic.settings.slotMinutes, input.start)) return Option.none()
      const assumed = booking.assumedContext(clinic, input.doctorId, input.start, end, now)
      if (Option.isNone(assumed)) return Option.none()
      const buffers = service === undefined ? noBuffers : buffersOf(service)
      const reasons = Availability.reasons(assumed.value.prepared, { start: input.start, end, ...buffers })
      if (booking.refusals(reasons, input.override).length > 0) return Option.none()
      const appointment = newAppointment(acting, input, { end, roomIds: [], now }, buffers, source, status)
      const written = yield* storage.appointments.insertIf({ appointment, requestFingerprint: fingerprintOf(input, end) }, assumed.value.assumptions)
      return written ? Option.some(appointment) : Option.none()
    })

  const bookIn = (acting: Acting, input: Request, source: "staff" | "public", status: "scheduled" | "requested") =>
    Effect.gen(function*() {
      const { clinic } = acting
      const now = yield* Clock.currentTimeMillis
      const remembered = yield* bookFromMemory(acting, input, source, status, now)
      if (Option.isSome(remembered)) return remembered.value
      const [service, previous] = yield* Effect.all([
        input.serviceId === undefined ? Effect.succeed(Option.none<ClinicService>()) : Effect.map(booking.loadService(clinic.id, input.serviceId), Option.some),
        input.idempotencyKey === undefined ? Effect.succeed(Option.none()) : storage.appointments.findByIdempotencyKey(clinic.id, input.idempotencyKey)
      ], { concurrency: "unbounded" })
      const end = yield* booking.timing(service, input.start, input.end)
      const print = fingerprintOf(input, end)
      if (Option.isSome(previous)) {
        if (previous.value.requestFingerprint === print) return previous.value.appointment
        return yield* new Conflict({ reason: { _tag: "idempotency_key_reused", key: input.idempotencyKey! } })
      }
      if (Option.isSome(service)) {
        const s = service.value
        if (!s.active) return yield* new Conflict({ reason: { _tag: "inactive_reference", field: "serviceId" } })
        if (s.doctorIds.length > 0 && !s.doctorIds.includes(input.doctorId)) {
          return yield* invalid("serviceId", "is not performed by this doctor")
        }
      }
      const roomIds = yield* booking.loadRooms(clinic.id, [...Option.match(service, { onNone: () => [], onSome: (s) => s.roomIds }), ...input.roomIds])
      const buffers = Option.match(service, { onNone: () => noBuffers, onSome: buffersOf })
      // The doctor, the patient, the rules and the busy time, in one round trip.
      const { holdsEnded, prepared } = yield* booking.contextFor(clinic, input.doctorId, { patientId: input.patientId, roomIds }, input.start, end, now)
      const slot = { start: input.start, end, ...buffers }
      if (source === "public" && !Availability.onGrid(clinic.timeZone, clinic.settings.slotMinutes, input.start)) {
        return yield* new Conflict({ reason: { _tag: "not_bookable", reasons: [{ code: "outside_hours" }] } })
      }
      yield* booking.admit(Availability.reasons(prepared, slot), input.override)
      // Requests whose hold has ended stop blocking here, in this transaction, not only in a sweeper.
      if (holdsEnded) yield* storage.appointments.expireRequests(clinic.id, now)
      const appointment = newAppointment(acting, input, { end, roomIds, now }, buffers, source, status)
      yield* storage.appointments.insert({ appointment, requestFingerprint: print })
      return appointment
    })

  return { bookIn }
}
