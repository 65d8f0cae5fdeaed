/**
 * The Catalog service: services (appointment types) and rooms or equipment.
 *
 * @since 0.1.0
 */
import { randomUUID } from "node:crypto"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as Option from "effect/Option"
import type { Actor } from "./Actor.js"
import { ClinicService, CreateRoom, CreateService, Room, UpdateRoom, UpdateService } from "./CatalogItem.js"
import { type Conflict, type Inactive, NotFound, type PermissionDenied, type Unauthenticated, type ValidationError } from "./Errors.js"
import { FieldCrypto } from "./FieldCrypto.js"
import { type ClinicId, type DoctorId, RoomId, ServiceId } from "./Ids.js"
import { clinicOperation, type Deps } from "./internal/operation.js"
import { decode } from "./internal/validation.js"
import { Page } from "./Page.js"
import { Storage } from "./Storage.js"

type Refusal = PermissionDenied | Inactive | Unauthenticated

/** @since 0.1.0 @category models */
export interface Catalog {
  readonly createService: (input: CreateService) => Effect.Effect<ClinicService, ValidationError | NotFound | Conflict | Refusal, Actor>
  /** Only the given fields change; `active: false` retires a service from new bookings. */
  readonly updateService: (input: UpdateService) => Effect.Effect<ClinicService, ValidationError | NotFound | Conflict | Refusal, Actor>
  readonly listServices: (filter?: typeof ActiveFilter.Encoded) => Effect.Effect<ReadonlyArray<ClinicService>, ValidationError | Refusal, Actor>
  readonly createRoom: (input: CreateRoom) => Effect.Effect<Room, ValidationError | Conflict | Refusal, Actor>
  readonly updateRoom: (input: UpdateRoom) => Effect.Effect<Room, ValidationError | NotFound | Conflict | Refusal, Actor>
  readonly listRooms: (filter?: typeof ActiveFilter.Encoded) => Effect.Effect<ReadonlyArray<Room>, ValidationError | Refusal, Actor>
}

/** @since 0.1.0 @category tags */
export const Catalog: Context.Tag<Catalog, Catalog> = Context.GenericTag<Catalog>("@clinicore/core/Catalog")

/** A list filter: only active (or only retired) items. @since 0.1.0 @category inputs */
export const ActiveFilter = Schema.Struct({ active: Schema.optional(Schema.Boolean), ...Page.fields })

/** @since 0.1.0 @category constructors */
export const make: Effect.Effect<Catalog, never, Storage | FieldCrypto> = Effect.gen(function*() {
  const deps: Deps = { storage: yield* Storage, fieldCrypto: yield* FieldCrypto }
  const { storage } = deps

  /** Every doctor and room a service names must exist in this clinic. */
  const checkReferences = (clinicId: ClinicId, doctorIds: ReadonlyArray<DoctorId>, roomIds: ReadonlyArray<RoomId>) =>
    Effect.gen(function*() {
      for (const id of doctorIds) {
        if (Option.isNone(yield* storage.doctors.findById(clinicId, id))) return yield* new NotFound({ entity: "Doctor", id })
      }
      const rooms = yield* storage.catalog.findRooms(clinicId, roomIds)
      const missing = roomIds.find((id) => !rooms.some((r) => r.id === id))
      if (missing !== undefined) return yield* new NotFound({ entity: "Room", id: missing })
    })

  const loadService = (clinicId: ClinicId, id: ServiceId) =>
    Effect.flatMap(storage.catalog.findService(clinicId, id), (found) =>
      Option.match(found, { onNone: () => new NotFound({ entity: "Service", id }), onSome: Effect.succeed }))

  return {
    createService: (input) =>
      clinicOperation(deps, "Catalog.createService", ({ clinic }) =>
        Effect.gen(function*() {
          const valid = yield* decode(CreateService, input)
          yield* checkReferences(clinic.id, valid.doctorIds, valid.roomIds)
          const service = new ClinicService({ ...valid, id: ServiceId.make(randomUUID()), clinicId: clinic.id, active: true, version: 1 })
          yield* storage.catalog.insertService(service)
          return service
        })),
    updateService: (input) =>
      clinicOperation(deps, "Catalog.updateService", ({ clinic }) =>
        Effect.gen(function*() {
          const valid = yield* decode(UpdateService, input)
          const current = yield* loadService(clinic.id, valid.id)
          const updated = new ClinicService({
            ...current,
            name: valid.name ?? current.name,
            durationMinutes: valid.durationMinutes ?? current.durationMinutes,
            bufferBeforeMinutes: valid.bufferBeforeMinutes ?? current.bufferBeforeMinutes,
            bufferAfterMinutes: valid.bufferAfterMinutes ?? current.bufferAfterMinutes,
            priceMinor: valid.priceMinor ?? current.priceMinor,
            doctorIds: valid.doctorIds ?? current.doctorIds,
            roomIds: valid.roomIds ?? current.roomIds,
            active: valid.active ?? current.active,
            version: current.version + 1
          })
          yield* checkReferences(clinic.id, updated.doctorIds, updated.roomIds)
          yield* storage.catalog.updateService(updated)
          return updated
        })),
    listServices: (filter = {}) =>
      clinicOperation(deps, "Catalog.listServices", ({ clinic }) =>
        Effect.flatMap(decode(ActiveFilter, filter), (valid) => storage.catalog.listServices(clinic.id, valid))),
    createRoom: (input) =>
      clinicOperation(deps, "Catalog.createRoom", ({ clinic }) =>
        Effect.gen(function*() {
          const valid = yield* decode(CreateRoom, input)
          const room = new Room({ ...valid, id: RoomId.make(randomUUID()), clinicId: clinic.id, active: true, version: 1 })
          yield* storage.catalog.insertRoom(room)
          return room
        })),
    updateRoom: (input) =>
      clinicOperation(deps, "Catalog.updateRoom", ({ clinic }) =>
        Effect.gen(function*() {
          const valid = yield* decode(UpdateRoom, input)
          const [current] = yield* storage.catalog.findRooms(clinic.id, [valid.id])
          if (current === undefined) return yield* new NotFound({ entity: "Room", id: valid.id })
          const updated = new Room({
            ...current,
            name: valid.name ?? current.name,
            active: valid.active ?? current.active,
            version: current.version + 1
          })
          yield* storage.catalog.updateRoom(updated)
          return updated
        })),
    listRooms: (filter = {}) =>
      clinicOperation(deps, "Catalog.listRooms", ({ clinic }) =>
        Effect.flatMap(decode(ActiveFilter, filter), (valid) => storage.catalog.listRooms(clinic.id, valid)))
  }
})

/** @since 0.1.0 @category layers */
export const layer: Layer.Layer<Catalog, never, Storage | FieldCrypto> = Layer.effect(Catalog, make)
