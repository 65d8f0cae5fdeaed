/**
 * What can be booked: services (appointment types) and rooms or equipment.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { ClinicId, DoctorId, RoomId, ServiceId } from "./Ids.js"

const minutes = (min: number, max: number) =>
  Schema.Int.pipe(Schema.between(min, max, { message: () => `must be a whole number of minutes from ${min} to ${max}` }))

const Name = Schema.Trim.pipe(Schema.minLength(1, { message: () => "is required" }), Schema.maxLength(200))

/** @since 0.1.0 @category models */
export class ClinicService extends Schema.Class<ClinicService>("@clinicore/core/ClinicService")({
  id: ServiceId,
  clinicId: ClinicId,
  name: Name,
  durationMinutes: minutes(1, 24 * 60),
  bufferBeforeMinutes: minutes(0, 240),
  bufferAfterMinutes: minutes(0, 240),
  /** Price in minor units of the clinic's currency. */
  priceMinor: Schema.Int.pipe(Schema.nonNegative()),
  active: Schema.Boolean,
  /** Doctors who perform it; empty means every doctor. */
  doctorIds: Schema.Array(DoctorId),
  /** Rooms or equipment every appointment of this service occupies. */
  roomIds: Schema.Array(RoomId),
  /** Moves on with every change; a booking is written only if it has not moved since it was read. */
  version: Schema.Int
}) {}

/** @since 0.1.0 @category inputs */
export const CreateService = Schema.Struct({
  name: Name,
  durationMinutes: minutes(1, 24 * 60),
  bufferBeforeMinutes: Schema.optionalWith(minutes(0, 240), { default: () => 0 }),
  bufferAfterMinutes: Schema.optionalWith(minutes(0, 240), { default: () => 0 }),
  priceMinor: Schema.optionalWith(Schema.Int.pipe(Schema.nonNegative({ message: () => "must not be negative" })), {
    default: () => 0
  }),
  doctorIds: Schema.optionalWith(Schema.Array(DoctorId), { default: () => [] }),
  roomIds: Schema.optionalWith(Schema.Array(RoomId), { default: () => [] })
})
/** @since 0.1.0 @category inputs */
export type CreateService = typeof CreateService.Encoded

/** Only the given fields change; `active: false` retires a service from new bookings. @since 0.1.0 @category inputs */
export const UpdateService = Schema.Struct({
  id: ServiceId,
  name: Schema.optional(Name),
  durationMinutes: Schema.optional(minutes(1, 24 * 60)),
  bufferBeforeMinutes: Schema.optional(minutes(0, 240)),
  bufferAfterMinutes: Schema.optional(minutes(0, 240)),
  priceMinor: Schema.optional(Schema.Int.pipe(Schema.nonNegative({ message: () => "must not be negative" }))),
  doctorIds: Schema.optional(Schema.Array(DoctorId)),
  roomIds: Schema.optional(Schema.Array(RoomId)),
  active: Schema.optional(Schema.Boolean)
})
/** @since 0.1.0 @category inputs */
export type UpdateService = typeof UpdateService.Encoded

/** @since 0.1.0 @category models */
export const RoomKind = Schema.Literal("room", "equipment")

/** @since 0.1.0 @category models */
export class Room extends Schema.Class<Room>("@clinicore/core/Room")({
  id: RoomId,
  clinicId: ClinicId,
  name: Name,
  kind: RoomKind,
  active: Schema.Boolean,
  /** Moves on with every change; a booking is written only if it has not moved since it was read. */
  version: Schema.Int
}) {}

/** @since 0.1.0 @category inputs */
export const CreateRoom = Schema.Struct({ name: Name, kind: Schema.optionalWith(RoomKind, { default: () => "room" as const }) })
/** @since 0.1.0 @category inputs */
export type CreateRoom = typeof CreateRoom.Encoded

/** @since 0.1.0 @category inputs */
export const UpdateRoom = Schema.Struct({ id: RoomId, name: Schema.optional(Name), active: Schema.optional(Schema.Boolean) })
/** @since 0.1.0 @category inputs */
export type UpdateRoom = typeof UpdateRoom.Encoded
