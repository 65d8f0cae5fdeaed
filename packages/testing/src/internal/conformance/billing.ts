/**
 * Billing on one adapter (DESIGN §8, issue 11): money and totals, validation, the ledger and the
 * statuses it gives, refunds, overpayment, payment plans, gap-free numbering (also when an issue
 * fails mid-transaction), credit notes, invoices from appointments and billing on completion,
 * idempotent payments and provider confirmations, tenancy, audit, and model-based sequences
 * (`fc.commands`). The concurrent issuers run in each adapter's own test too, over its own
 * connections, through `concurrentIssues`.
 */
import * as Actor from "@clinicore/core/Actor"
import { Audit } from "@clinicore/core/Audit"
import * as BillingModule from "@clinicore/core/Billing"
import { Billing } from "@clinicore/core/Billing"
import { BillingStorage } from "@clinicore/core/BillingStorage"
import { Catalog } from "@clinicore/core/Catalog"
import { Clinics } from "@clinicore/core/Clinics"
import { Doctors } from "@clinicore/core/Doctors"
import type { ClinicId } from "@clinicore/core/Ids"
import { deriveStatus, type Invoice, type InvoiceStatus, lifecycle } from "@clinicore/core/Invoice"
import * as Money from "@clinicore/core/Money"
import { Patients } from "@clinicore/core/Patients"
import { Scheduling } from "@clinicore/core/Scheduling"
import { Staff } from "@clinicore/core/Staff"
import { Storage } from "@clinicore/core/Storage"
import { expect } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Runtime from "effect/Runtime"
import * as fc from "fast-check"
import * as BillingArbitraries from "../../BillingArbitraries.js"
import * as Fixtures from "../../Fixtures.js"
import { RawAccess } from "../../RawAccess.js"
import type { SuiteIt } from "./it.js"

let phone = 0
const nextPhone = () => `+1 646 555 ${String(1000 + (phone++ % 9000))}`
let keys = 0
const key = (label = "k") => `${label}-${process.pid}-${keys++}`

/** A clinic billing in `currency` (UTC), with its admin. */
export const clinicIn = (label: string, currency = "USD", settings: Record<string, unknown> = {}) =>
  Effect.gen(function*() {
    const { admin, clinic } = yield* Effect.flatMap(Clinics, (c) =>
      c.create({
        name: `${label} clinic`,
        slug: Fixtures.uniqueSlug(label),
        timeZone: "UTC",
        currency,
        settings: { defaultPhoneRegion: "US", ...settings },
        admin: { name: `${label} admin`, email: `admin@${label.toLowerCase()}.test` }
      })
    ).pipe(Actor.asPlatform, Effect.orDie)
    const fixture: Fixtures.ClinicFixture = {
      clinic,
      admin,
      clinicId: clinic.id,
      asAdmin: Actor.withUser(clinic.id, admin.id),
      as: (staffId) => Actor.withUser(clinic.id, staffId)
    }
    const patient = yield* Effect.flatMap(Patients, (p) => p.create({ fullName: `${label} Patient`, phone: nextPhone() })).pipe(
      fixture.asAdmin,
      Effect.orDie
    )
    return { ...fixture, patientId: patient.id }
  })

/** Rows of a billing table (all clinics, or one), counted by SQL. */
const count = (table: string, clinicId?: string) =>
  Effect.flatMap(RawAccess, (raw) =>
    raw.execute(`SELECT count(*) AS n FROM ${table}${clinicId === undefined ? "" : " WHERE clinic_id = ?"}`, clinicId === undefined ? [] : [clinicId])
  ).pipe(Effect.map((rows) => Number(rows[0]!.n)))

const billingTables = ["invoices", "invoice_lines", "credit_notes", "payments", "refunds", "payment_plans", "payment_installments", "expenses", "billing_counters"]

const billingCounts = Effect.gen(function*() {
  const out: Record<string, number> = {}
  for (const table of billingTables) out[table] = yield* count(table)
  return out
})

const line = (description: string, quantity: number, unitPriceMinor: number) => ({ description, quantity, unitPriceMinor })

/** An issued invoice of `totalMinor` (one line, no tax). */
const issued = (patientId: string, totalMinor: number) =>
  Effect.gen(function*() {
    const billing = yield* Billing
    const draft = yield* billing.createInvoice({ patientId, lines: [line("Treatment", 1, totalMinor)] })
    return yield* billing.issueInvoice(draft.id)
  })

const pay = (invoiceId: string, amountMinor: number, extra: { readonly status?: "pending" | "paid"; readonly providerReference?: string } = {}) =>
  Effect.flatMap(Billing, (b) => b.recordPayment({ invoiceId, amountMinor, method: "card", idempotencyKey: key("pay"), ...extra }))

const statusOf = (id: string) => Effect.flatMap(Billing, (b) => b.getInvoice(id)).pipe(Effect.map((i) => i.status))

/** The ledger of an invoice as SQL sums it, independently of the library's queries. */
const sqlLedger = (invoiceId: string) =>
  Effect.gen(function*() {
    const raw = yield* RawAccess
    const [r] = yield* raw.execute(
      `SELECT
        (SELECT coalesce(sum(amount_minor), 0) FROM payments WHERE invoice_id = ? AND status IN ('paid', 'refunded')) AS paid,
        (SELECT coalesce(sum(r.amount_minor), 0) FROM refunds r JOIN payments p ON p.clinic_id = r.clinic_id AND p.id = r.payment_id
          WHERE p.invoice_id = ?) AS refunded,
        (SELECT coalesce(sum(amount_minor), 0) FROM credit_notes WHERE invoice_id = ?) AS credited`,
      [invoiceId, invoiceId, invoiceId]
    )
    return { paidMinor: Number(r!.paid), refundedMinor: Number(r!.refunded), creditedMinor: Number(r!.credited) }
  })

/** The numbers of a clinic's issued invoices, in sequence order, and how many are missing or doubled. */
const numbering = (clinicId: string) =>
  Effect.gen(function*() {
    const raw = yield* RawAccess
    const rows = yield* raw.execute(
      "SELECT sequence, number FROM invoices WHERE clinic_id = ? AND sequence IS NOT NULL ORDER BY sequence",
      [clinicId]
    )
    const [gaps] = yield* raw.execute(
      `SELECT (SELECT coalesce(max(sequence), 0) FROM invoices WHERE clinic_id = ?)
        - (SELECT count(DISTINCT sequence) FROM invoices WHERE clinic_id = ? AND sequence IS NOT NULL) AS gaps`,
      [clinicId, clinicId]
    )
    return { sequences: rows.map((r) => Number(r.sequence)), numbers: rows.map((r) => String(r.number)), gaps: Number(gaps!.gaps) }
  })

/**
 * 100 drafts of one clinic issued concurrently by `issue` (by default the `Billing` in context, as
 * the admin), plus 20 concurrent attempts to issue some of them a second time, which fail after
 * their transaction took a number: exactly 100 issues succeed, numbered 1…100 with no gap and no
 * duplicate, and no attempt ends in a defect.
 */
export const concurrentIssues = <R = never>(
  issue?: (fixture: Fixtures.ClinicFixture, invoiceId: string, i: number) => Effect.Effect<unknown, unknown, R>
) =>
  Effect.gen(function*() {
    const a = yield* clinicIn("Issue")
    const billing = yield* Billing
    const drafts = yield* Effect.forEach(
      Array.from({ length: 100 }, (_, i) => i),
      (i) => billing.createInvoice({ patientId: a.patientId, lines: [line(`Visit ${i}`, 1, 1000 + i)] }).pipe(a.asAdmin, Effect.orDie)
    )
    const attempts = [...drafts.map((d) => d.id), ...drafts.slice(0, 20).map((d) => d.id)]
    const run = (id: string, i: number): Effect.Effect<unknown, unknown, R | Billing> =>
      issue ? issue(a, id, i) : billing.issueInvoice(id).pipe(a.asAdmin)
    const exits = yield* Effect.forEach(attempts, (id, i) => Effect.exit(run(id, i)), { concurrency: "unbounded" })
    const defects = exits.flatMap((e) => (Exit.isFailure(e) && !Option.isSome(Cause.failureOption(e.cause)) ? [Cause.pretty(e.cause)] : []))
    expect(defects).toEqual([])
    const failures = exits.flatMap((e) => (Exit.isFailure(e) ? [Option.getOrThrow(Cause.failureOption(e.cause))] : []))
    expect(failures.length).toBe(20)
    for (const f of failures) expect(f).toMatchObject({ _tag: "Conflict", reason: { _tag: "invalid_transition", to: "issued" } })
    const { gaps, numbers, sequences } = yield* numbering(a.clinicId)
    expect(sequences).toEqual(Array.from({ length: 100 }, (_, i) => i + 1))
    expect(new Set(numbers).size).toBe(100)
    expect(gaps).toBe(0)
    return { clinicId: a.clinicId as ClinicId }
  })

