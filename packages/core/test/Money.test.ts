import { describe, expect, it } from "@effect/vitest"
import * as Schema from "effect/Schema"
import * as fc from "fast-check"
import { Currency } from "../src/Clinic.js"
import { addDays, addMonths, deriveStatus, formatNumber, totals } from "../src/Invoice.js"
import * as Money from "../src/Money.js"
import { cover, schedule } from "../src/PaymentPlan.js"

const currency = (code: string) => Schema.decodeSync(Currency)(code)

describe("money", () => {
  it("takes each currency's exponent from ISO 4217 data", () => {
    expect(["JPY", "USD", "KWD", "CLP", "BHD"].map((c) => Money.exponent(currency(c)))).toEqual([0, 2, 3, 0, 3])
    expect(Money.toDecimal({ amount: 12300, currency: currency("USD") })).toBe("123.00")
    expect(Money.toDecimal({ amount: 5, currency: currency("USD") })).toBe("0.05")
    expect(Money.toDecimal({ amount: 500, currency: currency("JPY") })).toBe("500")
    expect(Money.toDecimal({ amount: 1250, currency: currency("KWD") })).toBe("1.250")
    expect(Money.format({ amount: 123456, currency: currency("USD") })).toBe("$1,234.56")
    expect(Money.format({ amount: 500, currency: currency("JPY") }, "ja-JP")).toBe("￥500")
    // Intl separates the code with a no-break space.
    expect(Money.format({ amount: 1250, currency: currency("KWD") }).replace(/\s/g, " ")).toBe("KWD 1.250")
  })

  it("reads decimals exactly and refuses more digits than the currency has", () => {
    expect(Money.fromDecimal("50.5", currency("USD"))).toEqual({ amount: 5050, currency: "USD" })
    expect(Money.fromDecimal("0.1", currency("KWD"))?.amount).toBe(100)
    expect(Money.fromDecimal("1.005", currency("USD"))).toBeUndefined()
    expect(Money.fromDecimal("1.5", currency("JPY"))).toBeUndefined()
    fc.assert(fc.property(fc.integer({ min: -1e12, max: 1e12 }), fc.constantFrom("USD", "JPY", "KWD"), (amount, code) => {
      const m = { amount, currency: currency(code) }
      expect(Money.fromDecimal(Money.toDecimal(m), m.currency)).toEqual(m)
    }))
  })

  it("rounds exactly, half up or half to even", () => {
    expect([5n, 15n, 25n, -15n].map((n) => Money.divideRounded(n, 10n, "half_up"))).toEqual([1n, 2n, 3n, -2n])
    expect([5n, 15n, 25n, -15n].map((n) => Money.divideRounded(n, 10n, "half_even"))).toEqual([0n, 2n, 2n, -2n])
    expect(Money.percentage(13000, 1000, "half_up")).toBe(1300)
    // No float on the way: 1.005 × 100 would be 100.49999… as a float.
    expect(Money.percentage(100_5, 10_000, "half_up")).toBe(1005)
  })

  it("allocates by largest remainder: 100.00 in three is 33.33, 33.33, 33.34", () => {
    expect(Money.split(10000, 3)).toEqual([3333, 3333, 3334])
    expect(Money.allocate(100, [1, 1, 2])).toEqual([25, 25, 50])
    expect(Money.allocate(10, [3, 3, 3])).toEqual([3, 3, 4])
    expect(Money.allocate(0, [1, 2])).toEqual([0, 0])
  })

  it("property: for random totals, currencies and counts, parts sum to the total and differ by at most one unit", () => {
    fc.assert(fc.property(
      fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
      fc.integer({ min: 1, max: 120 }),
      fc.constantFrom("USD", "JPY", "KWD", "EUR"),
      (total, count, code) => {
        const parts = Money.split(total, count)
        expect(parts.length).toBe(count)
        expect(parts.reduce((s, p) => s + BigInt(p), 0n)).toBe(BigInt(total))
        expect(Math.max(...parts) - Math.min(...parts)).toBeLessThanOrEqual(1)
        // Shown in the currency's digits, the parts add up to the total's display too.
        const shown = parts.map((p) => Money.fromDecimal(Money.toDecimal({ amount: p, currency: currency(code) }), currency(code))!.amount)
        expect(shown).toEqual(parts)
      }
    ), { numRuns: 300 })
    fc.assert(fc.property(
      fc.integer({ min: 0, max: 1e12 }),
      fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 20 }).filter((w) => w.some((x) => x > 0)),
      (total, weights) => {
        const parts = Money.allocate(total, weights)
        expect(parts.reduce((s, p) => s + p, 0)).toBe(total)
        const sum = weights.reduce((s, w) => s + w, 0)
        // Each part is within one unit of its exact share, and a zero weight gets nothing.
        parts.forEach((p, i) => {
          expect(Math.abs(p - (total * weights[i]!) / sum)).toBeLessThan(1 + 1e-6 * total)
          if (weights[i] === 0) expect(p).toBe(0)
        })
      }
    ))
  })
})

