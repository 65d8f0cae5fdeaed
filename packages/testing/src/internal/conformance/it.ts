import type { Services } from "../../Fixtures.js"
import type { AnalyticsStorage } from "@clinicore/core/AnalyticsStorage"
import type { BillingStorage } from "@clinicore/core/BillingStorage"
import type { FieldCrypto } from "@clinicore/core/FieldCrypto"
import type { Storage } from "@clinicore/core/Storage"
import type { Vitest } from "@effect/vitest"
import type { RawAccess } from "../../RawAccess.js"
import type { Twin } from "../../Twin.js"

/** The `it` every conformance file registers its tests with. */
export type SuiteIt = Vitest.MethodsNonLive<Exclude<Services, import("@clinicore/core/Actor").Actor> | Storage | BillingStorage | AnalyticsStorage | RawAccess | FieldCrypto | Twin, true>
