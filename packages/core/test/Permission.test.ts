import { describe, expect, it } from "@effect/vitest"
import { builtInKeys, defaultAllows, defaultGrants, libraryKeys, seedKeys } from "../src/Permission.js"

describe("permission catalogue and default matrix", () => {
  it("has the seed's 54 keys plus the library's own, each once", () => {
    expect(seedKeys.length).toBe(54)
    expect(new Set(builtInKeys).size).toBe(54 + libraryKeys.length)
  })

  it("grants doctor 23, receptionist 16 and nurse 15 of the seed keys", () => {
    const seedCount = (role: keyof typeof defaultGrants) =>
      defaultGrants[role].filter((k) => (seedKeys as ReadonlyArray<string>).includes(k)).length
    expect([seedCount("doctor"), seedCount("receptionist"), seedCount("nurse")]).toEqual([23, 16, 15])
  })

  it("grants the library keys as the design says", () => {
    const library = (role: keyof typeof defaultGrants) =>
      defaultGrants[role].filter((k) => (libraryKeys as ReadonlyArray<string>).includes(k)).sort()
    expect(library("doctor")).toEqual(["reminders.view", "schedules.view"])
    expect(library("nurse")).toEqual(["reminders.view", "schedules.view"])
    expect(library("receptionist")).toEqual(["reminders.create", "reminders.edit", "reminders.view", "schedules.view"])
  })

  it("admin holds every key; other roles only what they are granted", () => {
    for (const key of builtInKeys) expect(defaultAllows("admin", key)).toBe(true)
    expect(defaultAllows("nurse", "billing.view")).toBe(false)
    expect(defaultAllows("receptionist", "billing.view")).toBe(true)
  })
})
