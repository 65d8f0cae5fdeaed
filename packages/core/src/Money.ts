/**
 * Money: an integer amount of a currency's minor units (cents, fils, yen) with its ISO 4217 code.
 * Never a float: amounts are added and split as integers, products and quotients as `bigint`, and
 * the exponent of each currency comes from the ISO 4217 data of `currency-codes` (JPY 0, USD 2,
 * KWD 3). A clinic bills in its own currency.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { type Currency, currencyExponent } from "./Clinic.js"

/** @since 0.1.0 @category models */
export interface Money {
  /** Minor units, a safe integer. */
  readonly amount: number
  readonly currency: Currency
}

/**
 * An amount in minor units: a whole number from 0 to `Number.MAX_SAFE_INTEGER`.
 *
 * @since 0.1.0 @category schemas
 */
export const MinorUnits = Schema.Number.pipe(
  Schema.filter((n) => Number.isSafeInteger(n) && n >= 0, { message: () => "must be a whole number of minor units, 0 or more" })
)

/**
 * A positive amount in minor units (payments, refunds, credit notes, expenses).
 *
 * @since 0.1.0 @category schemas
 */
export const PositiveMinorUnits = Schema.Number.pipe(
  Schema.filter((n) => Number.isSafeInteger(n) && n > 0, { message: () => "must be a whole number of minor units above 0" })
)

/**
 * How a fraction of a minor unit is rounded: `half_up` (half away from zero, the usual tax
 * rounding) or `half_even` (banker's rounding).
 *
 * @since 0.1.0 @category models
 */
export const RoundingMode = Schema.Literal("half_up", "half_even")
/** @since 0.1.0 @category models */
export type RoundingMode = typeof RoundingMode.Type

/** Number of minor-unit digits of a currency (JPY 0, USD 2, KWD 3). @since 0.1.0 @category money */
export const exponent = (currency: Currency): number => currencyExponent(currency)

/** @since 0.1.0 @category constructors */
export const make = (amount: number, currency: Currency): Money => {
  if (!Number.isSafeInteger(amount)) throw new RangeError(`money amounts are safe integers of minor units, got ${amount}`)
  return { amount, currency }
}

/** @since 0.1.0 @category constructors */
export const zero = (currency: Currency): Money => ({ amount: 0, currency })

const sameCurrency = (a: Money, b: Money) => {
  if (a.currency !== b.currency) throw new RangeError(`cannot combine ${a.currency} with ${b.currency}`)
}

/** @since 0.1.0 @category math */
export const add = (a: Money, b: Money): Money => {
  sameCurrency(a, b)
  return make(a.amount + b.amount, a.currency)
}

/** @since 0.1.0 @category math */
export const subtract = (a: Money, b: Money): Money => {
  sameCurrency(a, b)
  return make(a.amount - b.amount, a.currency)
}

/**
 * `numerator / denominator` rounded to an integer with `mode` (`denominator > 0`). Exact: both
 * are `bigint`s.
 *
 * @since 0.1.0 @category math
 */
export const divideRounded = (numerator: bigint, denominator: bigint, mode: RoundingMode): bigint => {
  if (denominator <= 0n) throw new RangeError("the denominator must be positive")
  const negative = numerator < 0n
  const n = negative ? -numerator : numerator
  const quotient = n / denominator
  const twice = (n % denominator) * 2n
  const up = twice > denominator || (twice === denominator && (mode === "half_up" || quotient % 2n === 1n))
  const magnitude = up ? quotient + 1n : quotient
  return negative ? -magnitude : magnitude
}

/**
 * `basisPoints` hundredths of a percent of `amount` minor units (1000 = 10 %), rounded with `mode`.
 *
 * @since 0.1.0 @category math
 */
export const percentage = (amount: number, basisPoints: number, mode: RoundingMode): number =>
  Number(divideRounded(BigInt(amount) * BigInt(basisPoints), 10_000n, mode))

