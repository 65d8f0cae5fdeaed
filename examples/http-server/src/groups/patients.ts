/** Patients. A national id is looked up in a request body, never in a URL (URLs end up in logs). */
import { Patient, Patients } from "@clinicore/core"
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { apiOf, IdPath, staffGroup, wire } from "../Http.js"

const Search = Schema.Struct({
  text: Schema.optional(Schema.String),
  limit: Schema.optional(Schema.NumberFromString),
  offset: Schema.optional(Schema.NumberFromString)
})

export const group = staffGroup("patients", "Patients")
  .add(HttpApiEndpoint.post("create", "/patients").setPayload(wire(Patient.CreatePatient)).addSuccess(Patient.Patient, { status: 201 }))
  .add(HttpApiEndpoint.get("search", "/patients").setUrlParams(Search).addSuccess(Schema.Array(Patient.Patient)))
  .add(
    HttpApiEndpoint.post("findByNationalId", "/patients/lookup").setPayload(Schema.Struct({ nationalId: Schema.String }))
      .addSuccess(Schema.Struct({ patient: Schema.NullOr(Patient.Patient) }))
  )
  .add(HttpApiEndpoint.get("get", "/patients/:id").setPath(IdPath).addSuccess(Patient.Patient))
  .add(
    HttpApiEndpoint.patch("update", "/patients/:id").setPath(IdPath).setPayload(wire(Patient.UpdatePatient).pipe(Schema.omit("id")))
      .addSuccess(Patient.Patient)
  )
  .add(
    HttpApiEndpoint.post("block", "/patients/:id/block").setPath(IdPath).setPayload(Schema.Struct({ reason: Schema.String }))
      .addSuccess(Patient.Patient)
  )
  .add(HttpApiEndpoint.post("unblock", "/patients/:id/unblock").setPath(IdPath).addSuccess(Patient.Patient))
  .add(HttpApiEndpoint.del("delete", "/patients/:id").setPath(IdPath))

export const live = HttpApiBuilder.group(apiOf(group), "patients", (handlers) =>
  Effect.gen(function*() {
    const patients = yield* Patients.Patients
    return handlers
      .handle("create", ({ payload }) => patients.create(payload))
      .handle("search", ({ urlParams }) => patients.search(urlParams))
      .handle("findByNationalId", ({ payload }) =>
        Effect.map(patients.findByNationalId(payload.nationalId), (p) => ({ patient: Option.getOrNull(p) })))
      .handle("get", ({ path }) => patients.get(path.id))
      .handle("update", ({ path, payload }) => patients.update({ ...payload, id: path.id }))
      .handle("block", ({ path, payload }) => patients.block({ id: path.id, reason: payload.reason }))
      .handle("unblock", ({ path }) => patients.unblock(path.id))
      .handle("delete", ({ path }) => patients.delete(path.id))
  }))
