import { Currency } from "@clinicore/core/Clinic"
import { CreateInvoice, LineInput } from "@clinicore/core/Invoice"
import * as Money from "@clinicore/core/Money"
import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as fc from "fast-check"
import * as BillingArbitraries from "../src/BillingArbitraries.js"

describe("billing arbitraries", () => {
  it("draw valid currencies, money, line items and invoice inputs", () => {
    fc.assert(fc.property(BillingArbitraries.money(), (m) => {
      expect(Either.isRight(Schema.decodeUnknownEither(Currency)(m.currency))).toBe(true)
      expect(Number.isSafeInteger(m.amount) && m.amount >= 0).toBe(true)
      const c = Schema.decodeSync(Currency)(m.currency)
      expect(Money.fromDecimal(Money.toDecimal({ amount: m.amount, currency: c }), c)?.amount).toBe(m.amount)
    }))
    fc.assert(fc.property(BillingArbitraries.lineItem(), (line) => {
      expect(Either.isRight(Schema.decodeUnknownEither(LineInput)(line))).toBe(true)
    }))
    const patientId = "6f1c2a40-3c1e-4c5e-9a63-1a0f8b1c2d3e"
    fc.assert(fc.property(BillingArbitraries.invoiceInput(patientId), (input) => {
      expect(Either.isRight(Schema.decodeUnknownEither(CreateInvoice)(input))).toBe(true)
    }))
  })

  it("payment sequences and allocations stay within their bounds", () => {
    fc.assert(fc.property(BillingArbitraries.paymentSequence(10_000), (steps) => {
      for (const step of steps) {
        if ("amountMinor" in step) expect(step.amountMinor).toBeGreaterThanOrEqual(1)
      }
    }))
    fc.assert(fc.property(BillingArbitraries.allocation, ({ count, total }) => {
      const parts = Money.split(total, count)
      expect(parts.reduce((s, p) => s + BigInt(p), 0n)).toBe(BigInt(total))
    }), { numRuns: 200 })
  })
})
