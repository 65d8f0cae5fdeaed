/**
 * Phone normalisation to E.164, with libphonenumber-js.
 *
 * @since 0.1.0
 */
import { type CountryCode, parsePhoneNumberFromString } from "libphonenumber-js/max"
import * as Either from "effect/Either"

/**
 * Normalises a typed phone number to E.164 (`+14155550101`), reading numbers written without a
 * country code in `region`. Fails with a message when the number is not a possible number.
 *
 * @since 0.1.0 @category phone
 */
export const normalizePhone = (input: string, region: string): Either.Either<string, string> => {
  const parsed = parsePhoneNumberFromString(input, { defaultCountry: region as CountryCode })
  return parsed !== undefined && parsed.isPossible()
    ? Either.right(parsed.number)
    : Either.left(`must be a phone number (numbers without a country code are read as ${region})`)
}