describe("invoice rules", () => {
  it("computes totals: 2 × 50.00 + 1 × 30.00, tax 10 %, discount 20.00", () => {
    const lines = [{ quantity: 2, unitPriceMinor: 5000 }, { quantity: 1, unitPriceMinor: 3000 }]
    expect(totals(lines, 1000, 2000, { mode: "half_up", scope: "invoice" })).toEqual({ subtotalMinor: 13000, taxMinor: 1300, totalMinor: 12300 })
    expect(totals(lines, 1000, 20000, { mode: "half_up", scope: "invoice" })?.totalMinor).toBe(0)
    expect(totals([{ quantity: 2, unitPriceMinor: Number.MAX_SAFE_INTEGER }], 0, 0, { mode: "half_up", scope: "invoice" })).toBeUndefined()
  })

  it("derives the status from the ledger", () => {
    const ledger = (paidMinor: number, refundedMinor = 0, creditedMinor = 0) => ({ paidMinor, refundedMinor, creditedMinor })
    expect(deriveStatus("issued", 10000, ledger(0))).toBe("issued")
    expect(deriveStatus("issued", 10000, ledger(4000))).toBe("partially_paid")
    expect(deriveStatus("issued", 10000, ledger(10000))).toBe("paid")
    expect(deriveStatus("issued", 10000, ledger(10000, 6000))).toBe("partially_paid")
    expect(deriveStatus("issued", 10000, ledger(10000, 10000))).toBe("issued")
    expect(deriveStatus("issued", 10000, ledger(0, 0, 10000))).toBe("credited")
    expect(deriveStatus("issued", 10000, ledger(3000, 0, 7000))).toBe("paid")
    expect(deriveStatus("issued", 0, ledger(0))).toBe("paid")
    expect(deriveStatus("draft", 10000, ledger(0))).toBe("draft")
    expect(deriveStatus("void", 10000, ledger(0))).toBe("void")
  })

  it("formats numbers and dates", () => {
    expect(formatNumber("INV-{YYYY}-{SEQ:4}", 2026, 1)).toBe("INV-2026-0001")
    expect(formatNumber("F{YY}/{SEQ}", 2026, 12345)).toBe("F26/12345")
    expect(addDays("2026-12-15", 30)).toBe("2027-01-14")
    expect(addMonths("2030-01-31", 1)).toBe("2030-02-28")
    expect(addMonths("2032-01-31", 1)).toBe("2032-02-29")
    expect(schedule(10000, 3, "2030-01-31", { months: 1 }).map((i) => [i.dueDate, i.amountMinor])).toEqual([
      ["2030-01-31", 3333],
      ["2030-02-28", 3333],
      ["2030-03-31", 3334]
    ])
    expect(cover(schedule(10000, 3, "2030-01-31", { months: 1 }), 5000).map((i) => [i.paidMinor, i.status])).toEqual([
      [3333, "paid"],
      [1667, "open"],
      [0, "open"]
    ])
  })
})
