/**
 * One page of a list: at most `limit` items (default 100, maximum 500) after skipping `offset`, in
 * the list's stable order. Every list operation takes one, so no call returns an unbounded answer.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/** The most items one page holds. @since 0.1.0 @category limits */
export const MAX_LIMIT = 500

/** @since 0.1.0 @category inputs */
export const Page = Schema.Struct({
  limit: Schema.optionalWith(Schema.Int.pipe(Schema.between(1, MAX_LIMIT)), { default: () => 100 }),
  offset: Schema.optionalWith(Schema.Int.pipe(Schema.between(0, 1_000_000)), { default: () => 0 })
})

/** @since 0.1.0 @category inputs */
export type Page = typeof Page.Type

/** A page as a storage port takes it: absent for the library's own unbounded internal reads. @since 0.1.0 @category models */
export interface Window {
  readonly limit?: number | undefined
  readonly offset?: number | undefined
}
