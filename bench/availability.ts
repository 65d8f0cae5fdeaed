/**
 * `pnpm bench:availability`: how long one availability query takes in the pure rule
 * (`Availability.prepare` + `Availability.slots`), one JSON line per case.
 *
 * - base cases, against a naive baseline measured in the same run (every grid start checked
 *   against every busy interval, no merging or binary search);
 * - each case with its inputs doubled, against the base case in the same run: for one doctor the
 *   range and the booked appointments (180 days, 4,000 appointments), for many doctors the doctors
 *   (100 × 31 days). The output doubles, so 2.0 means the work grows linearly.
 */
import { type Context, prepare, reasons, slots, zoned } from "@clinicore/core/Availability"
import type { DoctorRules } from "@clinicore/core/Schedule"

const zone = "Europe/London"
const DAY = 86_400_000
const MINUTE = 60_000
const service = { durationMinutes: 30, bufferBeforeMinutes: 5, bufferAfterMinutes: 5 }

const rules: DoctorRules = {
  weekly: [1, 2, 3, 4, 5, 6].flatMap((weekday) => [
    { weekday, start: "08:00", end: "12:30" },
    { weekday, start: "13:30", end: "20:00" }
  ]),
  breaks: [{ _tag: "weekly", weekday: 3, start: "10:00", end: "10:30" }],
  // Weekly rules only: dated ones would make the doubled range unlike the base range.
  timeOff: [],
  overrides: []
}

/** A doctor's context over `days` days from 2027-03-01 with `appointments` spread across it. */
const makeContext = (days: number, appointments: number, seed: number): { context: Context; from: number; to: number } => {
  const from = zoned.instant(zone, "2027-03-01", "00:00")
  const to = from + days * DAY
  let x = seed
  const random = () => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648
  const busy = Array.from({ length: appointments }, (_, i) => {
    const start = from + Math.floor(random() * days * 96) * 15 * MINUTE
    const end = start + (15 + Math.floor(random() * 4) * 15) * MINUTE
    return { id: `a${i}`, start, end, busyStart: start - 5 * MINUTE, busyEnd: end + 5 * MINUTE }
  })
  const context: Context = {
    zone,
    rules,
    holidays: [],
    busy,
    patientBusy: [],
    roomBusy: [],
    now: from - DAY,
    slotMinutes: 15,
    minimumNoticeMinutes: 60,
    bookingHorizonDays: 730,
    doctorActive: true,
    patientBlocked: false,
    serviceActive: true,
    performed: true,
    roomsActive: true
  }
  return { context, from, to }
}

const query = (doctors: ReadonlyArray<{ context: Context; from: number; to: number }>) => {
  let n = 0
  for (const d of doctors) n += slots(prepare(d.context, d.from, d.to), service).length
  return n
}

/** The naive rule: every grid start against every busy interval, no index. */
const naive = (doctors: ReadonlyArray<{ context: Context; from: number; to: number }>) => {
  let n = 0
  for (const d of doctors) {
    const p = prepare({ ...d.context, busy: [] }, d.from, d.to)
    for (let t = d.from; t < d.to; t += 15 * MINUTE) {
      const slot = { start: t, end: t + service.durationMinutes * MINUTE, ...service }
      if (reasons(p, slot).length > 0) continue
      const bs = t - 5 * MINUTE
      const be = slot.end + 5 * MINUTE
      if (d.context.busy.every((b) => b.busyEnd <= bs || b.busyStart >= be)) n++
    }
  }
  return n
}

/**
 * Times two calls alternately (so drift in machine load hits both alike) and returns the median
 * time of each, in milliseconds, after warm-up.
 */
const timePair = (a: () => number, b: () => number) => {
  for (let i = 0; i < 3; i++) {
    a()
    b()
  }
  const sa: Array<number> = []
  const sb: Array<number> = []
  const deadline = performance.now() + 3000
  while (sa.length < 7 || (performance.now() < deadline && sa.length < 300)) {
    let t = performance.now()
    a()
    sa.push(performance.now() - t)
    t = performance.now()
    b()
    sb.push(performance.now() - t)
  }
  const median = (xs: Array<number>) => xs.sort((x, y) => x - y)[Math.floor(xs.length / 2)]!
  return [median(sa), median(sb)] as const
}

const line = (name: string, value: number, baseline: number, baselineName: string, extra: Record<string, unknown> = {}) =>
  console.log(JSON.stringify({
    name,
    value: Number(value.toFixed(3)),
    unit: "ms/query",
    baseline: Number(baseline.toFixed(3)),
    baseline_name: baselineName,
    ratio: Number((value / baseline).toFixed(3)),
    ...extra
  }))

const cases = [
  { name: "1 doctor x 90 days, 2000 appointments", doctors: 1, days: 90, appointments: 2000, double: "range" },
  { name: "50 doctors x 31 days", doctors: 50, days: 31, appointments: 100, double: "doctors" }
] as const

for (const c of cases) {
  const build = (scale: number) => {
    const [doctors, days, appointments] = c.double === "range"
      ? [c.doctors, c.days * scale, c.appointments * scale]
      : [c.doctors * scale, c.days, c.appointments]
    return Array.from({ length: doctors }, (_, i) => makeContext(days, appointments, i + 1))
  }
  const base = build(1)
  const doubled = build(2)
  if (query(base) !== naive(base)) throw new Error(`${c.name}: the indexed and naive rules disagree`)
  const [baseTime, naiveTime] = timePair(() => query(base), () => naive(base))
  line(c.name, baseTime, naiveTime, "naive scan, same run", { slots: query(base) })
  const [base2, doubledTime] = timePair(() => query(base), () => query(doubled))
  line(`${c.name}, inputs doubled (${c.double})`, doubledTime, base2, "base case, same run")
}
