/**
 * Branded identifiers. Every id is a UUID; the brand stops a `PatientId` from being passed where a
 * `DoctorId` is expected.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/** @since 0.1.0 @category ids */
export const ClinicId = Schema.UUID.pipe(Schema.brand("ClinicId"))
/** @since 0.1.0 @category ids */
export type ClinicId = typeof ClinicId.Type

/** @since 0.1.0 @category ids */
export const StaffId = Schema.UUID.pipe(Schema.brand("StaffId"))
/** @since 0.1.0 @category ids */
export type StaffId = typeof StaffId.Type

/** @since 0.1.0 @category ids */
export const DoctorId = Schema.UUID.pipe(Schema.brand("DoctorId"))
/** @since 0.1.0 @category ids */
export type DoctorId = typeof DoctorId.Type

/** @since 0.1.0 @category ids */
export const PatientId = Schema.UUID.pipe(Schema.brand("PatientId"))
/** @since 0.1.0 @category ids */
export type PatientId = typeof PatientId.Type

/** @since 0.1.0 @category ids */
export const AppointmentId = Schema.UUID.pipe(Schema.brand("AppointmentId"))
/** @since 0.1.0 @category ids */
export type AppointmentId = typeof AppointmentId.Type

/** @since 0.1.0 @category ids */
export const ServiceId = Schema.UUID.pipe(Schema.brand("ServiceId"))
/** @since 0.1.0 @category ids */
export type ServiceId = typeof ServiceId.Type

/** @since 0.1.0 @category ids */
export const RoomId = Schema.UUID.pipe(Schema.brand("RoomId"))
/** @since 0.1.0 @category ids */
export type RoomId = typeof RoomId.Type
