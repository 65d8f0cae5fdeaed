/**
 * The Scheduling service: availability, booking, rescheduling, status changes, and public
 * booking requests. Every write re-checks the time with the same pure rule that lists slots
 * (`Availability.reasons`), inside its transaction; the database's own constraint refuses any
 * overlap that a concurrent transaction slipped in between.
 *
 * @since 0.1.0
 */
import { randomUUID } from "node:crypto"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type { Actor } from "./Actor.js"
import { Appointment, AppointmentNotes, AppointmentStatus, canTransition, holdEnded } from "./Appointment.js"
import * as Availability from "./Availability.js"
import { Conflict, type Inactive, NotFound, type PermissionDenied, type Unauthenticated, type ValidationError } from "./Errors.js"
import { FieldCrypto } from "./FieldCrypto.js"
import { AppointmentId, DoctorId, PatientId, RoomId, ServiceId } from "./Ids.js"
import { BillingStorage } from "./BillingStorage.js"
import { invoiceOnCompletion } from "./internal/billing/appointments.js"
import { makeBook } from "./internal/book.js"
import { buffersOf, makeBooking } from "./internal/booking.js"
import { type Acting, clinicOperation, type Deps, requireOwn } from "./internal/operation.js"
import { newPatientRow, patientOf } from "./internal/patients.js"
import { decode, invalid } from "./internal/validation.js"
import { instantOf, localDayOf } from "./internal/zone.js"
import * as Outbox from "./internal/reminders/outbox.js"
import { PersonName, Email } from "./StaffAccount.js"
import { type Patient, PhoneInput } from "./Patient.js"
import { normalizePhone } from "./Phone.js"
import type { ClinicOperation } from "./Operations.js"
import { Storage } from "./Storage.js"

type Refusal = PermissionDenied | Inactive | Unauthenticated

const DAY = 86_400_000

/** The most slots one listing returns; a cursor (`after`) pages on. */
const MAX_SLOTS = 2000

/**
 * An instant: epoch milliseconds, or an ISO 8601 date-time with an offset or `Z`.
 *
 * @since 0.1.0 @category inputs
 */
/** The instants a JavaScript `Date` can hold, in epoch milliseconds. */
const DATE_RANGE = 8.64e15

export const Instant = Schema.Union(
  Schema.Int.pipe(Schema.between(-DATE_RANGE, DATE_RANGE)),
  Schema.transform(
    Schema.String.pipe(Schema.filter((s) => /(Z|[+-]\d{2}:\d{2})$/.test(s) && !Number.isNaN(Date.parse(s)), {
      message: () => "must be epoch milliseconds or an ISO date-time with an offset"
    })),
    Schema.Int,
    { strict: true, decode: (s) => Date.parse(s), encode: (n) => new Date(n).toISOString() }
  )
).annotations({ message: () => "must be epoch milliseconds or an ISO date-time with an offset" })

/** @since 0.1.0 @category inputs */
export const BookInput = Schema.Struct({
  doctorId: DoctorId,
  patientId: PatientId,
  serviceId: Schema.optional(ServiceId),
  start: Instant,
  /** Required without a service; with one, the end is start + the service's duration. */
  end: Schema.optional(Instant),
  roomIds: Schema.optionalWith(Schema.Array(RoomId), { default: () => [] }),
  notes: Schema.optional(AppointmentNotes),
  idempotencyKey: Schema.optional(Schema.String.pipe(Schema.minLength(1), Schema.maxLength(200))),
  /** Book outside working time (needs `appointments.override`; audited as such). */
  override: Schema.optionalWith(Schema.Boolean, { default: () => false })
})
/** @since 0.1.0 @category inputs */
export type BookInput = typeof BookInput.Encoded

/** @since 0.1.0 @category inputs */
export const RescheduleInput = Schema.Struct({
  id: AppointmentId,
  start: Instant,
  /** Defaults to keeping the appointment's length. */
  end: Schema.optional(Instant),
  override: Schema.optionalWith(Schema.Boolean, { default: () => false })
})
/** @since 0.1.0 @category inputs */
export type RescheduleInput = typeof RescheduleInput.Encoded

