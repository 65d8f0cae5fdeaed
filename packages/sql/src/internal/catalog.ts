/**
 * Services (with the doctors who perform them and the rooms they occupy) and rooms.
 */
import { ClinicService, Room, RoomKind } from "@clinicore/core/CatalogItem"
import type { ClinicId } from "@clinicore/core/Ids"
import type * as Storage from "@clinicore/core/Storage"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type { Context } from "./context.js"
import { crossClinic } from "./guard.js"
import { all, Bool, group, Integer, orDie, type Row, unique } from "./rows.js"

/** A `services` row, given its doctors and rooms (`doctor_ids`, `room_ids`), as the service. */
const ServiceRow = Schema.transform(
  Schema.Struct({
    id: Schema.String,
    clinic_id: Schema.String,
    name: Schema.String,
    duration_minutes: Integer,
    buffer_before_minutes: Integer,
    buffer_after_minutes: Integer,
    price_minor: Integer,
    active: Bool,
    doctor_ids: Schema.Array(Schema.String),
    room_ids: Schema.Array(Schema.String),
    version: Integer
  }),
  ClinicService,
  {
    strict: true,
    decode: (r) => ({
      id: r.id,
      clinicId: r.clinic_id,
      name: r.name,
      durationMinutes: r.duration_minutes,
      bufferBeforeMinutes: r.buffer_before_minutes,
      bufferAfterMinutes: r.buffer_after_minutes,
      priceMinor: r.price_minor,
      active: r.active,
      doctorIds: r.doctor_ids,
      roomIds: r.room_ids,
      version: r.version
    }),
    encode: (s) => ({
      id: s.id,
      clinic_id: s.clinicId,
      name: s.name,
      duration_minutes: s.durationMinutes,
      buffer_before_minutes: s.bufferBeforeMinutes,
      buffer_after_minutes: s.bufferAfterMinutes,
      price_minor: s.priceMinor,
      active: s.active,
      doctor_ids: s.doctorIds,
      room_ids: s.roomIds,
      version: s.version
    })
  }
)
const allServices = all(ServiceRow)

/** A `rooms` row as the room. */
const RoomRow = Schema.transform(
  Schema.Struct({
    id: Schema.String,
    clinic_id: Schema.String,
    name: Schema.String,
    kind: RoomKind,
    active: Bool,
    version: Integer
  }),
  Room,
  {
    strict: true,
    decode: (r) => ({ id: r.id, clinicId: r.clinic_id, name: r.name, kind: r.kind, active: r.active, version: r.version }),
    encode: (r) => ({ id: r.id, clinic_id: r.clinicId, name: r.name, kind: r.kind, active: r.active, version: r.version })
  }
)
const allRooms = all(RoomRow)

