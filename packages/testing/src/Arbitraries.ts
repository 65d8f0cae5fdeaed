/**
 * fast-check arbitraries for clinicore's domain, for property tests of a host's own rules.
 *
 * @since 0.1.0
 */
import * as fc from "fast-check"

/**
 * IANA zones, weighted towards the ones with unusual offsets or DST rules.
 *
 * @since 0.1.0 @category arbitraries
 */
export const timeZone: fc.Arbitrary<string> = fc.constantFrom(
  "UTC",
  "Europe/London",
  "Europe/Berlin",
  "America/New_York",
  "America/Santiago",
  "America/St_Johns",
  "Asia/Kolkata",
  "Asia/Kathmandu",
  "Australia/Lord_Howe",
  "Pacific/Chatham",
  "Pacific/Kiritimati",
  "Africa/Casablanca"
)

/** @since 0.1.0 @category arbitraries */
export const currency: fc.Arbitrary<string> = fc.constantFrom("USD", "EUR", "GBP", "JPY", "KWD", "CHF", "INR")

/** A valid clinic slug. @since 0.1.0 @category arbitraries */
export const slug: fc.Arbitrary<string> = fc
  .tuple(fc.stringMatching(/^[a-z0-9]{1,12}$/), fc.stringMatching(/^[a-z0-9]{4,8}$/))
  .map(([a, b]) => `${a}-${b}`)

const letters = fc.stringMatching(/^[A-Z][a-z]{1,11}$/)

/** A person's name: given and family name. @since 0.1.0 @category arbitraries */
export const personName: fc.Arbitrary<string> = fc.tuple(letters, letters).map(([g, f]) => `${g} ${f}`)

/**
 * A US phone number written in one of the ways people type it; all of a number's spellings
 * normalise to the same E.164 value (returned alongside).
 *
 * @since 0.1.0 @category arbitraries
 */
export const usPhone: fc.Arbitrary<{ readonly typed: string; readonly e164: string }> = fc
  .record({
    area: fc.constantFrom("212", "312", "415", "617", "702", "808"),
    exchange: fc.integer({ min: 200, max: 999 }).map(String),
    line: fc.integer({ min: 0, max: 9999 }).map((n) => String(n).padStart(4, "0")),
    style: fc.constantFrom("intl", "paren", "dots", "plain", "dashes")
  })
  .map(({ area, exchange, line, style }) => ({
    e164: `+1${area}${exchange}${line}`,
    typed: style === "intl"
      ? `+1 ${area} ${exchange} ${line}`
      : style === "paren"
      ? `(${area}) ${exchange}-${line}`
      : style === "dots"
      ? `${area}.${exchange}.${line}`
      : style === "dashes"
      ? `1-${area}-${exchange}-${line}`
      : `${area}${exchange}${line}`
  }))

/** Input for `Clinics.create`. @since 0.1.0 @category arbitraries */
export const clinicInput = fc.record({
  name: letters.map((n) => `${n} Clinic`),
  slug,
  timeZone,
  currency,
  admin: fc.record({
    name: personName,
    email: fc.tuple(fc.stringMatching(/^[a-z]{3,10}$/), fc.stringMatching(/^[a-z]{3,8}$/)).map(([u, d]) => `${u}@${d}.test`)
  })
})

/** Input for `Doctors.create`. @since 0.1.0 @category arbitraries */
export const doctorInput = fc.record({
  name: personName.map((n) => `Dr ${n}`),
  specialty: fc.constantFrom("General practice", "Dentistry", "Paediatrics", "Dermatology", "Cardiology")
})

/** An ISO date in the past (1920–2020). @since 0.1.0 @category arbitraries */
export const pastDate: fc.Arbitrary<string> = fc
  .date({ min: new Date("1920-01-01T00:00:00Z"), max: new Date("2020-12-31T00:00:00Z"), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10))

/** Input for `Patients.create` (a US phone). @since 0.1.0 @category arbitraries */
export const patientInput = fc.record(
  {
    fullName: personName,
    phone: usPhone.map((p) => p.typed),
    email: fc.stringMatching(/^[a-z]{3,10}$/).map((u) => `${u}@example.test`),
    dateOfBirth: pastDate,
    nationalId: fc.stringMatching(/^[A-Z]{2}[0-9]{6,9}$/)
  },
  { requiredKeys: ["fullName", "phone"] }
)