export const billing = (it: SuiteIt, options: { readonly modelRuns?: number } = {}) => {
  it.effect("billing: 2 × 50.00 + 1 × 30.00, tax 10 %, discount 20.00 → 130.00, 13.00, 123.00; a larger discount gives 0.00", () =>
    Effect.gen(function*() {
      const a = yield* clinicIn("Totals")
      const billing = yield* Billing
      const invoice = yield* billing.createInvoice({
        patientId: a.patientId,
        lines: [line("Consultation", 2, 5000), line("X-ray", 1, 3000)],
        taxPercent: 10,
        discountMinor: 2000
      }).pipe(a.asAdmin)
      expect([invoice.subtotalMinor, invoice.taxMinor, invoice.totalMinor]).toEqual([13000, 1300, 12300])
      const stored = yield* billing.getInvoice(invoice.id).pipe(a.asAdmin)
      expect([stored.subtotalMinor, stored.taxMinor, stored.totalMinor, stored.status]).toEqual([13000, 1300, 12300, "draft"])
      expect(stored.lines.map((l) => [l.description, l.quantity, l.unitPriceMinor, l.amountMinor])).toEqual([
        ["Consultation", 2, 5000, 10000],
        ["X-ray", 1, 3000, 3000]
      ])
      expect(stored.rounding).toEqual({ mode: "half_up", scope: "invoice" })
      expect(Money.toDecimal({ amount: stored.totalMinor, currency: stored.currency })).toBe("123.00")
      expect(Money.format({ amount: stored.totalMinor, currency: stored.currency })).toBe("$123.00")
      const zero = yield* billing.createInvoice({
        patientId: a.patientId,
        lines: [line("Consultation", 2, 5000), line("X-ray", 1, 3000)],
        taxPercent: 10,
        discountMinor: 20000
      }).pipe(a.asAdmin)
      expect(zero.totalMinor).toBe(0)
      expect(Money.toDecimal({ amount: zero.totalMinor, currency: zero.currency })).toBe("0.00")
      // The rounding policy is the invoice's own: per line, half-even.
      const halves = [line("A", 1, 5), line("B", 1, 5)]
      const perLine = yield* billing.createInvoice({
        patientId: a.patientId,
        lines: halves,
        taxPercent: 10,
        rounding: { mode: "half_even", scope: "line" }
      }).pipe(a.asAdmin)
      const onTotal = yield* billing.createInvoice({ patientId: a.patientId, lines: halves, taxPercent: 10 }).pipe(a.asAdmin)
      // 0.5 and 0.5, each rounded half-even, against 1.0 on the subtotal.
      expect([perLine.taxMinor, onTotal.taxMinor]).toEqual([0, 1])
      expect((yield* billing.getInvoice(perLine.id).pipe(a.asAdmin)).rounding).toEqual({ mode: "half_even", scope: "line" })
    }))

  it.effect("billing: JPY and KWD invoices use 0 and 3 decimals", () =>
    Effect.gen(function*() {
      const billing = yield* Billing
      const jp = yield* clinicIn("Yen", "JPY")
      const kw = yield* clinicIn("Fils", "KWD")
      const yen = yield* billing.createInvoice({ patientId: jp.patientId, lines: [line("Visit", 3, 1999)], taxPercent: 10 }).pipe(jp.asAdmin)
      expect([yen.currency, yen.subtotalMinor, yen.taxMinor, yen.totalMinor]).toEqual(["JPY", 5997, 600, 6597])
      expect(Money.toDecimal({ amount: yen.totalMinor, currency: yen.currency })).toBe("6597")
      expect(Money.format({ amount: yen.totalMinor, currency: yen.currency }, "en-US")).toBe("¥6,597")
      const fils = yield* billing.createInvoice({ patientId: kw.patientId, lines: [line("Visit", 1, 1250)], taxPercent: 5 }).pipe(kw.asAdmin)
      expect([fils.currency, fils.totalMinor]).toEqual(["KWD", 1313])
      expect(Money.toDecimal({ amount: fils.totalMinor, currency: fils.currency })).toBe("1.313")
      expect(Money.format({ amount: fils.totalMinor, currency: fils.currency }, "en-US")).toContain("1.313")
      const paid = yield* pay(fils.id, 1).pipe(Effect.flip, kw.asAdmin)
      expect(paid).toMatchObject({ _tag: "Conflict", reason: { _tag: "invalid_transition", from: "draft" } })
      const issuedFils = yield* billing.issueInvoice(fils.id).pipe(kw.asAdmin)
      const payment = yield* pay(issuedFils.id, 1313).pipe(kw.asAdmin)
      expect([payment.currency, (yield* statusOf(fils.id).pipe(kw.asAdmin))]).toEqual(["KWD", "paid"])
    }))

  it.effect("billing: no items, a quantity of 0, a negative price or tax above 100 is a ValidationError naming the field; nothing is written", () =>
    Effect.gen(function*() {
      const a = yield* clinicIn("Invalid")
      const billing = yield* Billing
      const before = yield* billingCounts
      const fieldsOf = (input: unknown) =>
        Effect.map(Effect.flip(billing.createInvoice(input as never).pipe(a.asAdmin)), (e) => {
          expect(e._tag).toBe("ValidationError")
          return e._tag === "ValidationError" ? e.fields.map((f) => f.path).sort() : []
        })
      expect(yield* fieldsOf({ patientId: a.patientId, lines: [] })).toEqual(["lines"])
      expect(yield* fieldsOf({ patientId: a.patientId, lines: [line("A", 0, 100)] })).toEqual(["lines.0.quantity"])
      expect(yield* fieldsOf({ patientId: a.patientId, lines: [line("A", 1, -1)] })).toEqual(["lines.0.unitPriceMinor"])
      expect(yield* fieldsOf({ patientId: a.patientId, lines: [line("A", 1, 100)], taxPercent: 100.5 })).toEqual(["taxPercent"])
      expect(yield* fieldsOf({ patientId: a.patientId, lines: [line("A", 1.5, 100)], discountMinor: -1 })).toEqual([
        "discountMinor",
        "lines.0.quantity"
      ])
      expect(yield* fieldsOf({ patientId: a.patientId, lines: [{ description: "No price", quantity: 1 }] })).toEqual([
        "lines.0.unitPriceMinor"
      ])
      expect(yield* fieldsOf({ patientId: "nope", lines: [line("", 1, 1.5)] })).toEqual([
        "lines.0.description",
        "lines.0.unitPriceMinor",
        "patientId"
      ])
      const noKey = yield* Effect.flip(billing.recordPayment({ invoiceId: crypto.randomUUID(), amountMinor: 100, method: "cash" } as never).pipe(a.asAdmin))
      expect(noKey).toMatchObject({ _tag: "ValidationError", fields: [{ path: "idempotencyKey", message: "is required" }] })
      const badPayment = yield* Effect.flip(
        billing.recordPayment({ amountMinor: 0, method: "cheque", idempotencyKey: " " } as never).pipe(a.asAdmin)
      )
      expect(badPayment._tag === "ValidationError" ? badPayment.fields.map((f) => f.path).sort() : []).toEqual([
        "amountMinor",
        "idempotencyKey",
        "method"
      ])
      expect(yield* billingCounts).toEqual(before)
    }))

  it.effect("billing: 40.00 of 100.00 → partially_paid, 60.00 more → paid; failing or refunding the 60.00 → partially_paid again", () =>
    Effect.gen(function*() {
      const a = yield* clinicIn("Ledger")
      const billing = yield* Billing
      const invoice = yield* issued(a.patientId, 10000).pipe(a.asAdmin)
      expect([invoice.status, invoice.balanceMinor]).toEqual(["issued", 10000])
      expect(invoice.number).toMatch(/^INV-\d{4}-0001$/)
      yield* pay(invoice.id, 4000).pipe(a.asAdmin)
      expect(yield* statusOf(invoice.id).pipe(a.asAdmin)).toBe("partially_paid")
      const sixty = yield* pay(invoice.id, 6000).pipe(a.asAdmin)
      const paid = yield* billing.getInvoice(invoice.id).pipe(a.asAdmin)
      expect([paid.status, paid.balanceMinor, paid.paidMinor]).toEqual(["paid", 0, 10000])

      yield* billing.setPaymentStatus({ id: sixty.id, status: "failed" }).pipe(a.asAdmin)
      const afterFail = yield* billing.getInvoice(invoice.id).pipe(a.asAdmin)
      expect([afterFail.status, afterFail.balanceMinor]).toEqual(["partially_paid", 6000])

      const again = yield* pay(invoice.id, 6000).pipe(a.asAdmin)
      expect(yield* statusOf(invoice.id).pipe(a.asAdmin)).toBe("paid")
      const refund = yield* billing.refundPayment({ paymentId: again.id, amountMinor: 6000 }).pipe(a.asAdmin)
      expect(refund.amountMinor).toBe(6000)
      const afterRefund = yield* billing.getInvoice(invoice.id).pipe(a.asAdmin)
      expect([afterRefund.status, afterRefund.balanceMinor, afterRefund.refundedMinor]).toEqual(["partially_paid", 6000, 6000])
      expect((yield* billing.getPayment(again.id).pipe(a.asAdmin)).status).toBe("refunded")

      // Pending and failed payments never count.
      const pending = yield* pay(invoice.id, 1000, { status: "pending" }).pipe(a.asAdmin)
      expect(yield* statusOf(invoice.id).pipe(a.asAdmin)).toBe("partially_paid")
      expect((yield* billing.getInvoice(invoice.id).pipe(a.asAdmin)).balanceMinor).toBe(6000)
      yield* billing.setPaymentStatus({ id: pending.id, status: "failed" }).pipe(a.asAdmin)
      expect((yield* billing.getInvoice(invoice.id).pipe(a.asAdmin)).balanceMinor).toBe(6000)
      expect(yield* sqlLedger(invoice.id)).toEqual({ paidMinor: 10000, refundedMinor: 6000, creditedMinor: 0 })
    }))

  it.effect("billing: a refund above what was paid, and an overpayment, are refused and write nothing", () =>
    Effect.gen(function*() {
      const a = yield* clinicIn("Refuse")
      const billing = yield* Billing
      const invoice = yield* issued(a.patientId, 10000).pipe(a.asAdmin)
      const forty = yield* pay(invoice.id, 4000).pipe(a.asAdmin)
      const before = yield* billingCounts
      expect(yield* Effect.flip(pay(invoice.id, 6001).pipe(a.asAdmin))).toMatchObject({
        _tag: "Conflict",
        reason: { _tag: "overpayment", balanceMinor: 6000, amountMinor: 6001 }
      })
      // What is pending counts against what may still be paid.
      yield* pay(invoice.id, 5000, { status: "pending" }).pipe(a.asAdmin)
      expect(yield* Effect.flip(pay(invoice.id, 1001).pipe(a.asAdmin))).toMatchObject({
        _tag: "Conflict",
        reason: { _tag: "overpayment", balanceMinor: 1000 }
      })
      expect(yield* Effect.flip(billing.refundPayment({ paymentId: forty.id, amountMinor: 4001 }).pipe(a.asAdmin))).toMatchObject({
        _tag: "Conflict",
        reason: { _tag: "refund_exceeds_paid", refundableMinor: 4000, amountMinor: 4001 }
      })
      yield* billing.refundPayment({ paymentId: forty.id, amountMinor: 1500 }).pipe(a.asAdmin)
      expect(yield* Effect.flip(billing.refundPayment({ paymentId: forty.id, amountMinor: 2501 }).pipe(a.asAdmin))).toMatchObject({
        _tag: "Conflict",
        reason: { _tag: "refund_exceeds_paid", refundableMinor: 2500 }
      })
      // A refunded payment cannot be reversed as failed.
      expect(yield* Effect.flip(billing.setPaymentStatus({ id: forty.id, status: "failed" }).pipe(a.asAdmin))).toMatchObject({
        _tag: "Conflict",
        reason: { _tag: "invalid_transition", from: "paid", to: "failed" }
      })
      const after = yield* billingCounts
      expect({ ...after, payments: after.payments - 1, refunds: after.refunds - 1 }).toEqual(before)
      // The refund permission is its own key: a receptionist has billing.create/edit but not billing.refund.
      const receptionist = yield* Fixtures.staffMember(a, "receptionist")
      expect(yield* Effect.flip(billing.refundPayment({ paymentId: forty.id, amountMinor: 100 }).pipe(a.as(receptionist.id)))).toMatchObject({
        _tag: "PermissionDenied",
        permission: "billing.refund"
      })
      yield* pay(invoice.id, 100).pipe(a.as(receptionist.id))
    }))

  it.effect("billing: 100.00 in 3 installments → 33.33, 33.33, 33.34 with increasing due dates; paid in turn, then the plan completes", () =>
    Effect.gen(function*() {
      const a = yield* clinicIn("Plan")
      const billing = yield* Billing
      const invoice = yield* issued(a.patientId, 10000).pipe(a.asAdmin)
      const plan = yield* billing.createPaymentPlan({ invoiceId: invoice.id, installments: 3, firstDueDate: "2030-01-31" }).pipe(a.asAdmin)
      expect(plan.installments.map((i) => i.amountMinor)).toEqual([3333, 3333, 3334])
      expect(plan.installments.map((i) => i.dueDate)).toEqual(["2030-01-31", "2030-02-28", "2030-03-31"])
      expect(plan.status).toBe("active")
      const states = []
      for (const amount of [3333, 3333, 3334]) {
        yield* pay(invoice.id, amount).pipe(a.asAdmin)
        const now = yield* billing.getPaymentPlan(invoice.id).pipe(a.asAdmin)
        states.push([now.installments.map((i) => i.status).join(","), now.status])
      }
      expect(states).toEqual([
        ["paid,open,open", "active"],
        ["paid,paid,open", "active"],
        ["paid,paid,paid", "completed"]
      ])
      expect(yield* statusOf(invoice.id).pipe(a.asAdmin)).toBe("paid")
      // A partial payment covers the oldest open installment first; a failure gives it back.
      const other = yield* issued(a.patientId, 1000).pipe(a.asAdmin)
      yield* billing.createPaymentPlan({ invoiceId: other.id, installments: 2, intervalDays: 14, firstDueDate: "2030-01-01" }).pipe(a.asAdmin)
      const part = yield* pay(other.id, 700).pipe(a.asAdmin)
      const mid = yield* billing.getPaymentPlan(other.id).pipe(a.asAdmin)
      expect(mid.installments.map((i) => [i.dueDate, i.paidMinor, i.status])).toEqual([["2030-01-01", 500, "paid"], ["2030-01-15", 200, "open"]])
      yield* billing.setPaymentStatus({ id: part.id, status: "failed" }).pipe(a.asAdmin)
      const back = yield* billing.getPaymentPlan(other.id).pipe(a.asAdmin)
      expect(back.installments.map((i) => i.paidMinor)).toEqual([0, 0])
      expect(yield* Effect.flip(billing.createPaymentPlan({ invoiceId: other.id, installments: 2 }).pipe(a.asAdmin))).toMatchObject({
        _tag: "Conflict",
        reason: { _tag: "has_dependents", counts: { payment_plans: 1 } }
      })
    }))

  it.effect("billing: for random totals, currencies and counts, installments sum exactly to the total and differ by at most one minor unit", () =>
    Effect.gen(function*() {
      const clinics = {
        USD: yield* clinicIn("SplitUsd", "USD"),
        JPY: yield* clinicIn("SplitJpy", "JPY"),
        KWD: yield* clinicIn("SplitKwd", "KWD")
      }
      const runtime = yield* Effect.runtime<Billing>()
      yield* Effect.promise(() =>
        fc.assert(
          fc.asyncProperty(
            fc.constantFrom("USD", "JPY", "KWD") as fc.Arbitrary<keyof typeof clinics>,
            fc.integer({ min: 1, max: 50_000_000 }),
            fc.integer({ min: 1, max: 24 }),
            (currency, total, count) =>
              Runtime.runPromise(runtime)(Effect.gen(function*() {
                const c = clinics[currency]
                const invoice = yield* issued(c.patientId, total).pipe(c.asAdmin)
                const plan = yield* Effect.flatMap(Billing, (b) => b.createPaymentPlan({ invoiceId: invoice.id, installments: count })).pipe(
                  c.asAdmin
                )
                const stored = yield* Effect.flatMap(Billing, (b) => b.getPaymentPlan(invoice.id)).pipe(c.asAdmin)
                expect(stored.installments).toEqual(plan.installments)
                const parts = stored.installments.map((i) => i.amountMinor)
                expect(parts.length).toBe(count)
                expect(parts.reduce((s, p) => s + p, 0)).toBe(total)
                expect(Math.max(...parts) - Math.min(...parts)).toBeLessThanOrEqual(1)
                expect(stored.currency).toBe(currency)
              }).pipe(Effect.orDie))
          ),
          { numRuns: 25 }
        )
      )
    }))

  it.effect("billing: numbers are gap-free per clinic, series and year; an issue that fails mid-transaction leaves no gap", () =>
    Effect.gen(function*() {
      const a = yield* clinicIn("Numbers", "USD", { invoiceNumberFormat: "F{YY}/{SEQ:3}" })
      const b = yield* clinicIn("NumbersB")
      const billing = yield* Billing
      const first = yield* issued(a.patientId, 100).pipe(a.asAdmin)
      const yy = String(new Date().getUTCFullYear() % 100).padStart(2, "0")
      expect(first.number).toBe(`F${yy}/001`)
      // Issuing twice fails after its transaction drew a number: the draw is rolled back.
      expect(yield* Effect.flip(billing.issueInvoice(first.id).pipe(a.asAdmin))).toMatchObject({
        _tag: "Conflict",
        reason: { _tag: "invalid_transition", from: "issued", to: "issued" }
      })
      expect(yield* Effect.flip(billing.issueInvoice(crypto.randomUUID()).pipe(a.asAdmin))).toMatchObject({ _tag: "NotFound" })
      // A transaction that draws a number and then fails gives it back.
      const storage = yield* Storage
      const port = yield* BillingStorage
      const drawn = yield* Effect.exit(
        Effect.zipRight(port.nextNumber(a.clinicId, "invoice", new Date().getUTCFullYear()), Effect.fail("boom")).pipe(
          storage.transaction(a.clinicId)
        )
      )
      expect(Exit.isFailure(drawn)).toBe(true)
      const second = yield* issued(a.patientId, 100).pipe(a.asAdmin)
      expect(second.number).toBe(`F${yy}/002`)
      // Another clinic and the credit-note series count on their own.
      expect((yield* issued(b.patientId, 100).pipe(b.asAdmin)).number).toMatch(/^INV-\d{4}-0001$/)
      const note = yield* billing.createCreditNote({ invoiceId: second.id, amountMinor: 40, reason: "discount agreed" }).pipe(a.asAdmin)
      expect(note.number).toMatch(/^CN-\d{4}-0001$/)
      expect((yield* numbering(a.clinicId)).sequences).toEqual([1, 2])
      // Issued invoices never change.
      expect(yield* Effect.flip(billing.updateInvoice({ id: second.id, discountMinor: 1 }).pipe(a.asAdmin))).toMatchObject({
        _tag: "Conflict",
        reason: { _tag: "invalid_transition", from: "issued", to: "draft" }
      })
      expect(yield* Effect.flip(billing.deleteInvoice(second.id).pipe(a.asAdmin))).toMatchObject({ _tag: "Conflict" })
      // The due date: issue date + the clinic's 30 days.
      const today = new Date().toISOString().slice(0, 10)
      expect(second.dueDate).toBe(new Date(Date.parse(`${today}T00:00:00Z`) + 30 * 86_400_000).toISOString().slice(0, 10))
    }))

  it.effect("billing: 100 concurrent issues in one clinic → numbers 1…100, contiguous, no duplicates", () => concurrentIssues(), {
    timeout: 120_000
  })

  it.effect("billing: credit notes correct an issued invoice; void only with nothing applied; overdue is derived", () =>
    Effect.gen(function*() {
      const a = yield* clinicIn("Credit")
      const billing = yield* Billing
      const invoice = yield* issued(a.patientId, 10000).pipe(a.asAdmin)
      yield* pay(invoice.id, 3000).pipe(a.asAdmin)
      expect(yield* Effect.flip(billing.createCreditNote({ invoiceId: invoice.id, amountMinor: 7001, reason: "x" }).pipe(a.asAdmin))).toMatchObject({
        _tag: "Conflict",
        reason: { _tag: "credit_exceeds_balance", balanceMinor: 7000 }
      })
      yield* billing.createCreditNote({ invoiceId: invoice.id, amountMinor: 7000, reason: "not performed" }).pipe(a.asAdmin)
      const corrected = yield* billing.getInvoice(invoice.id).pipe(a.asAdmin)
      expect([corrected.status, corrected.balanceMinor, corrected.creditedMinor, corrected.totalMinor]).toEqual(["paid", 0, 7000, 10000])
      const whole = yield* issued(a.patientId, 5000).pipe(a.asAdmin)
      yield* billing.createCreditNote({ invoiceId: whole.id, amountMinor: 5000, reason: "billed in error" }).pipe(a.asAdmin)
      expect(yield* statusOf(whole.id).pipe(a.asAdmin)).toBe("credited")
      expect(yield* Effect.flip(billing.voidInvoice(whole.id).pipe(a.asAdmin))).toMatchObject({ _tag: "Conflict" })
      expect(yield* Effect.flip(billing.voidInvoice(invoice.id).pipe(a.asAdmin))).toMatchObject({ _tag: "Conflict" })
      const withPending = yield* issued(a.patientId, 5000).pipe(a.asAdmin)
      yield* pay(withPending.id, 100, { status: "pending" }).pipe(a.asAdmin)
      expect(yield* Effect.flip(billing.voidInvoice(withPending.id).pipe(a.asAdmin))).toMatchObject({
        _tag: "Conflict",
        reason: { _tag: "has_dependents", counts: { payments: 1 } }
      })
      const clean = yield* issued(a.patientId, 5000).pipe(a.asAdmin)
      const voided = yield* billing.voidInvoice(clean.id).pipe(a.asAdmin)
      expect([voided.status, voided.number]).toEqual(["void", clean.number])
      expect((yield* billing.listInvoices({ statuses: ["void"] }).pipe(a.asAdmin)).map((i) => i.id)).toEqual([clean.id])
      expect((yield* billing.listInvoices({ statuses: ["credited", "void"] }).pipe(a.asAdmin)).map((i) => i.id).sort()).toEqual(
        [clean.id, whole.id].sort()
      )
      expect(yield* Effect.flip(pay(clean.id, 100).pipe(a.asAdmin))).toMatchObject({ _tag: "Conflict", reason: { _tag: "invalid_transition" } })
      // Overdue: an open invoice past its due date (issued with 0 days and then read tomorrow).
      const due = yield* billing.createInvoice({ patientId: a.patientId, lines: [line("Late", 1, 100)], dueDays: 0 }).pipe(a.asAdmin)
      yield* billing.issueInvoice(due.id).pipe(a.asAdmin)
      const raw = yield* RawAccess
      yield* raw.execute("UPDATE invoices SET due_date = '2000-01-01' WHERE id = ?", [due.id])
      const overdue = yield* billing.listInvoices({ overdue: true }).pipe(a.asAdmin)
      expect(overdue.map((i) => i.id)).toEqual([due.id])
      // Expenses, listed by period.
      yield* billing.createExpense({ category: "rent", amountMinor: 120000, date: "2030-01-01" }).pipe(a.asAdmin)
      yield* billing.createExpense({ category: "supplies", amountMinor: 5000, date: "2030-01-15", note: "gloves" }).pipe(a.asAdmin)
      const e3 = yield* billing.createExpense({ category: "supplies", amountMinor: 7000, date: "2030-02-01" }).pipe(a.asAdmin)
      const january = yield* billing.listExpenses({ from: "2030-01-01", to: "2030-01-31" }).pipe(a.asAdmin)
      expect(january.map((e) => [e.date, e.amountMinor, e.currency])).toEqual([["2030-01-01", 120000, "USD"], ["2030-01-15", 5000, "USD"]])
      yield* billing.deleteExpense(e3.id).pipe(a.asAdmin)
      expect((yield* billing.listExpenses({ from: "2030-01-01", to: "2030-12-31", category: "supplies" }).pipe(a.asAdmin)).length).toBe(1)
      expect(yield* Effect.flip(billing.listExpenses({ from: "2030-02-01", to: "2030-01-01" }).pipe(a.asAdmin))).toMatchObject({
        _tag: "ValidationError",
        fields: [{ path: "to" }]
      })
    }))

  it.effect("billing: only a completed appointment is invoiced, once; billing on completion creates exactly one", () =>
    Effect.gen(function*() {
      // Off here: completing through Scheduling must create nothing by itself in this part.
      const a = yield* clinicIn("Visits", "USD", { autoInvoiceOnCompletion: "off" })
      const billing = yield* Billing
      const scheduling = yield* Scheduling
      const doctor = yield* Effect.flatMap(Doctors, (d) => d.create({ name: "Dr Bill", specialty: "GP" })).pipe(a.asAdmin)
      const service = yield* Effect.flatMap(Catalog, (c) => c.createService({ name: "Check-up", durationMinutes: 20, priceMinor: 7500 })).pipe(
        a.asAdmin
      )
      const book = Effect.suspend(() => {
        const start = Date.UTC(2031, 5, 2, 9) + (keys++) * 3_600_000
        return scheduling.book({ doctorId: doctor.id, patientId: a.patientId, serviceId: service.id, start, override: true })
      }).pipe(a.asAdmin)
      const visit = yield* book
      expect(yield* Effect.flip(billing.invoiceAppointment({ appointmentId: visit.id }).pipe(a.asAdmin))).toMatchObject({
        _tag: "Conflict",
        reason: { _tag: "appointment_not_completed", status: "scheduled" }
      })
      yield* scheduling.setStatus({ id: visit.id, status: "completed" }).pipe(a.asAdmin)
      const invoice = yield* billing.invoiceAppointment({ appointmentId: visit.id }).pipe(a.asAdmin)
      expect([invoice.appointmentId, invoice.patientId, invoice.totalMinor, invoice.lines[0]!.serviceId]).toEqual([
        visit.id,
        a.patientId,
        7500,
        service.id
      ])
      expect(yield* Effect.flip(billing.invoiceAppointment({ appointmentId: visit.id }).pipe(a.asAdmin))).toMatchObject({
        _tag: "Conflict",
        reason: { _tag: "already_invoiced", invoiceId: invoice.id }
      })
      // The database refuses a second one too when the service check is bypassed (two racing).
      const port = yield* BillingStorage
      const storage = yield* Storage
      const duplicate = yield* Effect.flip(port.insertInvoice({ ...invoice, id: crypto.randomUUID() } as Invoice).pipe(storage.transaction(a.clinicId)))
      expect(duplicate).toMatchObject({ _tag: "Conflict", reason: { _tag: "already_invoiced", invoiceId: invoice.id } })

      // Billing on completion, through the hook `Scheduling.setStatus` calls, however often completion is recorded.
      const auto = yield* book
      yield* scheduling.setStatus({ id: auto.id, status: "completed" }).pipe(a.asAdmin)
      const completed = yield* scheduling.get(auto.id).pipe(a.asAdmin)
      const clinic = yield* Effect.flatMap(Clinics, (c) => c.updateSettings({ autoInvoiceOnCompletion: "issue" })).pipe(a.asAdmin)
      const onCompletion = BillingModule.invoiceOnCompletion({ storage, billing: port }, clinic, completed, Date.now(), a.admin.id).pipe(
        storage.transaction(a.clinicId)
      )
      const results = [
        yield* onCompletion,
        yield* onCompletion,
        ...(yield* Effect.all([onCompletion, onCompletion, onCompletion], { concurrency: "unbounded" }))
      ]
      const created = results.filter(Option.isSome).map((o) => o.value)
      expect(created.length).toBe(1)
      expect([created[0]!.status, created[0]!.totalMinor, created[0]!.number !== null, created[0]!.createdBy]).toEqual([
        "issued",
        7500,
        true,
        a.admin.id
      ])
      expect(yield* count("invoices", a.clinicId)).toBe(2)
      const listed = yield* billing.listInvoices({ appointmentId: auto.id }).pipe(a.asAdmin)
      expect(listed.map((i) => i.id)).toEqual([created[0]!.id])
      // Not completed, or the setting off: nothing.
      const open = yield* book
      expect(yield* BillingModule.invoiceOnCompletion({ storage, billing: port }, clinic, open, Date.now()).pipe(storage.transaction(a.clinicId)))
        .toEqual(Option.none())
      const off = yield* BillingModule.invoiceOnCompletion(
        { storage, billing: port },
        { ...clinic, settings: { ...clinic.settings, autoInvoiceOnCompletion: "off" } } as typeof clinic,
        { ...completed, id: open.id, status: "completed" } as typeof completed,
        Date.now()
      ).pipe(storage.transaction(a.clinicId))
      expect(off).toEqual(Option.none())
      // An appointment with invoices or payments cannot be deleted (the counts come with the
      // dependents registered by Scheduling); nor a patient with invoices.
      expect(yield* Effect.flip(scheduling.delete(visit.id).pipe(a.asAdmin))).toMatchObject({
        _tag: "Conflict",
        reason: { _tag: "has_dependents", counts: { invoices: 1 } }
      })
      expect((yield* scheduling.get(visit.id).pipe(a.asAdmin)).id).toBe(visit.id)
      const lone = yield* Effect.flatMap(Patients, (p) => p.create({ fullName: "Lone Debtor", phone: nextPhone() })).pipe(a.asAdmin)
      // Issued by a receptionist: the invoice names who made it, so the account cannot be deleted either.
      const receptionist = yield* Fixtures.staffMember(a, "receptionist")
      const byDesk = yield* issued(lone.id, 100).pipe(a.as(receptionist.id))
      expect(byDesk.createdBy).toBe(receptionist.id)
      expect(yield* Effect.flip(Effect.flatMap(Staff, (st) => st.delete(receptionist.id)).pipe(a.asAdmin))).toMatchObject({
        _tag: "Conflict",
        reason: { _tag: "has_dependents", counts: { invoices: 1 } }
      })
      expect(yield* Effect.flip(Effect.flatMap(Patients, (p) => p.delete(lone.id)).pipe(a.asAdmin))).toMatchObject({
        _tag: "Conflict",
        reason: { _tag: "has_dependents", counts: { invoices: 1 } }
      })
    }))

  it.effect("billing: payments need an idempotency key; a retry returns the stored payment; a confirmation delivered twice leaves one paid payment", () =>
    Effect.gen(function*() {
      const a = yield* clinicIn("Idem")
      const billing = yield* Billing
      const invoice = yield* issued(a.patientId, 10000).pipe(a.asAdmin)
      const request = { invoiceId: invoice.id, amountMinor: 2500, method: "cash" as const, idempotencyKey: "front-desk-0001" }
      const first = yield* billing.recordPayment(request).pipe(a.asAdmin)
      const retries = yield* Effect.all([1, 2, 3].map(() => billing.recordPayment(request).pipe(a.asAdmin)), { concurrency: "unbounded" })
      for (const r of retries) expect(r.id).toBe(first.id)
      expect(yield* count("payments", a.clinicId)).toBe(1)
      expect((yield* billing.getInvoice(invoice.id).pipe(a.asAdmin)).balanceMinor).toBe(7500)
      expect(yield* Effect.flip(billing.recordPayment({ ...request, amountMinor: 2600 }).pipe(a.asAdmin))).toMatchObject({
        _tag: "Conflict",
        reason: { _tag: "idempotency_key_reused", key: "front-desk-0001" }
      })
      // The same key in another clinic is another payment.
      const b = yield* clinicIn("IdemB")
      const other = yield* issued(b.patientId, 10000).pipe(b.asAdmin)
      yield* billing.recordPayment({ ...request, invoiceId: other.id }).pipe(b.asAdmin)

      // External payments: pending until the provider confirms; twice changes nothing.
      const external = yield* billing.recordPayment({
        invoiceId: invoice.id,
        amountMinor: 7500,
        method: "card",
        status: "pending",
        providerReference: "pi_3Mt",
        idempotencyKey: "checkout-77"
      }).pipe(a.asAdmin)
      expect([external.status, yield* statusOf(invoice.id).pipe(a.asAdmin)]).toEqual(["pending", "partially_paid"])
      const confirmations = [
        yield* billing.confirmPayment({ providerReference: "pi_3Mt", outcome: "paid" }).pipe(a.asAdmin),
        yield* billing.confirmPayment({ providerReference: "pi_3Mt", outcome: "paid" }).pipe(a.asAdmin)
      ]
      expect(confirmations.map((p) => [p.id, p.status])).toEqual([[external.id, "paid"], [external.id, "paid"]])
      const raw = yield* RawAccess
      const rows = yield* raw.execute("SELECT status FROM payments WHERE clinic_id = ? AND provider_reference = ?", [a.clinicId, "pi_3Mt"])
      expect(rows.map((r) => r.status)).toEqual(["paid"])
      expect(yield* statusOf(invoice.id).pipe(a.asAdmin)).toBe("paid")
      expect(yield* Effect.flip(billing.confirmPayment({ providerReference: "pi_3Mt", outcome: "failed" }).pipe(a.asAdmin))).toMatchObject({
        _tag: "Conflict",
        reason: { _tag: "invalid_transition", from: "paid", to: "failed" }
      })
      expect(yield* Effect.flip(billing.confirmPayment({ providerReference: "pi_unknown", outcome: "paid" }).pipe(a.asAdmin))).toMatchObject({
        _tag: "NotFound",
        entity: "Payment"
      })
      // A provider reference is unique per clinic.
      const another = yield* issued(a.patientId, 1000).pipe(a.asAdmin)
      expect(yield* Effect.flip(pay(another.id, 100, { status: "pending", providerReference: "pi_3Mt" }).pipe(a.asAdmin))).toMatchObject({
        _tag: "Conflict",
        reason: { _tag: "duplicate_provider_reference" }
      })
      const failedOne = yield* pay(another.id, 1000, { status: "pending", providerReference: "pi_fail" }).pipe(a.asAdmin)
      yield* billing.confirmPayment({ providerReference: "pi_fail", outcome: "failed" }).pipe(a.asAdmin)
      yield* billing.confirmPayment({ providerReference: "pi_fail", outcome: "failed" }).pipe(a.asAdmin)
      expect([(yield* billing.getPayment(failedOne.id).pipe(a.asAdmin)).status, yield* statusOf(another.id).pipe(a.asAdmin)]).toEqual([
        "failed",
        "issued"
      ])
      // Audited, each in the clinic's chain.
      const events = yield* Effect.flatMap(Audit, (s) => s.list({ entityId: external.id })).pipe(a.asAdmin)
      expect(events.map((e) => e.action)).toEqual(["Billing.recordPayment", "Billing.confirmPayment", "Billing.confirmPayment"])
      expect((yield* Effect.flatMap(Audit, (s) => s.verify()).pipe(a.asAdmin)).firstBreak).toBeUndefined()
    }))

  it.effect("billing: another clinic's ids give the same NotFound as random ids, and change nothing", () =>
    Effect.gen(function*() {
      const a = yield* Fixtures.clinic("BillTenA")
      const b = yield* Fixtures.clinic("BillTenB")
      const targetsB = yield* Fixtures.operationTargets(b)
      const random = {
        draftInvoiceId: crypto.randomUUID(),
        invoiceId: crypto.randomUUID(),
        paymentId: crypto.randomUUID(),
        providerReference: `pi_random_${keys++}`,
        plannedInvoiceId: crypto.randomUUID(),
        completedAppointmentId: crypto.randomUUID(),
        expenseId: crypto.randomUUID(),
        patientId: crypto.randomUUID(),
        serviceId: crypto.randomUUID()
      }
      const billing = yield* Billing
      const ownA = yield* Effect.flatMap(Patients, (p) => p.create({ fullName: "Own Patient", phone: nextPhone() })).pipe(a.asAdmin)
      const calls = (
        t: Fixtures.BillingTargets & { readonly patientId: string; readonly serviceId: string }
      ): Record<string, Effect.Effect<unknown, { readonly _tag: string }, Actor.Actor>> => ({
        createInvoice: billing.createInvoice({ patientId: t.patientId, lines: [line("x", 1, 1)] }),
        createInvoiceWithService: billing.createInvoice({ patientId: ownA.id, lines: [{ description: "x", quantity: 1, serviceId: t.serviceId }] }),
        invoiceAppointment: billing.invoiceAppointment({ appointmentId: t.completedAppointmentId, lines: [line("x", 1, 1)] }),
        updateInvoice: billing.updateInvoice({ id: t.draftInvoiceId, discountMinor: 1 }),
        issueInvoice: billing.issueInvoice(t.draftInvoiceId),
        voidInvoice: billing.voidInvoice(t.draftInvoiceId),
        deleteInvoice: billing.deleteInvoice(t.draftInvoiceId),
        getInvoice: billing.getInvoice(t.invoiceId),
        createCreditNote: billing.createCreditNote({ invoiceId: t.invoiceId, amountMinor: 1, reason: "x" }),
        recordPayment: billing.recordPayment({ invoiceId: t.invoiceId, amountMinor: 1, method: "cash", idempotencyKey: key() }),
        recordAppointmentPayment: billing.recordPayment({
          appointmentId: t.completedAppointmentId,
          amountMinor: 1,
          method: "cash",
          idempotencyKey: key()
        }),
        setPaymentStatus: billing.setPaymentStatus({ id: t.paymentId, status: "failed" }),
        confirmPayment: billing.confirmPayment({ providerReference: t.providerReference, outcome: "paid" }),
        refundPayment: billing.refundPayment({ paymentId: t.paymentId, amountMinor: 1 }),
        getPayment: billing.getPayment(t.paymentId),
        createPaymentPlan: billing.createPaymentPlan({ invoiceId: t.invoiceId, installments: 2 }),
        getPaymentPlan: billing.getPaymentPlan(t.plannedInvoiceId),
        deleteExpense: billing.deleteExpense(t.expenseId)
      })
      const idOf = (e: unknown) => (e as { id?: string }).id
      const theirs = calls(targetsB)
      const randoms = calls(random)
      const before = yield* billingCounts
      const beforeAudit = yield* count("audit_events", b.clinicId)
      for (const name of Object.keys(theirs)) {
        const [x, y] = [yield* Effect.flip(theirs[name]!.pipe(a.asAdmin)), yield* Effect.flip(randoms[name]!.pipe(a.asAdmin))]
        expect({ name, tag: x._tag, entity: (x as { entity?: string }).entity }).toEqual({
          name,
          tag: "NotFound",
          entity: (y as { entity?: string }).entity
        })
        expect(y._tag).toBe("NotFound")
        // Each names the id it was given, nothing of the other clinic.
        const given = [
          targetsB.draftInvoiceId,
          targetsB.invoiceId,
          targetsB.paymentId,
          targetsB.providerReference,
          targetsB.plannedInvoiceId,
          targetsB.completedAppointmentId,
          targetsB.expenseId,
          targetsB.patientId,
          targetsB.serviceId
        ]
        expect(given).toContain(idOf(x))
      }
      expect(yield* billingCounts).toEqual(before)
      expect(yield* count("audit_events", b.clinicId)).toBe(beforeAudit)
      const listed = yield* billing.listInvoices().pipe(a.asAdmin)
      expect(listed.some((i) => i.clinicId !== a.clinicId)).toBe(false)
      expect((yield* billing.listPayments().pipe(a.asAdmin)).some((p) => p.clinicId !== a.clinicId)).toBe(false)
    }), { timeout: 120_000 })

  it.effect("billing: random invoices and payment sequences (the shipped arbitraries) keep balance = total − paid + refunded − credited", () =>
    Effect.gen(function*() {
      const a = yield* clinicIn("BillSeq")
      const runtime = yield* Effect.runtime<Billing | RawAccess>()
      yield* Effect.promise(() =>
        fc.assert(
          fc.asyncProperty(
            BillingArbitraries.invoiceInput(a.patientId, { maxPriceMinor: 20_000 }),
            BillingArbitraries.paymentSequence(20_000),
            (input, steps) =>
              Runtime.runPromise(runtime)(Effect.gen(function*() {
                const billing = yield* Billing
                const draft = yield* billing.createInvoice(input)
                // The totals as the rule says, reckoned here independently with bigint.
                const subtotal = input.lines.reduce((s, l) => s + BigInt(l.quantity) * BigInt(l.unitPriceMinor), 0n)
                const bp = BigInt(Math.round(input.taxPercent * 100))
                const half = (n: bigint) => {
                  const q = n / 10_000n
                  const r = (n % 10_000n) * 2n
                  return r > 10_000n || (r === 10_000n && (input.rounding.mode === "half_up" || q % 2n === 1n)) ? q + 1n : q
                }
                const tax = input.rounding.scope === "invoice"
                  ? half(subtotal * bp)
                  : input.lines.reduce((s, l) => s + half(BigInt(l.quantity) * BigInt(l.unitPriceMinor) * bp), 0n)
                const total = subtotal + tax - BigInt(input.discountMinor)
                expect([draft.subtotalMinor, draft.taxMinor, draft.totalMinor]).toEqual([Number(subtotal), Number(tax), Number(total > 0n ? total : 0n)])
                const invoice = yield* billing.issueInvoice(draft.id)
                const payments: Array<string> = []
                for (const step of steps) {
                  const pick = () => payments[(step as { payment: number }).payment % payments.length]!
                  const r = yield* Effect.either(
                    step.kind === "pay"
                      ? Effect.map(
                        billing.recordPayment({ invoiceId: invoice.id, amountMinor: step.amountMinor, method: "cash", status: step.status, idempotencyKey: key("seq") }),
                        (p) => payments.push(p.id)
                      )
                      : step.kind === "credit"
                      ? billing.createCreditNote({ invoiceId: invoice.id, amountMinor: step.amountMinor, reason: "seq" })
                      : payments.length === 0
                      ? Effect.void
                      : step.kind === "fail"
                      ? billing.setPaymentStatus({ id: pick(), status: "failed" })
                      : step.kind === "confirm"
                      ? billing.setPaymentStatus({ id: pick(), status: "paid" })
                      : billing.refundPayment({ paymentId: pick(), amountMinor: step.amountMinor })
                  )
                  // Refusals are domain conflicts, never anything else.
                  if (r._tag === "Left") expect(r.left._tag).toBe("Conflict")
                  const stored = yield* billing.getInvoice(invoice.id)
                  const ledger = yield* sqlLedger(invoice.id)
                  expect(stored.balanceMinor).toBe(stored.totalMinor - ledger.paidMinor + ledger.refundedMinor - ledger.creditedMinor)
                  expect(stored.balanceMinor).toBeGreaterThanOrEqual(0)
                  expect(stored.status).toBe(deriveStatus("issued", stored.totalMinor, ledger))
                }
              }).pipe(a.asAdmin, Effect.orDie))
          ),
          { numRuns: 15 }
        )
      )
    }), { timeout: 300_000 })

  it.effect("billing: random sequences of create, issue, pay, fail, refund, credit and void keep the ledger, the status and issued invoices", () =>
    Effect.gen(function*() {
      const a = yield* clinicIn("BillModel")
      const runtime = yield* Effect.runtime<Billing | RawAccess>()
      const run: Run = (effect) => Runtime.runPromise(runtime)(effect.pipe(a.asAdmin))
      const stats: Record<string, number> = {}
      const model = modelCommands(run, a.patientId, stats)
      yield* Effect.promise(() =>
        fc.assert(
          fc.asyncProperty(fc.commands(model.commands, { maxCommands: 16, size: "large" }), async (cmds) => {
            await fc.asyncModelRun(() => ({ model: { invoices: [], payments: [] }, real: {} }), cmds)
          }),
          { numRuns: options.modelRuns ?? 30, examples: [[model.example as Iterable<fc.AsyncCommand<Model, object>>]] }
        )
      )
      for (const kind of ["create", "issue", "pay", "fail", "refund", "credit", "void"]) {
        expect({ kind, some: (stats[kind] ?? 0) > 0 }).toEqual({ kind, some: true })
      }
    }), { timeout: 600_000 })
}

