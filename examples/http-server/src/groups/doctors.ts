/** Doctors, their working hours and the clinic's holidays. */
import { Doctor, Doctors, Schedule, Schedules } from "@clinicore/core"
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { apiOf, IdPath, staffGroup, wire } from "../Http.js"

const ActiveFilter = Schema.Struct({ active: Schema.optionalWith(Schema.BooleanFromString, { exact: true }) })

export const group = staffGroup("doctors", "Doctors, working hours and holidays")
  .add(HttpApiEndpoint.post("create", "/doctors").setPayload(wire(Doctor.CreateDoctor)).addSuccess(Doctor.Doctor, { status: 201 }))
  .add(HttpApiEndpoint.get("list", "/doctors").setUrlParams(ActiveFilter).addSuccess(Schema.Array(Doctor.Doctor)))
  .add(HttpApiEndpoint.get("get", "/doctors/:id").setPath(IdPath).addSuccess(Doctor.Doctor))
  .add(
    HttpApiEndpoint.patch("update", "/doctors/:id").setPath(IdPath).setPayload(wire(Doctor.UpdateDoctor).pipe(Schema.omit("id")))
      .addSuccess(Doctor.Doctor)
  )
  .add(HttpApiEndpoint.post("deactivate", "/doctors/:id/deactivate").setPath(IdPath).addSuccess(Doctor.Doctor))
  .add(HttpApiEndpoint.del("delete", "/doctors/:id").setPath(IdPath))
  .add(HttpApiEndpoint.get("schedule", "/doctors/:id/schedule").setPath(IdPath).addSuccess(Schedule.DoctorRules))
  .add(
    HttpApiEndpoint.put("setSchedule", "/doctors/:id/schedule").setPath(IdPath).setPayload(wire(Schedule.DoctorRules))
      .addSuccess(Schedule.DoctorRules)
  )
  .add(
    HttpApiEndpoint.get("holidays", "/holidays").setUrlParams(Schema.Struct({ from: Schema.String, to: Schema.String }))
      .addSuccess(Schema.Array(Schedule.Holiday))
  )
  .add(
    HttpApiEndpoint.put("setHoliday", "/holidays/:date").setPath(Schema.Struct({ date: Schema.String }))
      .setPayload(Schema.Struct({ name: Schema.String })).addSuccess(Schedule.Holiday)
  )
  .add(HttpApiEndpoint.del("removeHoliday", "/holidays/:date").setPath(Schema.Struct({ date: Schema.String })))

export const live = HttpApiBuilder.group(apiOf(group), "doctors", (handlers) =>
  Effect.gen(function*() {
    const doctors = yield* Doctors.Doctors
    const schedules = yield* Schedules.Schedules
    return handlers
      .handle("create", ({ payload }) => doctors.create(payload))
      .handle("list", ({ urlParams }) => doctors.list(urlParams))
      .handle("get", ({ path }) => doctors.get(path.id))
      .handle("update", ({ path, payload }) => doctors.update({ ...payload, id: path.id }))
      .handle("deactivate", ({ path }) => doctors.deactivate(path.id))
      .handle("delete", ({ path }) => doctors.delete(path.id))
      .handle("schedule", ({ path }) => schedules.get(path.id))
      .handle("setSchedule", ({ path, payload }) => schedules.set({ doctorId: path.id, rules: payload }))
      .handle("holidays", ({ urlParams }) => schedules.holidays(urlParams))
      .handle("setHoliday", ({ path, payload }) => schedules.setHoliday({ date: path.date, name: payload.name }))
      .handle("removeHoliday", ({ path }) => schedules.removeHoliday(path.date))
  }))
