import * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"

/**
 * Billing: invoices and their lines, the number counters, credit notes, payments and refunds,
 * payment plans and expenses. Every key starts with `clinic_id`, so a reference across clinics is
 * impossible. The database guards what only it can under concurrency: references, one live invoice
 * per appointment, unique numbers, idempotency keys and provider references, and the counter row
 * that makes numbers gap-free (written under the database's one write lock, which the issuing
 * transaction holds from its first statement, BEGIN IMMEDIATE, until it ends).
 */
export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient

  // One row per clinic, series and year; `last_number` is the last number given out.
  yield* sql`CREATE TABLE billing_counters (
    clinic_id TEXT NOT NULL REFERENCES clinics (id),
    series TEXT NOT NULL CHECK (series IN ('invoice', 'credit_note')),
    year INTEGER NOT NULL,
    last_number INTEGER NOT NULL,
    PRIMARY KEY (clinic_id, series, year)
  ) STRICT`
  yield* sql`CREATE TABLE invoices (
    clinic_id TEXT NOT NULL REFERENCES clinics (id),
    id TEXT NOT NULL,
    patient_id TEXT NOT NULL,
    appointment_id TEXT,
    currency TEXT NOT NULL,
    tax_basis_points INTEGER NOT NULL,
    discount_minor INTEGER NOT NULL,
    rounding_mode TEXT NOT NULL CHECK (rounding_mode IN ('half_up', 'half_even')),
    rounding_scope TEXT NOT NULL CHECK (rounding_scope IN ('invoice', 'line')),
    subtotal_minor INTEGER NOT NULL,
    tax_minor INTEGER NOT NULL,
    total_minor INTEGER NOT NULL,
    paid_minor INTEGER NOT NULL,
    refunded_minor INTEGER NOT NULL,
    credited_minor INTEGER NOT NULL,
    balance_minor INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'issued', 'partially_paid', 'paid', 'void', 'credited')),
    number TEXT,
    year INTEGER,
    sequence INTEGER,
    due_days INTEGER NOT NULL,
    issued_at INTEGER,
    due_date TEXT,
    voided_at INTEGER,
    notes TEXT,
    created_by TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (clinic_id, id),
    CONSTRAINT invoices_patient_fkey FOREIGN KEY (clinic_id, patient_id) REFERENCES patients (clinic_id, id),
    CONSTRAINT invoices_appointment_fkey FOREIGN KEY (clinic_id, appointment_id) REFERENCES appointments (clinic_id, id),
    CONSTRAINT invoices_created_by_fkey FOREIGN KEY (clinic_id, created_by) REFERENCES staff (clinic_id, id),
    CONSTRAINT invoices_number_key UNIQUE (clinic_id, number)
  ) STRICT`
  // At most one invoice per appointment, void ones aside: decided here when two race.
  yield* sql`CREATE UNIQUE INDEX invoices_appointment_key ON invoices (clinic_id, appointment_id)
    WHERE appointment_id IS NOT NULL AND status <> 'void'`
  yield* sql`CREATE INDEX invoices_patient_idx ON invoices (clinic_id, patient_id)`
  yield* sql`CREATE INDEX invoices_created_by_idx ON invoices (clinic_id, created_by)`
  yield* sql`CREATE INDEX invoices_appointment_idx ON invoices (clinic_id, appointment_id)`
  yield* sql`CREATE INDEX invoices_due_idx ON invoices (clinic_id, due_date) WHERE status IN ('issued', 'partially_paid')`
  yield* sql`CREATE TABLE invoice_lines (
    clinic_id TEXT NOT NULL,
    invoice_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    description TEXT NOT NULL,
    quantity INTEGER NOT NULL,
    unit_price_minor INTEGER NOT NULL,
    service_id TEXT,
    PRIMARY KEY (clinic_id, invoice_id, position),
    CONSTRAINT invoice_lines_invoice_fkey FOREIGN KEY (clinic_id, invoice_id) REFERENCES invoices (clinic_id, id)
      ON DELETE CASCADE,
    CONSTRAINT invoice_lines_service_fkey FOREIGN KEY (clinic_id, service_id) REFERENCES services (clinic_id, id)
  ) STRICT`
  yield* sql`CREATE INDEX invoice_lines_service_idx ON invoice_lines (clinic_id, service_id)`
  yield* sql`CREATE TABLE credit_notes (
    clinic_id TEXT NOT NULL,
    id TEXT NOT NULL,
    invoice_id TEXT NOT NULL,
    number TEXT NOT NULL,
    year INTEGER NOT NULL,
    sequence INTEGER NOT NULL,
    amount_minor INTEGER NOT NULL,
    currency TEXT NOT NULL,
    reason TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (clinic_id, id),
    CONSTRAINT credit_notes_invoice_fkey FOREIGN KEY (clinic_id, invoice_id) REFERENCES invoices (clinic_id, id),
    CONSTRAINT credit_notes_number_key UNIQUE (clinic_id, number)
  ) STRICT`
  yield* sql`CREATE INDEX credit_notes_invoice_idx ON credit_notes (clinic_id, invoice_id)`
  yield* sql`CREATE TABLE payments (
    clinic_id TEXT NOT NULL,
    id TEXT NOT NULL,
    invoice_id TEXT,
    appointment_id TEXT,
    amount_minor INTEGER NOT NULL,
    currency TEXT NOT NULL,
    method TEXT NOT NULL CHECK (method IN ('cash', 'card', 'bank_transfer', 'insurance', 'other')),
    status TEXT NOT NULL CHECK (status IN ('pending', 'paid', 'failed', 'refunded')),
    idempotency_key TEXT NOT NULL,
    request_fingerprint TEXT NOT NULL,
    provider_reference TEXT,
    refunded_minor INTEGER NOT NULL,
    paid_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (clinic_id, id),
    CONSTRAINT payments_invoice_fkey FOREIGN KEY (clinic_id, invoice_id) REFERENCES invoices (clinic_id, id),
    CONSTRAINT payments_appointment_fkey FOREIGN KEY (clinic_id, appointment_id) REFERENCES appointments (clinic_id, id),
    CONSTRAINT payments_idempotency_key UNIQUE (clinic_id, idempotency_key)
  ) STRICT`
  yield* sql`CREATE UNIQUE INDEX payments_provider_reference_key ON payments (clinic_id, provider_reference)
    WHERE provider_reference IS NOT NULL`
  yield* sql`CREATE INDEX payments_invoice_idx ON payments (clinic_id, invoice_id)`
  yield* sql`CREATE INDEX payments_appointment_idx ON payments (clinic_id, appointment_id)`
  yield* sql`CREATE TABLE refunds (
    clinic_id TEXT NOT NULL,
    id TEXT NOT NULL,
    payment_id TEXT NOT NULL,
    amount_minor INTEGER NOT NULL,
    reason TEXT,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (clinic_id, id),
    CONSTRAINT refunds_payment_fkey FOREIGN KEY (clinic_id, payment_id) REFERENCES payments (clinic_id, id)
  ) STRICT`
  yield* sql`CREATE INDEX refunds_payment_idx ON refunds (clinic_id, payment_id)`
  yield* sql`CREATE TABLE payment_plans (
    clinic_id TEXT NOT NULL,
    id TEXT NOT NULL,
    invoice_id TEXT NOT NULL,
    total_minor INTEGER NOT NULL,
    currency TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('active', 'completed')),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (clinic_id, id),
    CONSTRAINT payment_plans_invoice_fkey FOREIGN KEY (clinic_id, invoice_id) REFERENCES invoices (clinic_id, id),
    CONSTRAINT payment_plans_invoice_key UNIQUE (clinic_id, invoice_id)
  ) STRICT`
  yield* sql`CREATE TABLE payment_installments (
    clinic_id TEXT NOT NULL,
    plan_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    due_date TEXT NOT NULL,
    amount_minor INTEGER NOT NULL,
    paid_minor INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'paid')),
    PRIMARY KEY (clinic_id, plan_id, seq),
    CONSTRAINT payment_installments_plan_fkey FOREIGN KEY (clinic_id, plan_id) REFERENCES payment_plans (clinic_id, id)
  ) STRICT`
  yield* sql`CREATE TABLE expenses (
    clinic_id TEXT NOT NULL REFERENCES clinics (id),
    id TEXT NOT NULL,
    category TEXT NOT NULL,
    amount_minor INTEGER NOT NULL,
    currency TEXT NOT NULL,
    date TEXT NOT NULL,
    note TEXT,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (clinic_id, id)
  ) STRICT`
  yield* sql`CREATE INDEX expenses_date_idx ON expenses (clinic_id, date)`
})
