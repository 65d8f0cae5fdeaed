/**
 * The public booking routes of one clinic, named by its slug (no credential; rate-limited): what
 * there is to book, live availability, and a booking request that holds its slot until staff
 * confirm it or it expires. An unknown slug is a 401 like an unknown account: which slugs exist is
 * not said.
 */
import { Actor, Appointment, Scheduling } from "@clinicore/core"
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import * as OpenApi from "@effect/platform/OpenApi"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { apiOf, BadRequest, ConflictError, Forbidden, InactiveError, NotFoundError, RateLimited, Unauthorized, wire } from "../Http.js"
import { Slot } from "./scheduling.js"

const SlugPath = Schema.Struct({ slug: Schema.String })
const Catalog = Schema.Struct({
  clinic: Schema.Struct({
    name: Schema.String,
    slug: Schema.String,
    timeZone: Schema.String,
    currency: Schema.String,
    requestHoldMinutes: Schema.Number
  }),
  services: Schema.Array(Schema.Struct({
    id: Schema.String,
    name: Schema.String,
    durationMinutes: Schema.Number,
    priceMinor: Schema.Number,
    doctorIds: Schema.Array(Schema.String)
  })),
  doctors: Schema.Array(Schema.Struct({ id: Schema.String, name: Schema.String, specialty: Schema.String }))
})
const SlotsQuery = Schema.Struct({
  serviceId: Schema.String,
  doctorId: Schema.optional(Schema.String),
  from: Schema.String,
  to: Schema.String
})
/** What a requester sees of their request: its time and when the hold ends, nothing more. */
const Requested = Schema.Struct({
  id: Schema.String,
  status: Appointment.AppointmentStatus,
  doctorId: Schema.String,
  serviceId: Schema.NullOr(Schema.String),
  start: Schema.Number,
  end: Schema.Number,
  expiresAt: Schema.NullOr(Schema.Number)
})

export const group = HttpApiGroup.make("public")
  .addError(BadRequest)
  .addError(Unauthorized)
  .addError(Forbidden)
  .addError(InactiveError)
  .addError(NotFoundError)
  .addError(ConflictError)
  .add(HttpApiEndpoint.get("catalog", "/public/clinics/:slug").setPath(SlugPath).addSuccess(Catalog))
  .add(HttpApiEndpoint.get("slots", "/public/clinics/:slug/slots").setPath(SlugPath).setUrlParams(SlotsQuery).addSuccess(Schema.Array(Slot)))
  .add(
    HttpApiEndpoint.post("request", "/public/clinics/:slug/requests").setPath(SlugPath).setPayload(wire(Scheduling.RequestInput))
      .addSuccess(Requested, { status: 201 })
  )
  .middleware(RateLimited)
  .annotate(OpenApi.Description, "Public booking: no credential, one clinic by its slug, rate-limited")

/** Query parameters are text: an instant is epoch milliseconds or an ISO date-time. */
const instant = (s: string): string | number => (/^\d{1,15}$/.test(s) ? Number(s) : s)

export const live = HttpApiBuilder.group(apiOf(group), "public", (handlers) =>
  Effect.gen(function*() {
    const scheduling = yield* Scheduling.Scheduling
    return handlers
      .handle("catalog", ({ path }) => scheduling.publicCatalog().pipe(Actor.asPublic(path.slug)))
      .handle("slots", ({ path, urlParams }) =>
        scheduling.publicSlots({ ...urlParams, from: instant(urlParams.from), to: instant(urlParams.to) }).pipe(Actor.asPublic(path.slug)))
      .handle("request", ({ path, payload }) =>
        Effect.map(
          scheduling.request(payload).pipe(Actor.asPublic(path.slug)),
          (a) => ({
            id: a.id,
            status: a.status,
            doctorId: a.doctorId,
            serviceId: a.serviceId,
            start: a.start,
            end: a.end,
            expiresAt: a.expiresAt
          })
        ))
  }))
