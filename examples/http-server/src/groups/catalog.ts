/** Services (appointment types) and rooms or equipment. */
import { Catalog, CatalogItem } from "@clinicore/core"
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { apiOf, IdPath, staffGroup, wire } from "../Http.js"

const ActiveFilter = Schema.Struct({ active: Schema.optionalWith(Schema.BooleanFromString, { exact: true }) })

export const group = staffGroup("catalog", "Services and rooms")
  .add(
    HttpApiEndpoint.post("createService", "/services").setPayload(wire(CatalogItem.CreateService))
      .addSuccess(CatalogItem.ClinicService, { status: 201 })
  )
  .add(HttpApiEndpoint.get("listServices", "/services").setUrlParams(ActiveFilter).addSuccess(Schema.Array(CatalogItem.ClinicService)))
  .add(
    HttpApiEndpoint.patch("updateService", "/services/:id").setPath(IdPath)
      .setPayload(wire(CatalogItem.UpdateService).pipe(Schema.omit("id"))).addSuccess(CatalogItem.ClinicService)
  )
  .add(HttpApiEndpoint.post("createRoom", "/rooms").setPayload(wire(CatalogItem.CreateRoom)).addSuccess(CatalogItem.Room, { status: 201 }))
  .add(HttpApiEndpoint.get("listRooms", "/rooms").setUrlParams(ActiveFilter).addSuccess(Schema.Array(CatalogItem.Room)))
  .add(
    HttpApiEndpoint.patch("updateRoom", "/rooms/:id").setPath(IdPath).setPayload(wire(CatalogItem.UpdateRoom).pipe(Schema.omit("id")))
      .addSuccess(CatalogItem.Room)
  )

export const live = HttpApiBuilder.group(apiOf(group), "catalog", (handlers) =>
  Effect.gen(function*() {
    const catalog = yield* Catalog.Catalog
    return handlers
      .handle("createService", ({ payload }) => catalog.createService(payload))
      .handle("listServices", ({ urlParams }) => catalog.listServices(urlParams))
      .handle("updateService", ({ path, payload }) => catalog.updateService({ ...payload, id: path.id }))
      .handle("createRoom", ({ payload }) => catalog.createRoom(payload))
      .handle("listRooms", ({ urlParams }) => catalog.listRooms(urlParams))
      .handle("updateRoom", ({ path, payload }) => catalog.updateRoom({ ...payload, id: path.id }))
  }))