/**
 * Splits `total` minor units in proportion to `weights` by the largest-remainder method: every part
 * gets the floor of its exact share, and the units left over go one each to the parts with the
 * largest remainders (among equal remainders, the later parts first, so 100.00 in three gives
 * 33.33, 33.33, 33.34). The parts always sum to `total` exactly; with equal weights they differ by
 * at most one minor unit.
 *
 * @since 0.1.0 @category math
 */
export const allocate = (total: number, weights: ReadonlyArray<number>): ReadonlyArray<number> => {
  if (!Number.isSafeInteger(total) || total < 0) throw new RangeError("allocate: total must be a safe integer ≥ 0")
  if (weights.length === 0) throw new RangeError("allocate: at least one weight is needed")
  if (weights.some((w) => !Number.isSafeInteger(w) || w < 0)) throw new RangeError("allocate: weights are integers ≥ 0")
  const sum = weights.reduce((s, w) => s + BigInt(w), 0n)
  if (sum === 0n) throw new RangeError("allocate: the weights must not all be zero")
  const t = BigInt(total)
  const parts = weights.map((w) => (t * BigInt(w)) / sum)
  const remainders = weights.map((w, i) => ({ i, r: (t * BigInt(w)) % sum }))
  let left = Number(t - parts.reduce((s, p) => s + p, 0n))
  remainders.sort((a, b) => (a.r === b.r ? b.i - a.i : a.r > b.r ? -1 : 1))
  for (const { i } of remainders) {
    if (left === 0) break
    parts[i] = parts[i]! + 1n
    left--
  }
  return parts.map(Number)
}

/** `total` in `count` parts as equal as possible (largest remainder). @since 0.1.0 @category math */
export const split = (total: number, count: number): ReadonlyArray<number> => {
  if (!Number.isSafeInteger(count) || count < 1) throw new RangeError("split: count must be a whole number ≥ 1")
  return allocate(total, Array.from({ length: count }, () => 1))
}

/**
 * The amount as a plain decimal string with exactly the currency's digits (`"123.00"`, `"500"`,
 * `"1.250"`), computed from the integer, never through a float.
 *
 * @since 0.1.0 @category formatting
 */
export const toDecimal = (money: Money): string => {
  const e = exponent(money.currency)
  const negative = money.amount < 0
  const digits = String(Math.abs(money.amount)).padStart(e + 1, "0")
  const whole = e === 0 ? digits : digits.slice(0, digits.length - e)
  const fraction = e === 0 ? "" : `.${digits.slice(digits.length - e)}`
  return `${negative ? "-" : ""}${whole}${fraction}`
}

/**
 * Reads a decimal string (`"50"`, `"50.5"`, `"50.50"`) as minor units of `currency`; `undefined`
 * when it is not a plain decimal or has more digits than the currency allows.
 *
 * @since 0.1.0 @category constructors
 */
export const fromDecimal = (text: string, currency: Currency): Money | undefined => {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text.trim())
  if (match === null) return undefined
  const e = exponent(currency)
  const fraction = match[3] ?? ""
  if (fraction.length > e) return undefined
  const amount = Number(`${match[1]}${match[2]}${fraction.padEnd(e, "0")}`)
  return Number.isSafeInteger(amount) ? { amount, currency } : undefined
}

/**
 * For display: the locale's currency format through `Intl.NumberFormat`, with exactly the
 * currency's minor digits (`$1,234.50`, `￥500`, `KWD 1.250`). The exact decimal string is what
 * is formatted, so no amount is ever rounded through a float.
 *
 * @since 0.1.0 @category formatting
 */
export const format = (money: Money, locale = "en-US"): string => {
  const e = exponent(money.currency)
  const formatter = new Intl.NumberFormat(locale, {
    style: "currency",
    currency: money.currency,
    minimumFractionDigits: e,
    maximumFractionDigits: e
  })
  // Intl formats a decimal string exactly (ECMA-402 NumberFormat v3, Node 19+).
  // The ES2022 lib types accept only numbers; the runtime (Node 20+) takes the string as is.
  return (formatter.format as unknown as (value: string) => string)(toDecimal(money))
}
