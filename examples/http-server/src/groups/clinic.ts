/** The caller's own clinic and its settings. */
import { Clinic, Clinics } from "@clinicore/core"
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as Effect from "effect/Effect"
import { apiOf, staffGroup, wire } from "../Http.js"

export const group = staffGroup("clinic", "The caller's own clinic")
  .add(HttpApiEndpoint.get("get", "/clinic").addSuccess(Clinic.Clinic))
  .add(HttpApiEndpoint.patch("updateSettings", "/clinic/settings").setPayload(wire(Clinic.ClinicSettingsPatch)).addSuccess(Clinic.Clinic))

export const live = HttpApiBuilder.group(apiOf(group), "clinic", (handlers) =>
  Effect.gen(function*() {
    const clinics = yield* Clinics.Clinics
    return handlers
      .handle("get", () => clinics.get())
      .handle("updateSettings", ({ payload }) => clinics.updateSettings(payload))
  }))
