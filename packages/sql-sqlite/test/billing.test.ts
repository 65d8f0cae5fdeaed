/**
 * Gap-free invoice numbers under load on SQLite: 100 concurrent issues (and 20 second attempts
 * that fail after drawing a number) in one clinic, spread over four more connections (four
 * `ClinicoreSqlite.layer`s) to the same file, each with its own `Billing` service. The rest of the
 * billing guarantees are part of the conformance suite.
 */
import * as Billing from "@clinicore/core/Billing"
import * as Clinicore from "@clinicore/core/Clinicore"
import { FieldCrypto } from "@clinicore/core/FieldCrypto"
import * as Conformance from "@clinicore/testing/Conformance"
import { layer } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { ClinicoreSqlite } from "../src/index.js"
import { freshFile, makeTestLayer } from "./utils/layer.js"

const filename = freshFile()

layer(makeTestLayer(filename), { timeout: "120 seconds", excludeTestServices: true })("SQLite invoice numbering", (it) => {
  it.layer(Clinicore.layer)((it) => {
    it.effect("100 concurrent issues in one clinic over 4 more connections: numbers 1…100, contiguous, no duplicates, no defect", () =>
      Effect.gen(function*() {
        const fieldCrypto = yield* FieldCrypto
        // Four more connections to the file, as four processes would open, each with its own service.
        const services = yield* Effect.forEach([1, 2, 3, 4], () =>
          Effect.map(
            Layer.build(Billing.layer.pipe(
              Layer.provide(ClinicoreSqlite.layer({ filename })),
              Layer.provide(Layer.succeed(FieldCrypto, fieldCrypto))
            )),
            (context) => Context.get(context, Billing.Billing)
          ))
        yield* Conformance.concurrentIssues((fixture, invoiceId, i) => services[i % 4]!.issueInvoice(invoiceId).pipe(fixture.asAdmin))
      }).pipe(Effect.scoped), { timeout: 120_000 })
  })
})