/**
 * One page of a slot listing, in (start, doctor id) order: at most `limit` slots (default and
 * maximum 2,000), after the slot `after` names (the last one of the previous page). A page shorter
 * than `limit` is the last.
 *
 * @since 0.1.0 @category inputs
 */
export const SlotPage = Schema.Struct({
  limit: Schema.optionalWith(Schema.Int.pipe(Schema.between(1, MAX_SLOTS)), { default: () => MAX_SLOTS }),
  after: Schema.optional(Schema.Struct({ start: Instant, doctorId: DoctorId }))
})

/** @since 0.1.0 @category inputs */
export const SlotsInput = Schema.Struct({
  /** Omitted: every active doctor who performs the service (every active doctor without one). */
  doctorIds: Schema.optional(Schema.Array(DoctorId).pipe(Schema.minItems(1), Schema.maxItems(200))),
  serviceId: Schema.optional(ServiceId),
  /** Without a service. */
  durationMinutes: Schema.optional(Schema.Int.pipe(Schema.between(1, 1440))),
  from: Instant,
  to: Instant,
  /** Also keep this patient's own appointments free. */
  patientId: Schema.optional(PatientId),
  ...SlotPage.fields
})
/** @since 0.1.0 @category inputs */
export type SlotsInput = typeof SlotsInput.Encoded

/** @since 0.1.0 @category inputs */
export const ExplainInput = Schema.Struct({
  doctorId: DoctorId,
  patientId: Schema.optional(PatientId),
  serviceId: Schema.optional(ServiceId),
  start: Instant,
  end: Schema.optional(Instant),
  roomIds: Schema.optionalWith(Schema.Array(RoomId), { default: () => [] })
})

/** @since 0.1.0 @category inputs */
export const ListInput = Schema.Struct({
  doctorId: Schema.optional(DoctorId),
  patientId: Schema.optional(PatientId),
  statuses: Schema.optional(Schema.Array(AppointmentStatus)),
  from: Schema.optional(Instant),
  to: Schema.optional(Instant),
  /** `upcoming`: scheduled or confirmed, starting now or later; `past`: started before now. */
  when: Schema.optional(Schema.Literal("upcoming", "past")),
  limit: Schema.optionalWith(Schema.Int.pipe(Schema.between(1, 1000)), { default: () => 100 })
})
/** @since 0.1.0 @category inputs */
export type ListInput = typeof ListInput.Encoded

/** A public caller's slot query: one doctor, or any doctor who performs the service. @since 0.1.0 @category inputs */
export const PublicSlotsInput = Schema.Struct({
  doctorId: Schema.optional(DoctorId),
  serviceId: ServiceId,
  from: Instant,
  to: Instant,
  ...SlotPage.fields
})
/** @since 0.1.0 @category inputs */
export type PublicSlotsInput = typeof PublicSlotsInput.Encoded

/** @since 0.1.0 @category inputs */
export const RequestInput = Schema.Struct({
  doctorId: DoctorId,
  serviceId: ServiceId,
  start: Instant,
  patient: Schema.Struct({ fullName: PersonName, phone: PhoneInput, email: Schema.optional(Email) }),
  idempotencyKey: Schema.optional(Schema.String.pipe(Schema.minLength(1), Schema.maxLength(200)))
})
/** @since 0.1.0 @category inputs */
export type RequestInput = typeof RequestInput.Encoded

/**
 * Staff accepting a public request: matched to an existing patient (`patientId`), or, without one,
 * to a new patient made from the request's contact (refused with `duplicate_phone` when a patient
 * already has that phone: match them instead).
 *
 * @since 0.3.0 @category inputs
 */
