/**
 * A second, independent `Storage` over the same database, as another process sharing it would
 * have (its own connections, no shared memory). Adapter test setups provide it so the conformance
 * suite can check that a change made through one is seen by the other on its very next call.
 *
 * @since 0.1.0
 */
import type { BillingStorage } from "@clinicore/core/BillingStorage"
import type { Storage } from "@clinicore/core/Storage"
import * as Context from "effect/Context"

/** @since 0.1.0 @category models */
export interface Twin {
  readonly storage: Storage
  /** The billing port on the same connections as `storage`. */
  readonly billing: BillingStorage
}

/** @since 0.1.0 @category tags */
export const Twin: Context.Tag<Twin, Twin> = Context.GenericTag<Twin>("@clinicore/testing/Twin")