/** @internal */
export const make = ({ atomically, byName, dialect, guard, sql }: Context): Storage.CatalogRepository => {
  /** `table`'s `(service_id, column)` pairs of the given services, by service. */
  const links = (table: string, column: string, clinicId: ClinicId, serviceIds: ReadonlyArray<string>) =>
    serviceIds.length === 0
      ? Effect.succeed(new Map<string, Array<string>>())
      : orDie(sql`SELECT service_id, ${sql(column)} FROM ${sql(table)}
          WHERE clinic_id = ${clinicId} AND service_id IN ${sql.in(serviceIds)} ORDER BY service_id, ${sql(column)}`).pipe(
          Effect.map((rows) => group(rows, "service_id", column))
        )

  const hydrateServices = (clinicId: ClinicId, rows: ReadonlyArray<Row>) =>
    Effect.gen(function*() {
      const ids = rows.map((r) => String(r.id))
      const doctors = yield* links("service_doctors", "doctor_id", clinicId, ids)
      const rooms = yield* links("service_rooms", "room_id", clinicId, ids)
      return allServices(rows.map((r) => ({
        ...r,
        doctor_ids: doctors.get(String(r.id)) ?? [],
        room_ids: rooms.get(String(r.id)) ?? []
      })))
    })

  /** Replaces a service's rows in `table`; a reference to another clinic's row names `field`. */
  const replaceLinks = (table: string, column: string, field: string, s: ClinicService, ids: ReadonlyArray<string>) =>
    guard(
      Effect.zipRight(
        sql`DELETE FROM ${sql(table)} WHERE clinic_id = ${s.clinicId} AND service_id = ${s.id}`,
        ids.length === 0 ? Effect.void : sql`INSERT INTO ${sql(table)} ${
          sql.insert(unique(ids).map((id) => ({ clinic_id: s.clinicId, service_id: s.id, [column]: id })))
        }`
      ),
      { foreignKey: () => crossClinic(field) }
    )

  const serviceLinks = (s: ClinicService) =>
    Effect.zipRight(
      replaceLinks("service_doctors", "doctor_id", "doctorIds", s, s.doctorIds),
      replaceLinks("service_rooms", "room_id", "roomIds", s, s.roomIds)
    )

  return {
    insertService: (s) =>
      atomically(Effect.zipRight(
        guard(
          sql`INSERT INTO services (clinic_id, id, name, duration_minutes, buffer_before_minutes, buffer_after_minutes,
              price_minor, active)
            VALUES (${s.clinicId}, ${s.id}, ${s.name}, ${s.durationMinutes}, ${s.bufferBeforeMinutes},
              ${s.bufferAfterMinutes}, ${s.priceMinor}, ${dialect.bool(s.active)})`,
          { foreignKey: () => crossClinic("clinicId") }
        ),
        serviceLinks(s)
      )).pipe(Effect.catchTag("SqlError", Effect.die)),
    updateService: (s) =>
      atomically(Effect.zipRight(
        orDie(sql`UPDATE services SET name = ${s.name}, duration_minutes = ${s.durationMinutes},
            buffer_before_minutes = ${s.bufferBeforeMinutes}, buffer_after_minutes = ${s.bufferAfterMinutes},
            price_minor = ${s.priceMinor}, active = ${dialect.bool(s.active)}, version = version + 1
          WHERE clinic_id = ${s.clinicId} AND id = ${s.id}`),
        serviceLinks(s)
      )).pipe(Effect.catchTag("SqlError", Effect.die)),
    findService: (clinicId, id) =>
      orDie(sql`SELECT * FROM services WHERE clinic_id = ${clinicId} AND id = ${id}`).pipe(
        Effect.flatMap((rows) => hydrateServices(clinicId, rows)),
        Effect.map((services) => Option.fromNullable(services[0]))
      ),
    listServices: (clinicId, filter) =>
      byName("services", clinicId, filter).pipe(Effect.flatMap((rows) => hydrateServices(clinicId, rows))),
    insertRoom: (r) =>
      guard(
        sql`INSERT INTO rooms (clinic_id, id, name, kind, active)
          VALUES (${r.clinicId}, ${r.id}, ${r.name}, ${r.kind}, ${dialect.bool(r.active)})`,
        { foreignKey: () => crossClinic("clinicId") }
      ).pipe(Effect.asVoid),
    updateRoom: (r) =>
      guard(
        sql`UPDATE rooms SET name = ${r.name}, kind = ${r.kind}, active = ${dialect.bool(r.active)}
          WHERE clinic_id = ${r.clinicId} AND id = ${r.id}`
      ).pipe(Effect.asVoid),
    findRooms: (clinicId, ids) =>
      ids.length === 0
        ? Effect.succeed([])
        : orDie(sql`SELECT * FROM rooms WHERE clinic_id = ${clinicId} AND id IN ${sql.in(unique(ids))} ORDER BY name, id`)
          .pipe(Effect.map(allRooms)),
    listRooms: (clinicId, filter) => byName("rooms", clinicId, filter).pipe(Effect.map(allRooms))
  }
}
