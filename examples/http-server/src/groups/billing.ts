/** Invoices, credit notes, payments, refunds, payment plans and expenses. */
import { Billing, Expense, Invoice, Payment, PaymentPlan } from "@clinicore/core"
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { apiOf, IdPath, staffGroup, wire } from "../Http.js"

const exact = <A, I>(schema: Schema.Schema<A, I>) => Schema.optionalWith(schema, { exact: true })
/** The expense period as query text (numbers decoded here; the service checks dates and ranges). */
const ExpenseQuery = Schema.Struct({
  from: Schema.String,
  to: Schema.String,
  category: exact(Schema.String),
  limit: exact(Schema.NumberFromString),
  offset: exact(Schema.NumberFromString)
})

export const group = staffGroup("billing", "Invoices, payments, payment plans and expenses")
  .add(HttpApiEndpoint.post("createInvoice", "/invoices").setPayload(wire(Invoice.CreateInvoice)).addSuccess(Invoice.Invoice, { status: 201 }))
  .add(
    HttpApiEndpoint.post("invoiceAppointment", "/invoices/from-appointment").setPayload(wire(Billing.InvoiceAppointment))
      .addSuccess(Invoice.Invoice, { status: 201 })
  )
  .add(HttpApiEndpoint.post("listInvoices", "/invoices/search").setPayload(wire(Billing.InvoiceList)).addSuccess(Schema.Array(Invoice.Invoice)))
  .add(HttpApiEndpoint.get("getInvoice", "/invoices/:id").setPath(IdPath).addSuccess(Invoice.Invoice))
  .add(
    HttpApiEndpoint.patch("updateInvoice", "/invoices/:id").setPath(IdPath).setPayload(wire(Invoice.UpdateInvoice).pipe(Schema.omit("id")))
      .addSuccess(Invoice.Invoice)
  )
  .add(HttpApiEndpoint.post("issueInvoice", "/invoices/:id/issue").setPath(IdPath).addSuccess(Invoice.Invoice))
  .add(HttpApiEndpoint.post("voidInvoice", "/invoices/:id/void").setPath(IdPath).addSuccess(Invoice.Invoice))
  .add(HttpApiEndpoint.del("deleteInvoice", "/invoices/:id").setPath(IdPath))
  .add(HttpApiEndpoint.get("getPaymentPlan", "/invoices/:id/payment-plan").setPath(IdPath).addSuccess(PaymentPlan.PaymentPlan))
  .add(
    HttpApiEndpoint.post("createCreditNote", "/credit-notes").setPayload(wire(Invoice.CreateCreditNote))
      .addSuccess(Invoice.CreditNote, { status: 201 })
  )
  .add(HttpApiEndpoint.post("recordPayment", "/payments").setPayload(wire(Payment.RecordPayment)).addSuccess(Payment.Payment, { status: 201 }))
  .add(HttpApiEndpoint.post("listPayments", "/payments/search").setPayload(wire(Billing.PaymentList)).addSuccess(Schema.Array(Payment.Payment)))
  .add(HttpApiEndpoint.post("confirmPayment", "/payments/confirm").setPayload(wire(Payment.ConfirmPayment)).addSuccess(Payment.Payment))
  .add(HttpApiEndpoint.get("getPayment", "/payments/:id").setPath(IdPath).addSuccess(Payment.Payment))
  .add(
    HttpApiEndpoint.post("setPaymentStatus", "/payments/:id/status").setPath(IdPath)
      .setPayload(wire(Payment.SetPaymentStatus).pipe(Schema.omit("id"))).addSuccess(Payment.Payment)
  )
  .add(
    HttpApiEndpoint.post("refundPayment", "/payments/:id/refunds").setPath(IdPath)
      .setPayload(wire(Payment.RefundPayment).pipe(Schema.omit("paymentId"))).addSuccess(Payment.Refund, { status: 201 })
  )
  .add(
    HttpApiEndpoint.post("createPaymentPlan", "/payment-plans").setPayload(wire(PaymentPlan.CreatePaymentPlan))
      .addSuccess(PaymentPlan.PaymentPlan, { status: 201 })
  )
  .add(HttpApiEndpoint.post("createExpense", "/expenses").setPayload(wire(Expense.CreateExpense)).addSuccess(Expense.Expense, { status: 201 }))
  .add(HttpApiEndpoint.get("listExpenses", "/expenses").setUrlParams(ExpenseQuery).addSuccess(Schema.Array(Expense.Expense)))
  .add(HttpApiEndpoint.del("deleteExpense", "/expenses/:id").setPath(IdPath))

export const live = HttpApiBuilder.group(apiOf(group), "billing", (handlers) =>
  Effect.gen(function*() {
    const billing = yield* Billing.Billing
    return handlers
      .handle("createInvoice", ({ payload }) => billing.createInvoice(payload))
      .handle("invoiceAppointment", ({ payload }) => billing.invoiceAppointment(payload))
      .handle("listInvoices", ({ payload }) => billing.listInvoices(payload))
      .handle("getInvoice", ({ path }) => billing.getInvoice(path.id))
      .handle("updateInvoice", ({ path, payload }) => billing.updateInvoice({ ...payload, id: path.id }))
      .handle("issueInvoice", ({ path }) => billing.issueInvoice(path.id))
      .handle("voidInvoice", ({ path }) => billing.voidInvoice(path.id))
      .handle("deleteInvoice", ({ path }) => billing.deleteInvoice(path.id))
      .handle("getPaymentPlan", ({ path }) => billing.getPaymentPlan(path.id))
      .handle("createCreditNote", ({ payload }) => billing.createCreditNote(payload))
      .handle("recordPayment", ({ payload }) => billing.recordPayment(payload))
      .handle("listPayments", ({ payload }) => billing.listPayments(payload))
      .handle("confirmPayment", ({ payload }) => billing.confirmPayment(payload))
      .handle("getPayment", ({ path }) => billing.getPayment(path.id))
      .handle("setPaymentStatus", ({ path, payload }) => billing.setPaymentStatus({ ...payload, id: path.id }))
      .handle("refundPayment", ({ path, payload }) => billing.refundPayment({ ...payload, paymentId: path.id }))
      .handle("createPaymentPlan", ({ payload }) => billing.createPaymentPlan(payload))
      .handle("createExpense", ({ payload }) => billing.createExpense(payload))
      .handle("listExpenses", ({ urlParams }) => billing.listExpenses(urlParams))
      .handle("deleteExpense", ({ path }) => billing.deleteExpense(path.id))
  }))