export const ConfirmRequestInput = Schema.Struct({
  id: AppointmentId,
  patientId: Schema.optional(PatientId),
  status: Schema.optionalWith(Schema.Literal("scheduled", "confirmed"), { default: () => "scheduled" as const })
})
/** @since 0.3.0 @category inputs */
export type ConfirmRequestInput = typeof ConfirmRequestInput.Encoded

/**
 * What a public caller may know to choose a slot: the clinic's name and zone, its active services
 * and active doctors (names and specialties only), and how long a request holds its slot.
 *
 * @since 0.1.0 @category models
 */
export interface PublicCatalog {
  readonly clinic: {
    readonly name: string
    readonly slug: string
    readonly timeZone: string
    readonly currency: string
    readonly requestHoldMinutes: number
  }
  readonly services: ReadonlyArray<{
    readonly id: ServiceId
    readonly name: string
    readonly durationMinutes: number
    readonly priceMinor: number
    /** Doctors who perform it; empty means every doctor. */
    readonly doctorIds: ReadonlyArray<DoctorId>
  }>
  readonly doctors: ReadonlyArray<{ readonly id: DoctorId; readonly name: string; readonly specialty: string }>
}

/** A bookable slot. @since 0.1.0 @category models */
export interface AvailableSlot {
  readonly doctorId: DoctorId
  readonly start: number
  readonly end: number
}

/** @since 0.1.0 @category models */
export interface Explanation {
  readonly bookable: boolean
  readonly reasons: ReadonlyArray<Availability.Reason>
}

type Failure = ValidationError | NotFound | Conflict | Refusal

/** Whether a raw confirmation names a patient (decoded later, inside the operation). */
const matchesExisting = (input: unknown) =>
  typeof input === "object" && input !== null && "patientId" in input && input.patientId !== undefined

/** Whether a raw booking input asks to override (decoded later, inside the operation). */
const overrides = (input: unknown) =>
  typeof input === "object" && input !== null && "override" in input && input.override === true

/** @since 0.1.0 @category models */
export interface Scheduling {
  /** Bookable starts on the clinic's grid for each doctor, sorted by start (then doctor id). */
  readonly availableSlots: (input: SlotsInput) => Effect.Effect<ReadonlyArray<AvailableSlot>, Failure, Actor>
  /** The earliest bookable slot across the doctors (`None`: nothing in the range). */
  readonly firstAvailable: (input: SlotsInput) => Effect.Effect<Option.Option<AvailableSlot>, Failure, Actor>
  /** Why a time is not bookable (empty reasons: it is): exactly what `book` refuses it with. */
  readonly explain: (input: typeof ExplainInput.Encoded) => Effect.Effect<Explanation, Failure, Actor>
  readonly book: (input: BookInput) => Effect.Effect<Appointment, Failure, Actor>
  /** Moves an appointment atomically, keeping its id; it does not conflict with itself. */
  readonly reschedule: (input: RescheduleInput) => Effect.Effect<Appointment, Failure, Actor>
  /** Through the transition table; allowed on past appointments (completed, no-show afterwards). */
  readonly setStatus: (
    input: { readonly id: string; readonly status: AppointmentStatus }
  ) => Effect.Effect<Appointment, Failure, Actor>
  readonly cancel: (input: { readonly id: string; readonly reason: string }) => Effect.Effect<Appointment, Failure, Actor>
  /** Refused while payments, invoices or reminders reference it. */
  readonly delete: (id: string) => Effect.Effect<void, Failure, Actor>
  readonly get: (id: string) => Effect.Effect<Appointment, Failure, Actor>
  readonly list: (input?: ListInput) => Effect.Effect<ReadonlyArray<Appointment>, Failure, Actor>
  /** Expires requests whose hold has ended (bookings also do this in their own transaction). */
  readonly expireRequests: () => Effect.Effect<ReadonlyArray<string>, Failure, Actor>
  /** For a public caller (`Actor.asPublic(slug)`): live availability of a service, with one doctor or any. */
  /** For a public caller: the clinic, its active services and doctors, to choose from. */
  readonly publicCatalog: () => Effect.Effect<PublicCatalog, Failure, Actor>
  readonly publicSlots: (input: PublicSlotsInput) => Effect.Effect<ReadonlyArray<AvailableSlot>, Failure, Actor>
  /** For a public caller: a `requested` appointment that holds its slot until staff confirm it or it expires. */
  readonly request: (input: RequestInput) => Effect.Effect<Appointment, Failure, Actor>
  /**
   * Staff accept a public request, matching it to a patient: the one named (whose own rules then
   * apply: blocked, or booked elsewhere at that time), or a new one made from the request's contact.
   */
  readonly confirmRequest: (input: ConfirmRequestInput) => Effect.Effect<Appointment, Failure, Actor>
  /** The patients a public request may be from (the same phone), for staff to match it to. */
  readonly requestMatches: (id: string) => Effect.Effect<ReadonlyArray<Patient>, Failure, Actor>
}

