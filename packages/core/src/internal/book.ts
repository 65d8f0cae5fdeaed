/**
 * Writing a booking: the one path of `book`, `reschedule` and public requests. Read the deciding
 * context (`booking.ts`), decide with the rule that lists slots, write under the database's guard
 * with the versions the decision was made on. When the write finds something moved on (a version,
 * a concurrent writer of the same time or idempotency key), it decides again on fresh reads.
 */
import { randomUUID } from "node:crypto"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { Appointment, holdEnded, type Requester } from "../Appointment.js"
import * as Availability from "../Availability.js"
import type { Clinic } from "../Clinic.js"
import { Conflict } from "../Errors.js"
import { AppointmentId, type DoctorId, type PatientId, type RoomId, type ServiceId } from "../Ids.js"
import type { Storage } from "../Storage.js"
import { admit, buffersOf, fingerprint, type makeBooking, MAX_LENGTH } from "./booking.js"
import { type Acting, requireOwn } from "./operation.js"
import { invalid } from "./validation.js"
import * as Outbox from "./reminders/outbox.js"

const MINUTE = 60_000

/** How many times a write that found something moved on decides again before the last refusal stands. */
const ATTEMPTS = 5

/** What a booking asks for, decoded. */
export interface BookRequest {
  readonly doctorId: DoctorId
  /** `null` for a public request: it is matched to a patient when staff confirm it. */
  readonly patientId: PatientId | null
  /** The contact a public request was made with. */
  readonly requester?: Requester | undefined
  readonly serviceId?: ServiceId | undefined
  readonly start: number
  readonly end?: number | undefined
  readonly roomIds: ReadonlyArray<RoomId>
  readonly notes?: string | undefined
  readonly idempotencyKey?: string | undefined
  readonly override: boolean
}

/** What a reschedule asks for, decoded. */
export interface MoveRequest {
  readonly id: AppointmentId
  readonly start: number
  readonly end?: number | undefined
  readonly override: boolean
}

/** What confirming a public request asks for, decoded: the patient it is matched to, the status it gets. */
export interface MatchRequest {
  readonly id: AppointmentId
  readonly patientId: PatientId
  readonly status: "scheduled" | "confirmed"
}

/** A write that may find something moved on: run `attempt` until it writes (`Some`) or refuses. */
const untilWritten = <A, E, R>(attempt: (last: boolean) => Effect.Effect<Option.Option<A>, E, R>): Effect.Effect<A, E, R> => {
  const loop = (n: number): Effect.Effect<A, E, R> =>
    Effect.flatMap(attempt(n === ATTEMPTS), (written) =>
      Option.isSome(written)
        ? Effect.succeed(written.value)
        : n < ATTEMPTS
        ? loop(n + 1)
        : Effect.dieMessage("a booking kept finding its context changed"))
  return loop(1)
}

/**
 * The write's answer when a concurrent writer took the time: unless this is the last attempt,
 * decide again on what is now committed (which names the conflict, or finds the same idempotent
 * request's appointment).
 */
const orAgain = (last: boolean) => <E>(self: Effect.Effect<boolean, E | Conflict>) =>
  last ? self : Effect.catchIf(self, (e) => e instanceof Conflict && e.reason._tag === "slot_taken", () => Effect.succeed(false))

