/**
 * A clinic is a tenant: every other record belongs to exactly one clinic.
 *
 * @since 0.1.0
 */
import * as currencyCodes from "currency-codes"
import { isSupportedCountry } from "libphonenumber-js"
import * as Schema from "effect/Schema"
import { ClinicId } from "./Ids.js"

const isTimeZone = (s: string): boolean => {
  try {
    // Throws RangeError for anything that is not an IANA zone (or an alias of one).
    new Intl.DateTimeFormat("en-US", { timeZone: s })
    return s.includes("/") || s === "UTC"
  } catch {
    return false
  }
}

/**
 * An IANA time zone name such as `Europe/London`. Validated against the runtime's tz database.
 *
 * @since 0.1.0 @category models
 */
export const TimeZone = Schema.String.pipe(
  Schema.filter(isTimeZone, { message: () => "must be an IANA time zone such as Europe/London" }),
  Schema.brand("TimeZone")
)
/** @since 0.1.0 @category models */
export type TimeZone = typeof TimeZone.Type

/**
 * An active ISO 4217 currency code (`USD`, `JPY`, `KWD`); exponents come from the same data.
 *
 * @since 0.1.0 @category models
 */
export const Currency = Schema.String.pipe(
  Schema.filter((s) => /^[A-Z]{3}$/.test(s) && currencyCodes.code(s) !== undefined, {
    message: () => "must be an ISO 4217 currency code such as USD"
  }),
  Schema.brand("Currency")
)
/** @since 0.1.0 @category models */
export type Currency = typeof Currency.Type

/** Minor-unit exponent of a currency (JPY 0, USD 2, KWD 3). @since 0.1.0 @category money */
export const currencyExponent = (currency: Currency): number => currencyCodes.code(currency)?.digits ?? 2

/** A two-letter region used to read phone numbers written without a country code. @since 0.1.0 @category models */
export const PhoneRegion = Schema.String.pipe(
  Schema.filter((s) => /^[A-Z]{2}$/.test(s) && isSupportedCountry(s), {
    message: () => "must be a two-letter region code such as US"
  })
)

/** Globally unique, URL-safe clinic handle. @since 0.1.0 @category models */
export const ClinicSlug = Schema.String.pipe(
  Schema.pattern(/^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/, {
    message: () => "must be 1–64 characters of a-z, 0-9 and inner hyphens"
  })
)

/** @since 0.1.0 @category models */
export const ClinicName = Schema.Trim.pipe(
  Schema.minLength(1, { message: () => "is required" }),
  Schema.maxLength(200, { message: () => "must be at most 200 characters" })
)

const int = (min: number, max: number) =>
  Schema.Int.pipe(Schema.between(min, max, { message: () => `must be a whole number from ${min} to ${max}` }))

const settingFields = {
  /** The booking grid, in minutes. */
  slotMinutes: int(5, 240),
  /** How long before a start a booking must be made, in minutes. */
  minimumNoticeMinutes: int(0, 60 * 24 * 30),
  /** How far ahead bookings are accepted, in days. */
  bookingHorizonDays: int(1, 730),
  /** Reminder offsets before the start, in minutes. */
  reminderOffsetsMinutes: Schema.Array(int(1, 60 * 24 * 30)),
  /** Invoice number format: `{YYYY}` the issue year, `{SEQ:n}` the zero-padded sequence. */
  invoiceNumberFormat: Schema.String.pipe(
    Schema.filter((s) => /\{SEQ(:\d)?\}/.test(s), { message: () => "must contain {SEQ} or {SEQ:n}" })
  ),
  /** Credit note number format, the same placeholders as `invoiceNumberFormat`. */
  creditNoteNumberFormat: Schema.String.pipe(
    Schema.filter((s) => /\{SEQ(:\d)?\}/.test(s), { message: () => "must contain {SEQ} or {SEQ:n}" })
  ),
  /** Days from an invoice's issue to its due date, unless the invoice says otherwise. */
  invoiceDueDays: int(0, 3650),
  /**
   * What completing an appointment does for billing: nothing (`off`), a draft invoice from the
   * service's price (`draft`), or that invoice issued at once (`issue`).
   */
  autoInvoiceOnCompletion: Schema.Literal("off", "draft", "issue"),
  /** Region for phone numbers written without a country code. */
  defaultPhoneRegion: PhoneRegion,
  /** How long a public booking request holds its slot before it expires, in minutes. */
  requestHoldMinutes: int(5, 60 * 24 * 7),
  /** Public booking requests waiting for staff, at most: in the whole clinic… */
  maxPendingRequests: int(1, 10_000),
  /** …and for one phone number. */
  maxPendingRequestsPerPhone: int(1, 100),
  /** Public booking requests one phone number may make in a clinic day, whatever became of them. */
  maxRequestsPerPhonePerDay: int(1, 100)
}

/** Defaults of every clinic setting. @since 0.1.0 @category models */
export const defaultSettings = {
  slotMinutes: 15,
  minimumNoticeMinutes: 60,
  bookingHorizonDays: 90,
  reminderOffsetsMinutes: [1440, 60] as ReadonlyArray<number>,
  invoiceNumberFormat: "INV-{YYYY}-{SEQ:4}",
  creditNoteNumberFormat: "CN-{YYYY}-{SEQ:4}",
  invoiceDueDays: 30,
  autoInvoiceOnCompletion: "off" as "off" | "draft" | "issue",
  defaultPhoneRegion: "US",
  requestHoldMinutes: 60,
  maxPendingRequests: 100,
  maxPendingRequestsPerPhone: 2,
  maxRequestsPerPhonePerDay: 3
}

/**
 * Per-clinic settings. Every field has a default, so a clinic can be created without any.
 *
 * @since 0.1.0 @category models
 */
export const ClinicSettings = Schema.Struct(settingFields)
/** @since 0.1.0 @category models */
export type ClinicSettings = typeof ClinicSettings.Type

/** A partial settings change: only the given fields change. @since 0.1.0 @category models */
export const ClinicSettingsPatch = Schema.partialWith(ClinicSettings, { exact: true })
/** @since 0.1.0 @category models */
export type ClinicSettingsPatch = typeof ClinicSettingsPatch.Type

/** @since 0.1.0 @category models */
export class Clinic extends Schema.Class<Clinic>("@clinicore/core/Clinic")({
  id: ClinicId,
  name: ClinicName,
  slug: ClinicSlug,
  timeZone: TimeZone,
  currency: Currency,
  active: Schema.Boolean,
  settings: ClinicSettings,
  createdAt: Schema.Number
}) {}