// ---------------------------------------------------------------------------------------------
// The model of `fc.commands`: what each invoice and payment should be, independently of the
// library's own rules, checked against the stored rows after every command.

type Run = <A, E>(effect: Effect.Effect<A, E, Billing | RawAccess | Actor.Actor>) => Promise<A>

interface MInvoice {
  readonly id: string
  readonly total: number
  step: "draft" | "issued" | "void"
  paid: number
  refunded: number
  credited: number
  /** The document as issued (number, lines, totals, dates): never changes. */
  snapshot?: string
}
interface MPayment {
  readonly id: string
  readonly invoice: number
  readonly amount: number
  status: "pending" | "paid" | "failed" | "refunded"
  refunded: number
}
interface Model {
  readonly invoices: Array<MInvoice>
  readonly payments: Array<MPayment>
}

const mBalance = (i: MInvoice) => i.total - i.paid + i.refunded - i.credited
const mPending = (m: Model, index: number) =>
  m.payments.filter((p) => p.invoice === index && p.status === "pending").reduce((s, p) => s + p.amount, 0)
const mStatus = (i: MInvoice): InvoiceStatus =>
  i.step !== "issued"
    ? i.step
    : i.credited > 0 && i.credited >= i.total
    ? "credited"
    : mBalance(i) <= 0
    ? "paid"
    : i.paid - i.refunded > 0
    ? "partially_paid"
    : "issued"