export const makeBook = (storage: Storage, booking: ReturnType<typeof makeBooking>) => {
  /** Requests whose hold has ended stop blocking here, in the writer's transaction, not only in a sweeper. */
  const expireEnded = (clinic: Clinic, now: number) =>
    Effect.flatMap(storage.appointments.expireRequests(clinic.id, now), (ended) =>
      Outbox.expired(storage, clinic, ended, now)) // reminders: the expired requests' end

  const book = (acting: Acting, input: BookRequest, source: "staff" | "public", status: "scheduled" | "requested") =>
    untilWritten((last) =>
      Effect.gen(function*() {
        const { clinic } = acting
        const now = yield* Clock.currentTimeMillis
        const parties = yield* booking.parties(clinic, {
          doctorIds: [input.doctorId],
          patientId: input.patientId ?? undefined,
          serviceId: input.serviceId,
          roomIds: input.roomIds
        })
        const end = yield* booking.timing(parties.service, input.start, input.end)
        const { doctors: [time], holdsEnded } = yield* booking.timeOf(clinic, parties, input.start, end, now)
        const roomIds = parties.rooms.map((r) => r.id)
        const print = fingerprint([
          input.doctorId,
          input.patientId,
          input.serviceId ?? null,
          input.start,
          end,
          [...roomIds].sort(),
          input.notes ?? null,
          ...(input.requester === undefined ? [] : [input.requester])
        ])
        // After the time was read: whatever the busy time showed of a concurrent request with the
        // same key, this read sees too, so a retry returns that appointment instead of its conflict.
        if (input.idempotencyKey !== undefined) {
          const previous = yield* storage.appointments.findByIdempotencyKey(clinic.id, input.idempotencyKey)
          if (Option.isSome(previous)) {
            if (previous.value.requestFingerprint === print) return Option.some(previous.value.appointment)
            return yield* new Conflict({ reason: { _tag: "idempotency_key_reused", key: input.idempotencyKey } })
          }
        }
        const buffers = buffersOf(parties.service)
        yield* admit(Availability.reasons(time!.prepared, { start: input.start, end, ...buffers }), input.override)
        if (holdsEnded) yield* expireEnded(clinic, now)
        const appointment = new Appointment({
          id: AppointmentId.make(randomUUID()),
          clinicId: clinic.id,
          doctorId: input.doctorId,
          patientId: input.patientId,
          serviceId: input.serviceId ?? null,
          roomIds,
          start: input.start,
          end,
          ...buffers,
          status,
          notes: input.notes ?? null,
          cancelReason: null,
          idempotencyKey: input.idempotencyKey ?? null,
          source,
          requester: input.requester ?? null,
          expiresAt: status === "requested" ? now + clinic.settings.requestHoldMinutes * MINUTE : null,
          createdBy: Option.getOrNull(Option.map(acting.user, (u) => u.id)),
          version: 1,
          createdAt: now,
          updatedAt: now
        }, { disableValidation: true })
        const written = yield* storage.appointments.insert({ appointment, requestFingerprint: print }, time!.expected).pipe(orAgain(last))
        if (written) yield* Outbox.booked(storage, clinic, appointment, now) // reminders: the outbox, same transaction
        return written ? Option.some(appointment) : Option.none()
      })
    )

  /** Moves an appointment, keeping its id, under every rule a booking of the new time meets. */
  const reschedule = (acting: Acting, input: MoveRequest) =>
    untilWritten((last) =>
      Effect.gen(function*() {
        const { clinic } = acting
        const current = yield* booking.loadAppointment(clinic.id, input.id)
        yield* requireOwn(acting, yield* booking.ownerOf(clinic.id, current))
        if (!["requested", "scheduled", "confirmed"].includes(current.status)) {
          return yield* new Conflict({ reason: { _tag: "invalid_transition", from: current.status, to: current.status } })
        }
        const now = yield* Clock.currentTimeMillis
        const parties = yield* booking.parties(clinic, {
          doctorIds: [current.doctorId],
          patientId: current.patientId ?? undefined,
          serviceId: current.serviceId ?? undefined,
          roomIds: current.roomIds
        })
        const end = Option.isSome(parties.service)
          ? yield* booking.timing(parties.service, input.start, input.end)
          : input.end ?? input.start + (current.end - current.start)
        if (end <= input.start) return yield* invalid("end", "must be after start")
        if (end - input.start > MAX_LENGTH) return yield* invalid("end", "must be at most 24 hours after start")
        const { doctors: [time], holdsEnded } = yield* booking.timeOf(clinic, parties, input.start, end, now, { excludeId: current.id })
        const buffers = Option.isSome(parties.service) ? buffersOf(parties.service) : current
        yield* admit(
          Availability.reasons(time!.prepared, {
            start: input.start,
            end,
            bufferBeforeMinutes: buffers.bufferBeforeMinutes,
            bufferAfterMinutes: buffers.bufferAfterMinutes
          }),
          input.override
        )
        if (holdsEnded) yield* expireEnded(clinic, now)
        const moved = new Appointment({
          ...current,
          start: input.start,
          end,
          bufferBeforeMinutes: buffers.bufferBeforeMinutes,
          bufferAfterMinutes: buffers.bufferAfterMinutes,
          roomIds: parties.rooms.map((r) => r.id),
          version: current.version + 1,
          updatedAt: now
        }, { disableValidation: true })
        const written = yield* storage.appointments.update(moved, { ...time!.expected, appointment: current.version }).pipe(
          orAgain(last)
        )
        if (written) yield* Outbox.moved(storage, clinic, moved, now) // reminders: superseded by the new time's
        return written ? Option.some(moved) : Option.none()
      })
    )

  /**
   * Accepts a public request for the patient staff matched it to. The time was decided when it
   * was requested and has been held since; what is decided now is the patient's part of the same
   * rule (blocked, or booked elsewhere at that time), refused with the reasons `book` gives. The
   * database's guard holds the patient's time like any booking's.
   */
  const confirm = (acting: Acting, input: MatchRequest) =>
    untilWritten((last) =>
      Effect.gen(function*() {
        const { clinic } = acting
        const current = yield* booking.loadAppointment(clinic.id, input.id)
        yield* requireOwn(acting, yield* booking.ownerOf(clinic.id, current))
        const now = yield* Clock.currentTimeMillis
        // A request whose hold has ended holds nothing any more, swept or not: it is expired.
        const status = holdEnded(current, now) ? "expired" : current.status
        if (status !== "requested") return yield* new Conflict({ reason: { _tag: "invalid_transition", from: status, to: input.status } })
        const parties = yield* booking.parties(clinic, {
          doctorIds: [current.doctorId],
          patientId: input.patientId,
          serviceId: current.serviceId ?? undefined,
          roomIds: current.roomIds
        })
        const { doctors: [time], holdsEnded } = yield* booking.timeOf(clinic, parties, current.start, current.end, now, {
          excludeId: current.id
        })
        const reasons = Availability.reasons(time!.prepared, current)
        yield* admit(reasons.filter((r) => Availability.patientCodes.has(r.code)), false)
        if (holdsEnded) yield* expireEnded(clinic, now)
        const accepted = new Appointment({
          ...current,
          patientId: input.patientId,
          status: input.status,
          expiresAt: null,
          version: current.version + 1,
          updatedAt: now
        }, { disableValidation: true })
        const written = yield* storage.appointments.update(accepted, { appointment: current.version }).pipe(orAgain(last))
        if (written) yield* Outbox.matched(storage, clinic, current, accepted, now) // reminders and recalls, same transaction
        return written ? Option.some(accepted) : Option.none()
      })
    )

  return { book, confirm, reschedule, untilWritten }
}
