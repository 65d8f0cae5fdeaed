/**
 * Who is acting. The principal always comes from the Effect context, never from input.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import type { ClinicId, StaffId } from "./Ids.js"
import type { Role } from "./StaffAccount.js"

/**
 * - `User`: a staff account of one clinic; its role and status are re-read on every call, so a
 *   deactivation or a role change takes effect on the very next call.
 * - `System`: a job (such as the reminder dispatcher) scoped to one clinic. Without a `role` it
 *   may run every operation but the `admin`, `self` and `platform` ones; with a `role` (a host's
 *   API key bound to a role) it holds exactly what that role holds in the clinic's matrix now.
 * - `Platform`: the host's own principal; may only create, activate and deactivate clinics.
 * - `Public`: an unauthenticated caller of one clinic, named by its slug; may only see live
 *   availability and send booking requests.
 *
 * @since 0.1.0 @category models
 */
export type Principal = Data.TaggedEnum<{
  User: { readonly clinicId: ClinicId; readonly staffId: StaffId }
  System: { readonly clinicId: ClinicId; readonly job: string; readonly role?: Role | undefined }
  Platform: {}
  Public: { readonly clinicSlug: string }
}>

/** @since 0.1.0 @category constructors */
export const Principal = Data.taggedEnum<Principal>()

/** @since 0.1.0 @category tags */
export class Actor extends Context.Tag("@clinicore/core/Actor")<Actor, Principal>() {}

/** Runs `self` as a staff user of a clinic. @since 0.1.0 @category combinators */
export const withUser: {
  (clinicId: ClinicId, staffId: StaffId): <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, Exclude<R, Actor>>
  <A, E, R>(self: Effect.Effect<A, E, R>, clinicId: ClinicId, staffId: StaffId): Effect.Effect<A, E, Exclude<R, Actor>>
} = dual(3, <A, E, R>(self: Effect.Effect<A, E, R>, clinicId: ClinicId, staffId: StaffId) =>
  Effect.provideService(self, Actor, Principal.User({ clinicId, staffId })))

/** Runs `self` as a system job scoped to one clinic. @since 0.1.0 @category combinators */
export const withSystem = (clinicId: ClinicId, job: string) => <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Effect.provideService(self, Actor, Principal.System({ clinicId, job }))

/**
 * Runs `self` as a system job that holds exactly what `role` holds in the clinic's matrix (re-read
 * on every call), such as a host's API key bound to a role.
 *
 * @since 0.1.0 @category combinators
 */
export const withRole = (clinicId: ClinicId, job: string, role: Role) => <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Effect.provideService(self, Actor, Principal.System({ clinicId, job, role }))

/** Runs `self` as the host's platform principal. @since 0.1.0 @category combinators */
export const asPlatform = <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, Exclude<R, Actor>> =>
  Effect.provideService(self, Actor, Principal.Platform())

/** Runs `self` as an unauthenticated caller of the clinic with this slug. @since 0.1.0 @category combinators */
export const asPublic = (clinicSlug: string) => <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, Exclude<R, Actor>> =>
  Effect.provideService(self, Actor, Principal.Public({ clinicSlug }))