const open = (i: MInvoice) => ["issued", "partially_paid"].includes(mStatus(i))

const document = (i: Invoice) =>
  JSON.stringify([i.number, i.sequence, i.year, i.lines, i.subtotalMinor, i.taxMinor, i.totalMinor, i.discountMinor, i.taxBasisPoints, i.issuedAt, i.dueDate, i.patientId])

/** After every command: every invoice of the model, as stored, agrees with the model and the ledger. */
const checkAll = (run: Run, m: Model) =>
  run(Effect.gen(function*() {
    const billing = yield* Billing
    for (const mi of m.invoices) {
      const stored = yield* billing.getInvoice(mi.id)
      const ledger = yield* sqlLedger(mi.id)
      expect({ id: mi.id, status: stored.status, balance: stored.balanceMinor }).toEqual({
        id: mi.id,
        status: mStatus(mi),
        balance: mi.step === "issued" ? mBalance(mi) : 0
      })
      // balance = charges − paid + refunded − credited, over the rows SQL sums.
      expect(ledger).toEqual({ paidMinor: mi.paid, refundedMinor: mi.refunded, creditedMinor: mi.credited })
      expect(stored.status).toBe(deriveStatus(lifecycle(stored.status), stored.totalMinor, ledger))
      if (mi.snapshot !== undefined) expect(document(stored)).toBe(mi.snapshot)
    }
    for (const mp of m.payments) {
      const stored = yield* billing.getPayment(mp.id)
      expect({ id: mp.id, status: stored.status, refunded: stored.refundedMinor }).toEqual({ id: mp.id, status: mp.status, refunded: mp.refunded })
    }
  }))