/** @since 0.1.0 @category tags */
export const Scheduling: Context.Tag<Scheduling, Scheduling> = Context.GenericTag<Scheduling>("@clinicore/core/Scheduling")

/** @since 0.1.0 @category constructors */
export const make: Effect.Effect<Scheduling, never, Storage | BillingStorage | FieldCrypto> = Effect.gen(function*() {
  const deps: Deps = { storage: yield* Storage, fieldCrypto: yield* FieldCrypto }
  const { storage } = deps
  const billing = yield* BillingStorage

  const booking = makeBooking(storage)
  const { book, confirm, reschedule, untilWritten } = makeBook(storage, booking)

  /**
   * Anonymous callers cannot fill the book: requests still waiting for staff are capped per clinic
   * and per phone, and so are the requests one phone makes in the clinic's day (confirmed,
   * cancelled or expired ones included).
   */
  const withinLimits = (clinic: Acting["clinic"], phone: string, now: number) =>
    Effect.gen(function*() {
      const { maxPendingRequests, maxPendingRequestsPerPhone, maxRequestsPerPhonePerDay } = clinic.settings
      // Requests of one clinic take turns from here until they commit, so that concurrent ones
      // cannot all pass the counts below: the clinic's audit head, which the request's own event
      // moves at the end anyway, is held now (a row lock on Postgres; SQLite's writer already
      // takes turns).
      yield* storage.audit.head(clinic.id)
      const pending = (yield* storage.appointments.list(clinic.id, {
        statuses: ["requested"],
        order: "asc",
        limit: maxPendingRequests + 1
      })).filter((a) => a.source === "public" && !holdEnded(a, now))
      const day = localDayOf(clinic.timeZone, now)
      const today = yield* storage.appointments.requestsByPhone(
        clinic.id,
        phone,
        instantOf(clinic.timeZone, day, 0),
        instantOf(clinic.timeZone, day + 1, 0)
      )
      if (
        pending.length >= maxPendingRequests ||
        pending.filter((a) => a.requester?.phone === phone).length >= maxPendingRequestsPerPhone ||
        today >= maxRequestsPerPhonePerDay
      ) {
        return yield* new Conflict({ reason: { _tag: "too_many_requests" } })
      }
    })

  /** A new patient from a request's own contact, for `confirmRequest` without a match. */
  const patientFromRequest = (acting: Acting, id: AppointmentId) =>
    Effect.gen(function*() {
      const { clinic } = acting
      const current = yield* booking.loadAppointment(clinic.id, id)
      // Before anything is written: a refused permission commits its audit event, not a patient.
      yield* requireOwn(acting, yield* booking.ownerOf(clinic.id, current))
      const { requester } = current
      if (requester === null) return yield* invalid("patientId", "is required: the appointment holds no request contact")
      const now = yield* Clock.currentTimeMillis
      const patientId = PatientId.make(randomUUID())
      yield* storage.patients.insert(newPatientRow(clinic, patientId, {
        fullName: requester.fullName,
        phone: requester.phone,
        email: requester.email ?? undefined
      }, now))
      return patientId
    })

  const slotsFor = (acting: Acting, input: typeof SlotsInput.Type) =>
    Effect.gen(function*() {
      const { clinic } = acting
      if (input.to <= input.from) return yield* invalid("to", "must be after from")
      if (input.to - input.from > 366 * DAY) return yield* invalid("to", "must be at most 366 days after from")
      const now = yield* Clock.currentTimeMillis
      const parties = yield* booking.parties(clinic, {
        doctorIds: input.doctorIds === undefined ? undefined : [...new Set(input.doctorIds)],
        patientId: input.patientId,
        serviceId: input.serviceId,
        roomIds: []
      })
      const durationMinutes = Option.match(parties.service, { onNone: () => input.durationMinutes, onSome: (s) => s.durationMinutes })
      if (durationMinutes === undefined) return yield* invalid("durationMinutes", "is required without a service")
      const { doctors } = yield* booking.timeOf(clinic, parties, input.from, input.to, now, { listing: true })
      const shape = { durationMinutes, ...buffersOf(parties.service) }
      const { after, limit } = input
      const out: Array<AvailableSlot> = []
      // Each doctor walks at most `limit` slots past the cursor: the page is among them.
      for (const { doctor, prepared } of doctors) {
        const from = after === undefined ? undefined : after.start + (doctor.id > after.doctorId ? 0 : 1)
        for (const s of Availability.slots(prepared, shape, { from, limit })) out.push({ doctorId: doctor.id, start: s.start, end: s.end })
      }
      out.sort((a, b) => a.start - b.start || (a.doctorId < b.doctorId ? -1 : a.doctorId > b.doctorId ? 1 : 0))
      return out.length > limit ? out.slice(0, limit) : out
    })

  const transition = (acting: Acting, id: string, to: AppointmentStatus, cancelReason: string | null) =>
    untilWritten(() =>
      Effect.gen(function*() {
        const { clinic } = acting
        const current = yield* booking.loadAppointment(clinic.id, id)
        yield* requireOwn(acting, yield* booking.ownerOf(clinic.id, current))
        if (!canTransition(current.status, to)) {
          return yield* new Conflict({ reason: { _tag: "invalid_transition", from: current.status, to } })
        }
        // A public request is accepted only with its patient (`confirmRequest`); it can still be declined.
        if (current.patientId === null && to !== "cancelled" && to !== "expired") {
          return yield* new Conflict({ reason: { _tag: "unmatched_request" } })
        }
        const now = yield* Clock.currentTimeMillis
        const updated = new Appointment({
          ...current,
          status: to,
          cancelReason: cancelReason ?? current.cancelReason,
          expiresAt: to === "requested" ? current.expiresAt : null,
          version: current.version + 1,
          updatedAt: now
        }, { disableValidation: true })
        const written = yield* storage.appointments.update(updated, { appointment: current.version })
        if (!written) return Option.none()
        if (to === "completed") {
          // A clinic that invoices on completion gets the invoice in the same transaction, once.
          yield* invoiceOnCompletion({ storage, billing }, clinic, updated, now, Option.getOrNull(Option.map(acting.user, (u) => u.id)))
        }
        yield* Outbox.transitioned(storage, clinic, current, updated, now) // reminders: carry, create or cancel
        return Option.some(updated)
      })
    )

  const op = <A, E, R>(name: ClinicOperation, body: (acting: Acting) => Effect.Effect<A, E, R>) => clinicOperation(deps, name, body)

  return {
    availableSlots: (input) => op("Scheduling.availableSlots", (acting) => Effect.flatMap(decode(SlotsInput, input), (v) => slotsFor(acting, v))),
    firstAvailable: (input) =>
      op("Scheduling.availableSlots", (acting) =>
        Effect.flatMap(decode(SlotsInput, input), (v) => Effect.map(slotsFor(acting, { ...v, limit: 1 }), (slots) => Option.fromNullable(slots[0])))),
    explain: (input) =>
      op("Scheduling.explain", ({ clinic }) =>
        Effect.gen(function*() {
          const valid = yield* decode(ExplainInput, input)
          const now = yield* Clock.currentTimeMillis
          const parties = yield* booking.parties(clinic, {
            doctorIds: [valid.doctorId],
            patientId: valid.patientId,
            serviceId: valid.serviceId,
            roomIds: valid.roomIds
          })
          const end = yield* booking.timing(parties.service, valid.start, valid.end)
          const { doctors: [time] } = yield* booking.timeOf(clinic, parties, valid.start, end, now)
          const reasons = Availability.reasons(time!.prepared, { start: valid.start, end, ...buffersOf(parties.service) })
          return { bookable: reasons.length === 0, reasons }
        })),
    // The permission check (and its audited refusal) comes before the input is decoded: the
    // operation is chosen by the raw `override` flag alone.
    book: (input) =>
      op(overrides(input) ? "Scheduling.bookWithOverride" : "Scheduling.book", (acting) =>
        Effect.flatMap(decode(BookInput, input), (valid) => book(acting, valid, "staff", "scheduled"))),
    reschedule: (input) =>
      op(overrides(input) ? "Scheduling.rescheduleWithOverride" : "Scheduling.reschedule", (acting) =>
        Effect.flatMap(decode(RescheduleInput, input), (valid) => reschedule(acting, valid))),
    setStatus: (input) =>
      op("Scheduling.setStatus", (acting) =>
        Effect.flatMap(decode(Schema.Struct({ id: Schema.String, status: AppointmentStatus }), input), (v) =>
          transition(acting, v.id, v.status, null))),
    cancel: (input) =>
      op("Scheduling.cancel", (acting) =>
        Effect.flatMap(
          decode(Schema.Struct({ id: Schema.String, reason: Schema.Trim.pipe(Schema.minLength(1, { message: () => "is required" })) }), input),
          (v) => transition(acting, v.id, "cancelled", v.reason)
        )),
    delete: (id) =>
      clinicOperation(deps, "Scheduling.delete", ({ clinic }) =>
        Effect.gen(function*() {
          const current = yield* booking.loadAppointment(clinic.id, id)
          const counts = yield* storage.appointments.dependents(clinic.id, current.id)
          if (Object.keys(counts).length > 0) return yield* new Conflict({ reason: { _tag: "has_dependents", counts } })
          yield* storage.appointments.delete(clinic.id, current.id)
          return current.id
        }), (x) => x).pipe(Effect.asVoid),
    get: (id) => op("Scheduling.get", ({ clinic }) => booking.loadAppointment(clinic.id, id)),
    list: (input = {}) =>
      op("Scheduling.list", ({ clinic }) =>
        Effect.gen(function*() {
          const v = yield* decode(ListInput, input)
          const now = yield* Clock.currentTimeMillis
          return yield* storage.appointments.list(clinic.id, {
            doctorId: v.doctorId,
            patientId: v.patientId,
            // An empty status list (a cleared multi-select) filters nothing.
            statuses: v.when === "upcoming" ? ["scheduled", "confirmed"] : v.statuses?.length ? v.statuses : undefined,
            from: v.when === "upcoming" ? Math.max(now, v.from ?? now) : v.from,
            to: v.when === "past" ? Math.min(now, v.to ?? now) : v.to,
            order: v.when === "past" ? "desc" : "asc",
            limit: v.limit
          })
        })),
    expireRequests: () =>
      clinicOperation(deps, "Scheduling.expireRequests", ({ clinic }) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) =>
          Effect.tap(storage.appointments.expireRequests(clinic.id, now), (ids) =>
            Outbox.expired(storage, clinic, ids, now))), () => null), // reminders: the expired requests' end
    publicCatalog: () =>
      op("Public.catalog", ({ clinic }) =>
        Effect.gen(function*() {
          const services = yield* storage.catalog.listServices(clinic.id, { active: true })
          const doctors = yield* storage.doctors.list(clinic.id, { active: true })
          return {
            clinic: {
              name: clinic.name,
              slug: clinic.slug,
              timeZone: clinic.timeZone,
              currency: clinic.currency,
              requestHoldMinutes: clinic.settings.requestHoldMinutes
            },
            services: services.map((x) => ({
              id: x.id,
              name: x.name,
              durationMinutes: x.durationMinutes,
              priceMinor: x.priceMinor,
              doctorIds: x.doctorIds
            })),
            doctors: doctors.map((d) => ({ id: d.id, name: d.name, specialty: d.specialty }))
          }
        })),
    publicSlots: (input) =>
      op("Public.availableSlots", (acting) =>
        Effect.flatMap(decode(PublicSlotsInput, input), (v) =>
          slotsFor(acting, {
            doctorIds: v.doctorId === undefined ? undefined : [v.doctorId],
            serviceId: v.serviceId,
            from: v.from,
            to: v.to,
            limit: v.limit,
            after: v.after
          }))),
    request: (input) =>
      op("Public.request", (acting) =>
        Effect.gen(function*() {
          const { clinic } = acting
          const region = clinic.settings.defaultPhoneRegion
          const valid = yield* decode(RequestInput, input, (() => {
            const phone = typeof input?.patient?.phone === "string" ? normalizePhone(input.patient.phone, region) : undefined
            return phone !== undefined && phone._tag === "Left" ? [{ path: "patient.phone", message: phone.left }] : []
          })())
          const phone = normalizePhone(valid.patient.phone, region).pipe((e) => (e._tag === "Right" ? e.right : ""))
          const now = yield* Clock.currentTimeMillis
          // A retry of a request already made is not a new request.
          const retry = valid.idempotencyKey !== undefined &&
            Option.isSome(yield* storage.appointments.findByIdempotencyKey(clinic.id, valid.idempotencyKey))
          if (!retry) yield* withinLimits(clinic, phone, now)
          // The request holds its contact itself: no patient is looked up, read into the decision or
          // changed until staff match it on confirmation (`confirmRequest`).
          return yield* book(acting, {
            doctorId: valid.doctorId,
            patientId: null,
            requester: { fullName: valid.patient.fullName, phone, email: valid.patient.email ?? null },
            serviceId: valid.serviceId,
            start: valid.start,
            roomIds: [],
            idempotencyKey: valid.idempotencyKey,
            override: false
          }, "public", "requested").pipe(
            // A public caller learns only that the time is not bookable by them: no appointment
            // in the way, nothing about anyone else.
            Effect.catchIf(
              (e): e is Conflict => e instanceof Conflict && (e.reason._tag === "slot_taken" || e.reason._tag === "not_bookable"),
              () => Effect.fail(new Conflict({ reason: { _tag: "not_bookable", reasons: [{ code: "unavailable" }] } }))
            )
          )
        })),
    confirmRequest: (input) =>
      op(matchesExisting(input) ? "Scheduling.confirmRequest" : "Scheduling.confirmRequestAsNewPatient", (acting) =>
        Effect.gen(function*() {
          const valid = yield* decode(ConfirmRequestInput, input)
          const patientId = valid.patientId ?? (yield* patientFromRequest(acting, valid.id))
          return yield* confirm(acting, { id: valid.id, patientId, status: valid.status })
        })),
    requestMatches: (id) =>
      op("Scheduling.requestMatches", ({ clinic, clinicRow }) =>
        Effect.gen(function*() {
          const { requester } = yield* booking.loadAppointment(clinic.id, id)
          if (requester === null) return []
          const found = yield* storage.patients.findByPhone(clinic.id, requester.phone)
          return yield* Effect.forEach(Option.toArray(found), (row) => patientOf(deps.fieldCrypto, clinicRow.dataKey, row))
        }))
  }
})

/** @since 0.1.0 @category layers */
export const layer: Layer.Layer<Scheduling, never, Storage | BillingStorage | FieldCrypto> = Layer.effect(Scheduling, make)
