/** Platform operations (the host's own credential, `CLINICORE_PLATFORM_TOKEN`): clinics themselves. */
import { Clinic, Clinics, StaffAccount } from "@clinicore/core"
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import * as OpenApi from "@effect/platform/OpenApi"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { apiOf, BadRequest, ConflictError, Forbidden, IdPath, NotFoundError, PlatformAuthentication, wire } from "../Http.js"

const Created = Schema.Struct({ clinic: Clinic.Clinic, admin: StaffAccount.StaffAccount })

export const group = HttpApiGroup.make("platform")
  .addError(BadRequest)
  .addError(Forbidden)
  .addError(NotFoundError)
  .addError(ConflictError)
  .add(HttpApiEndpoint.get("listClinics", "/platform/clinics").addSuccess(Schema.Array(Clinic.Clinic)))
  .add(HttpApiEndpoint.post("createClinic", "/platform/clinics").setPayload(wire(Clinics.CreateClinic)).addSuccess(Created, { status: 201 }))
  .add(HttpApiEndpoint.post("activate", "/platform/clinics/:id/activate").setPath(IdPath).addSuccess(Clinic.Clinic))
  .add(HttpApiEndpoint.post("deactivate", "/platform/clinics/:id/deactivate").setPath(IdPath).addSuccess(Clinic.Clinic))
  .add(
    HttpApiEndpoint.post("restoreAdmin", "/platform/clinics/:id/restore-admin").setPath(IdPath)
      .setPayload(wire(Clinics.RestoreAdmin).pipe(Schema.omit("clinicId")))
      .addSuccess(StaffAccount.StaffAccount)
  )
  .middleware(PlatformAuthentication)
  .annotate(OpenApi.Description, "Platform operations: the host's own credential (CLINICORE_PLATFORM_TOKEN)")

export const live = HttpApiBuilder.group(apiOf(group), "platform", (handlers) =>
  Effect.gen(function*() {
    const clinics = yield* Clinics.Clinics
    return handlers
      .handle("listClinics", () => clinics.list())
      .handle("createClinic", ({ payload }) => clinics.create(payload))
      .handle("activate", ({ path }) => clinics.activate(path.id))
      .handle("deactivate", ({ path }) => clinics.deactivate(path.id))
      .handle("restoreAdmin", ({ path, payload }) => clinics.restoreAdmin({ ...payload, clinicId: path.id }))
  }))