/** Runs `effect`; returns the domain error's reason tag (or `_tag`), or "ok". */
const outcome = async <A>(run: Run, effect: Effect.Effect<A, unknown, Billing | RawAccess | Actor.Actor>): Promise<{ ok?: A; error?: string }> => {
  const result = await run(Effect.either(effect))
  if (result._tag === "Right") return { ok: result.right }
  const e = result.left as { _tag: string; reason?: { _tag: string } }
  return { error: e.reason?._tag ?? e._tag }
}

const bump = (stats: Record<string, number>, kind: string) => {
  stats[kind] = (stats[kind] ?? 0) + 1
}

const modelCommands = (run: Run, patientId: string, stats: Record<string, number>) => {
  type Cmd = fc.AsyncCommand<Model, object>
  const command = (name: string, check: (m: Model) => boolean, act: (m: Model) => Promise<void>): Cmd => ({
    check,
    run: async (m) => {
      await act(m)
      await checkAll(run, m)
    },
    toString: () => name
  })
  const at = <A>(list: ReadonlyArray<A>, i: number) => list[i % list.length]!

  type CreateArgs = { readonly lines: ReadonlyArray<BillingArbitraries.LineItem>; readonly tax: number; readonly discount: number }
  const createCmd = (c: CreateArgs): Cmd =>
    command(`create(${JSON.stringify(c)})`, (m) => m.invoices.length < 6, async (m) => {
      const result = await outcome(run, Effect.flatMap(Billing, (b) =>
        b.createInvoice({
          patientId,
          lines: c.lines,
          taxPercent: c.tax,
          discountMinor: c.discount
        })))
      const subtotal = c.lines.reduce((s, l) => s + l.quantity * l.unitPriceMinor, 0)
      // Half-up on the subtotal: an independent reckoning of the rule.
      const tax = Math.floor((subtotal * c.tax * 100 + 5000) / 10000)
      const total = Math.max(0, subtotal + tax - c.discount)
      expect(result.error).toBeUndefined()
      expect(result.ok!.totalMinor).toBe(total)
      m.invoices.push({ id: result.ok!.id, total, step: "draft", paid: 0, refunded: 0, credited: 0 })
      bump(stats, "create")
    })
  const create = fc.record({
    lines: fc.array(BillingArbitraries.lineItem({ maxQuantity: 3, maxPriceMinor: 6000 }), { minLength: 1, maxLength: 3 }),
    tax: fc.constantFrom(0, 10, 12.5),
    discount: fc.constantFrom(0, 0, 500, 50000)
  }).map(createCmd)
  const hasInvoice = (m: Model) => m.invoices.length > 0
  const hasPayment = (m: Model) => m.payments.length > 0

  const issueCmd = (i: number): Cmd =>
    command(`issue(${i})`, hasInvoice, async (m) => {
      const mi = at(m.invoices, i)
      const result = await outcome(run, Effect.flatMap(Billing, (b) => b.issueInvoice(mi.id)))
      if (mi.step === "draft") {
        expect(result.error).toBeUndefined()
        mi.step = "issued"
        mi.snapshot = document(result.ok!)
        bump(stats, "issue")
      } else expect(result.error).toBe("invalid_transition")
    })
  const issue = fc.nat().map(issueCmd)
  const payOf = ({ amount, i, pending }: { readonly i: number; readonly amount: number; readonly pending: boolean }): Cmd =>
    command(`pay(${i}, ${amount}, ${pending ? "pending" : "paid"})`, hasInvoice, async (m) => {
      const index = i % m.invoices.length
      const mi = m.invoices[index]!
      const result = await outcome(run, Effect.flatMap(Billing, (b) =>
        b.recordPayment({ invoiceId: mi.id, amountMinor: amount, method: "card", status: pending ? "pending" : "paid", idempotencyKey: key("model") })))
      if (!open(mi)) expect(result.error).toBe("invalid_transition")
      else if (amount > mBalance(mi) - mPending(m, index)) expect(result.error).toBe("overpayment")
      else {
        expect(result.error).toBeUndefined()
        m.payments.push({ id: result.ok!.id, invoice: index, amount, status: pending ? "pending" : "paid", refunded: 0 })
        if (!pending) mi.paid += amount
        bump(stats, "pay")
      }
    })
  const payCmd = fc.record({ i: fc.nat(), amount: fc.integer({ min: 1, max: 12000 }), pending: fc.boolean() }).map(payOf)
  const setOf = ({ p, to }: { readonly p: number; readonly to: "paid" | "failed" }): Cmd =>
    command(`set(${p}, ${to})`, hasPayment, async (m) => {
      const mp = at(m.payments, p)
      const mi = m.invoices[mp.invoice]!
      const result = await outcome(run, Effect.flatMap(Billing, (b) => b.setPaymentStatus({ id: mp.id, status: to })))
      if (mp.status === to) expect(result.error).toBeUndefined()
      else if (!(mp.status === "pending" || (mp.status === "paid" && to === "failed" && mp.refunded === 0))) {
        expect(result.error).toBe("invalid_transition")
      } else if (to === "paid" && mp.amount > mBalance(mi)) expect(result.error).toBe("overpayment")
      else {
        expect(result.error).toBeUndefined()
        if (to === "paid") mi.paid += mp.amount
        else if (mp.status === "paid") mi.paid -= mp.amount
        mp.status = to
        bump(stats, to === "failed" ? "fail" : "confirm")
      }
    })
  const setStatus = fc.record({ p: fc.nat(), to: fc.constantFrom("paid" as const, "failed" as const) }).map(setOf)
  const refundOf = ({ amount, p }: { readonly p: number; readonly amount: number }): Cmd =>
    command(`refund(${p}, ${amount})`, hasPayment, async (m) => {
      const mp = at(m.payments, p)
      const mi = m.invoices[mp.invoice]!
      const result = await outcome(run, Effect.flatMap(Billing, (b) => b.refundPayment({ paymentId: mp.id, amountMinor: amount })))
      const left = mp.status === "paid" ? mp.amount - mp.refunded : 0
      if (amount > left) expect(result.error).toBe("refund_exceeds_paid")
      else {
        expect(result.error).toBeUndefined()
        mp.refunded += amount
        mi.refunded += amount
        if (mp.refunded === mp.amount) mp.status = "refunded"
        bump(stats, "refund")
      }
    })
  const refundCmd = fc.record({ p: fc.nat(), amount: fc.integer({ min: 1, max: 8000 }) }).map(refundOf)
  const creditOf = ({ amount, i }: { readonly i: number; readonly amount: number }): Cmd =>
    command(`credit(${i}, ${amount})`, hasInvoice, async (m) => {
      const mi = at(m.invoices, i)
      const result = await outcome(run, Effect.flatMap(Billing, (b) => b.createCreditNote({ invoiceId: mi.id, amountMinor: amount, reason: "model" })))
      if (!open(mi)) expect(result.error).toBe("invalid_transition")
      else if (amount > mBalance(mi)) expect(result.error).toBe("credit_exceeds_balance")
      else {
        expect(result.error).toBeUndefined()
        mi.credited += amount
        bump(stats, "credit")
      }
    })
  const credit = fc.record({ i: fc.nat(), amount: fc.integer({ min: 1, max: 12000 }) }).map(creditOf)
  const voidOf = (i: number): Cmd =>
    command(`void(${i})`, hasInvoice, async (m) => {
      const index = i % m.invoices.length
      const mi = m.invoices[index]!
      const result = await outcome(run, Effect.flatMap(Billing, (b) => b.voidInvoice(mi.id)))
      const applied = m.payments.some((p) => p.invoice === index && p.status !== "failed") || mi.credited > 0
      const status = mStatus(mi)
      if (status === "draft" || (status === "issued" && !applied)) {
        expect(result.error).toBeUndefined()
        mi.step = "void"
        bump(stats, "void")
      } else expect(result.error).toBe(status === "issued" ? "has_dependents" : "invalid_transition")
    })
  const voidCmd = fc.nat().map(voidOf)
  const line = { description: "Visit", quantity: 1, unitPriceMinor: 10_000 }
  /** One sequence that does each kind of work for sure, so the coverage check never depends on the draw. */
  const example: ReadonlyArray<Cmd> = [
    createCmd({ lines: [line], tax: 0, discount: 0 }),
    issueCmd(0),
    payOf({ i: 0, amount: 4000, pending: false }),
    payOf({ i: 0, amount: 6000, pending: false }),
    setOf({ p: 1, to: "failed" }),
    payOf({ i: 0, amount: 6000, pending: true }),
    setOf({ p: 2, to: "paid" }),
    refundOf({ p: 2, amount: 2500 }),
    creditOf({ i: 0, amount: 1000 }),
    createCmd({ lines: [line], tax: 10, discount: 500 }),
    issueCmd(1),
    voidOf(1),
    createCmd({ lines: [line], tax: 0, discount: 0 }),
    voidOf(2)
  ]
  return { commands: [create, issue, issue, payCmd, payCmd, setStatus, refundCmd, credit, voidCmd], example }
}
