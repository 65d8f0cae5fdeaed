/**
 * The main flow through the CLI, the same on SQLite and on Postgres: init → seed → slots → book →
 * reschedule → cancel → complete → invoice → pay → reminders dispatch → audit verify → export
 * patients → import them into a second clinic.
 */
import { randomBytes } from "node:crypto"
import { join } from "node:path"
import { expect } from "vitest"
import { json, root, run } from "./cli.js"

export const mainFlow = async (env: NodeJS.ProcessEnv) => {
  const cli = async <A = any>(...args: Array<string>) => json<A>(await run([...args, "--json"], env))

  const init = await cli("init")
  expect(init.clinic).toBeUndefined()

  const seeded = await cli("seed", "--slug", "flow", "--patients", "6", "--appointments", "6")
  expect(seeded).toMatchObject({ doctors: 3, services: 3, patients: 6, appointments: 6 })
  // The platform's listing: the seeded clinic (on Postgres, through its own row-level security policy).
  const clinics = await cli<Array<{ slug: string; active: boolean }>>("clinic", "list")
  expect(clinics).toEqual([expect.objectContaining({ slug: "flow", active: true })])
  const scope = { ...env, CLINICORE_CLINIC: "flow", CLINICORE_AS: seeded.admin.email }
  const act = async <A = any>(...args: Array<string>) => json<A>(await run([...args, "--json"], scope))

  const doctors = await act<Array<{ id: string; name: string }>>("doctor", "list")
  expect(doctors).toHaveLength(3)
  const services = await act<Array<{ id: string; name: string; priceMinor: number }>>("service", "list")
  const checkup = services.find((s) => s.name === "Check-up")!
  const patient = await act<{ id: string; phone: string }>("patient", "create", "--name", "Flo Flow", "--phone", "+1 415 555 0199")
  expect(patient.phone).toBe("+14155550199")
  expect((await act<Array<{ id: string }>>("patient", "search", "--text", "Flo")).map((p) => p.id)).toEqual([patient.id])

  // A new doctor with weekend hours and a break, offering the check-up.
  const extra = await act<{ id: string }>("doctor", "create", "--name", "Dr Wendy Weekend", "--specialty", "General practice")
  const hours = await act<{ weekly: Array<{ weekday: number }>; breaks: Array<unknown> }>(
    "hours", extra.id, "--weekday", "6", "--weekday", "7", "--start", "10:00", "--end", "14:00", "--break", "12:00-12:30"
  )
  expect(hours.weekly.map((w) => w.weekday)).toEqual([6, 7])
  expect(hours.breaks).toHaveLength(2)
  const weekend = await act<Array<{ start: number }>>("slots", "--service", checkup.id, "--doctor", extra.id, "--limit", "500")
  expect(weekend.length).toBeGreaterThan(0)
  expect(weekend.every((s) => [0, 6].includes(new Date(s.start).getUTCDay()))).toBe(true)

  // Staff: a pending signup approved, listed, then deactivated.
  const nurse = await act<{ id: string; status: string }>(
    "staff", "create", "--name", "Nia Nurse", "--email", "nia@flow.example", "--role", "nurse", "--pending"
  )
  expect(nurse.status).toBe("pending")
  expect((await act<{ status: string }>("staff", "approve", nurse.id)).status).toBe("active")
  expect((await act<Array<{ id: string }>>("staff", "list", "--role", "nurse", "--status", "active")).map((s) => s.id)).toEqual([nurse.id])
  expect((await act<{ status: string }>("staff", "deactivate", nurse.id)).status).toBe("inactive")

  const doctorId = doctors[0]!.id
  const slots = await act<Array<{ doctorId: string; start: number; end: number }>>(
    "slots", "--service", checkup.id, "--doctor", doctorId
  )
  expect(slots.length).toBeGreaterThan(10)
  expect(slots.every((s) => s.doctorId === doctorId)).toBe(true)

  const booked = await act<{ id: string; status: string; start: number }>(
    "book", "--doctor", doctorId, "--patient", patient.id, "--service", checkup.id, "--start", String(slots[0]!.start)
  )
  expect(booked).toMatchObject({ status: "scheduled", start: slots[0]!.start })
  // The slot is gone from availability.
  const after = await act<Array<{ start: number }>>("slots", "--service", checkup.id, "--doctor", doctorId)
  expect(after.map((s) => s.start)).not.toContain(slots[0]!.start)

  const target = after[after.length - 1]!.start
  const moved = await act<{ id: string; start: number; status: string }>(
    "reschedule", booked.id, "--start", new Date(target).toISOString()
  )
  expect(moved).toMatchObject({ id: booked.id, start: target })
  const cancelled = await act<{ status: string }>("cancel", booked.id, "--reason", "patient called")
  expect(cancelled.status).toBe("cancelled")

  // A second appointment, seen and completed, is invoiced and paid.
  const seen = await act<{ id: string }>(
    "book", "--doctor", doctorId, "--patient", patient.id, "--service", checkup.id, "--start", String(slots[0]!.start)
  )
  expect((await act<{ status: string }>("status", seen.id, "completed")).status).toBe("completed")
  const invoice = await act<{ id: string; status: string; number: string | null; totalMinor: number }>(
    "invoice", "create", "--appointment", seen.id
  )
  expect(invoice).toMatchObject({ status: "draft", number: null, totalMinor: checkup.priceMinor })
  const issued = await act<{ status: string; number: string | null; balanceMinor: number }>("invoice", "issue", invoice.id)
  expect(issued.status).toBe("issued")
  expect(issued.number).not.toBeNull()
  const payment = await act<{ status: string; amountMinor: number }>(
    "pay", "--invoice", invoice.id, "--amount", String(issued.balanceMinor), "--method", "card"
  )
  expect(payment).toMatchObject({ status: "paid", amountMinor: checkup.priceMinor })

  // Seeded bookings inside 24 hours are late for their 24 h reminder: the dispatcher sends them now.
  const dispatched = await cli<{ rounds: number; sent: number; claimed: number }>("reminders", "dispatch", "--until-idle")
  expect(dispatched.sent).toBeGreaterThan(0)
  expect(dispatched.claimed).toBe(dispatched.sent)
  const again = await cli<{ rounds: number; claimed: number }>("reminders", "dispatch")
  expect(again).toMatchObject({ rounds: 1, claimed: 0 })

  const verified = await act<{ ok: boolean; events: number }>("audit", "verify")
  expect(verified.ok).toBe(true)
  expect(verified.events).toBeGreaterThan(20)

  // The clinic's patients exported to a file (streamed) and imported into a second clinic.
  const out = join(root, ".tmp", "cli-test", `flow-${randomBytes(6).toString("hex")}.csv`)
  const exported = await act<{ rows: number; file: string }>("export", "patients", "--out", out)
  expect(exported).toMatchObject({ rows: 7, file: out })
  const moved2 = await cli("clinic", "create", "--name", "Moved", "--slug", "moved", "--admin-name", "Mo Moved", "--admin-email", "mo@moved.example")
  const inMoved = { ...env, CLINICORE_CLINIC: "moved", CLINICORE_AS: moved2.admin.email }
  const imported = json<{ created: number; rejected: Array<unknown> }>(await run(["import", "patients", out, "--json"], inMoved))
  expect(imported).toMatchObject({ created: 7, rejected: [] })
  const names = (ps: Array<{ fullName: string; phone: string }>) => ps.map((p) => `${p.fullName} ${p.phone}`).sort()
  const there = json<Array<{ fullName: string; phone: string }>>(await run(["patient", "search", "--json"], inMoved))
  expect(names(there)).toEqual(names(await act("patient", "search")))
  return { seeded, dispatched }
}