// ---------------------------------------------------------------------------------------------
// Scheduling

/**
 * Zones whose DST rules are unusual: half-hour shifts (Lord Howe), a :45 offset (Chatham),
 * southern-hemisphere and midnight transitions (Santiago), plus a few ordinary ones.
 *
 * @since 0.1.0 @category arbitraries
 */
export const dstZone: fc.Arbitrary<string> = fc.constantFrom(
  "Pacific/Chatham",
  "America/Santiago",
  "Europe/London",
  "Australia/Lord_Howe",
  "America/New_York",
  "Asia/Kolkata",
  "UTC"
)

/** A time of day on the quarter hour, `HH:MM`. @since 0.1.0 @category arbitraries */
export const quarterHour: fc.Arbitrary<string> = fc
  .integer({ min: 0, max: 95 })
  .map((q) => `${String(Math.floor(q / 4)).padStart(2, "0")}:${String((q % 4) * 15).padStart(2, "0")}`)

/** A weekly working window (sometimes running past midnight). @since 0.1.0 @category arbitraries */
export const weeklyWindow = fc.record({ weekday: fc.integer({ min: 1, max: 7 }), start: quarterHour, end: quarterHour })
  .filter((w) => w.start !== w.end)

/** A break, weekly. @since 0.1.0 @category arbitraries */
export const weeklyBreak = fc.record({
  _tag: fc.constant("weekly" as const),
  weekday: fc.integer({ min: 1, max: 7 }),
  start: quarterHour,
  end: quarterHour
}).filter((b) => b.start < b.end)

/**
 * Time off as whole dates within `[fromDate, fromDate + spanDays)`.
 *
 * @since 0.1.0 @category arbitraries
 */
export const timeOffDates = (fromDate: string, spanDays: number) =>
  fc.tuple(fc.nat(spanDays - 1), fc.nat(3)).map(([offset, length]) => {
    const day = (n: number) => new Date(Date.parse(`${fromDate}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10)
    return { _tag: "dates" as const, from: day(offset), to: day(offset + length) }
  })

/** A doctor's rules around `fromDate`. @since 0.1.0 @category arbitraries */
export const doctorRules = (fromDate: string, spanDays = 14) =>
  fc.record({
    weekly: fc.array(weeklyWindow, { minLength: 1, maxLength: 8 }),
    breaks: fc.array(weeklyBreak, { maxLength: 3 }),
    timeOff: fc.array(timeOffDates(fromDate, spanDays), { maxLength: 2 }),
    overrides: fc.constant([] as ReadonlyArray<{ date: string; windows: ReadonlyArray<{ start: string; end: string }> }>)
  })

/** A service's shape: duration and buffers, in minutes. @since 0.1.0 @category arbitraries */
export const serviceShape = fc.record({
  durationMinutes: fc.constantFrom(10, 15, 20, 30, 45, 60, 90),
  bufferBeforeMinutes: fc.constantFrom(0, 0, 5, 10, 15),
  bufferAfterMinutes: fc.constantFrom(0, 0, 5, 10, 15)
})

/**
 * Busy intervals (other appointments, with buffers) inside `[from, to)`.
 *
 * @since 0.1.0 @category arbitraries
 */
export const busySet = (from: number, to: number) =>
  fc.array(
    fc.record({
      start: fc.integer({ min: 0, max: Math.floor((to - from) / 300_000) }).map((n) => from + n * 300_000),
      minutes: fc.integer({ min: 5, max: 120 }),
      before: fc.constantFrom(0, 5, 10),
      after: fc.constantFrom(0, 5, 10)
    }).map((b) => ({
      id: `busy-${b.start}-${b.minutes}-${b.before}-${b.after}`,
      start: b.start,
      end: b.start + b.minutes * 60_000,
      busyStart: b.start - b.before * 60_000,
      busyEnd: b.start + b.minutes * 60_000 + b.after * 60_000
    })),
    { maxLength: 12 }
  )

/**
 * A booking request relative to a base instant: a quarter-hour start within `days` days and a
 * length.
 *
 * @since 0.1.0 @category arbitraries
 */
export const appointmentRequest = (base: number, days: number) =>
  fc.record({
    start: fc.integer({ min: 0, max: days * 96 - 1 }).map((q) => base + q * 900_000),
    minutes: fc.constantFrom(15, 30, 45, 60)
  })
