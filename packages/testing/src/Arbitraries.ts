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
