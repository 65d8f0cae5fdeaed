import * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"

/**
 * Billing: invoices and their lines, the number counters, credit notes, payments and refunds,
 * payment plans and expenses. Every key starts with `clinic_id`, so a reference across clinics is
 * impossible, and every table is under forced row-level security like the others. The database
 * guards what only it can under concurrency: references, one live invoice per appointment, unique
 * numbers, idempotency keys and provider references, and the counter row that makes numbers
 * gap-free (its row lock is held by the issuing transaction until it ends).
 */
export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient

  // One row per clinic, series and year; `last_number` is the last number given out.
  yield* sql`CREATE TABLE billing_counters (
    clinic_id uuid NOT NULL REFERENCES clinics (id),
    series text NOT NULL CHECK (series IN ('invoice', 'credit_note')),
    year integer NOT NULL,
    last_number integer NOT NULL,
    PRIMARY KEY (clinic_id, series, year)
  )`
  yield* sql`CREATE TABLE invoices (
    clinic_id uuid NOT NULL REFERENCES clinics (id),
    id uuid NOT NULL,
    patient_id uuid NOT NULL,
    appointment_id uuid,
    currency text NOT NULL,
    tax_basis_points integer NOT NULL,
    discount_minor bigint NOT NULL,
    rounding_mode text NOT NULL CHECK (rounding_mode IN ('half_up', 'half_even')),
    rounding_scope text NOT NULL CHECK (rounding_scope IN ('invoice', 'line')),
    subtotal_minor bigint NOT NULL,
    tax_minor bigint NOT NULL,
    total_minor bigint NOT NULL,
    paid_minor bigint NOT NULL,
    refunded_minor bigint NOT NULL,
    credited_minor bigint NOT NULL,
    balance_minor bigint NOT NULL,
    status text NOT NULL CHECK (status IN ('draft', 'issued', 'partially_paid', 'paid', 'void', 'credited')),
    number text,
    year integer,
    sequence integer,
    due_days integer NOT NULL,
    issued_at timestamptz,
    due_date text,
    voided_at timestamptz,
    notes text,
    created_by uuid,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (clinic_id, id),
    CONSTRAINT invoices_patient_fkey FOREIGN KEY (clinic_id, patient_id) REFERENCES patients (clinic_id, id),
    CONSTRAINT invoices_appointment_fkey FOREIGN KEY (clinic_id, appointment_id) REFERENCES appointments (clinic_id, id),
    CONSTRAINT invoices_created_by_fkey FOREIGN KEY (clinic_id, created_by) REFERENCES staff (clinic_id, id),
    CONSTRAINT invoices_number_key UNIQUE (clinic_id, number)
  )`
  // At most one invoice per appointment, void ones aside: decided here when two race.
  yield* sql`CREATE UNIQUE INDEX invoices_appointment_key ON invoices (clinic_id, appointment_id)
    WHERE appointment_id IS NOT NULL AND status <> 'void'`
  yield* sql`CREATE INDEX invoices_patient_idx ON invoices (clinic_id, patient_id)`
  yield* sql`CREATE INDEX invoices_created_by_idx ON invoices (clinic_id, created_by)`
  yield* sql`CREATE INDEX invoices_appointment_idx ON invoices (clinic_id, appointment_id)`
  yield* sql`CREATE INDEX invoices_due_idx ON invoices (clinic_id, due_date) WHERE status IN ('issued', 'partially_paid')`
  yield* sql`CREATE TABLE invoice_lines (
    clinic_id uuid NOT NULL,
    invoice_id uuid NOT NULL,
    position integer NOT NULL,
    description text NOT NULL,
    quantity integer NOT NULL,
    unit_price_minor bigint NOT NULL,
    service_id uuid,
    PRIMARY KEY (clinic_id, invoice_id, position),
    CONSTRAINT invoice_lines_invoice_fkey FOREIGN KEY (clinic_id, invoice_id) REFERENCES invoices (clinic_id, id)
      ON DELETE CASCADE,
    CONSTRAINT invoice_lines_service_fkey FOREIGN KEY (clinic_id, service_id) REFERENCES services (clinic_id, id)
  )`
  yield* sql`CREATE INDEX invoice_lines_service_idx ON invoice_lines (clinic_id, service_id)`
  yield* sql`CREATE TABLE credit_notes (
    clinic_id uuid NOT NULL,
    id uuid NOT NULL,
    invoice_id uuid NOT NULL,
    number text NOT NULL,
    year integer NOT NULL,
    sequence integer NOT NULL,
    amount_minor bigint NOT NULL,
    currency text NOT NULL,
    reason text NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (clinic_id, id),
    CONSTRAINT credit_notes_invoice_fkey FOREIGN KEY (clinic_id, invoice_id) REFERENCES invoices (clinic_id, id),
    CONSTRAINT credit_notes_number_key UNIQUE (clinic_id, number)
  )`
  yield* sql`CREATE INDEX credit_notes_invoice_idx ON credit_notes (clinic_id, invoice_id)`
  yield* sql`CREATE TABLE payments (
    clinic_id uuid NOT NULL,
    id uuid NOT NULL,
    invoice_id uuid,
    appointment_id uuid,
    amount_minor bigint NOT NULL,
    currency text NOT NULL,
    method text NOT NULL CHECK (method IN ('cash', 'card', 'bank_transfer', 'insurance', 'other')),
    status text NOT NULL CHECK (status IN ('pending', 'paid', 'failed', 'refunded')),
    idempotency_key text NOT NULL,
    request_fingerprint text NOT NULL,
    provider_reference text,
    refunded_minor bigint NOT NULL,
    paid_at timestamptz,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (clinic_id, id),
    CONSTRAINT payments_invoice_fkey FOREIGN KEY (clinic_id, invoice_id) REFERENCES invoices (clinic_id, id),
    CONSTRAINT payments_appointment_fkey FOREIGN KEY (clinic_id, appointment_id) REFERENCES appointments (clinic_id, id),
    CONSTRAINT payments_idempotency_key UNIQUE (clinic_id, idempotency_key)
  )`
  yield* sql`CREATE UNIQUE INDEX payments_provider_reference_key ON payments (clinic_id, provider_reference)
    WHERE provider_reference IS NOT NULL`
  yield* sql`CREATE INDEX payments_invoice_idx ON payments (clinic_id, invoice_id)`
  yield* sql`CREATE INDEX payments_appointment_idx ON payments (clinic_id, appointment_id)`
  yield* sql`CREATE TABLE refunds (
    clinic_id uuid NOT NULL,
    id uuid NOT NULL,
    payment_id uuid NOT NULL,
    amount_minor bigint NOT NULL,
    reason text,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (clinic_id, id),
    CONSTRAINT refunds_payment_fkey FOREIGN KEY (clinic_id, payment_id) REFERENCES payments (clinic_id, id)
  )`
  yield* sql`CREATE INDEX refunds_payment_idx ON refunds (clinic_id, payment_id)`
  yield* sql`CREATE TABLE payment_plans (
    clinic_id uuid NOT NULL,
    id uuid NOT NULL,
    invoice_id uuid NOT NULL,
    total_minor bigint NOT NULL,
    currency text NOT NULL,
    status text NOT NULL CHECK (status IN ('active', 'completed')),
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (clinic_id, id),
    CONSTRAINT payment_plans_invoice_fkey FOREIGN KEY (clinic_id, invoice_id) REFERENCES invoices (clinic_id, id),
    CONSTRAINT payment_plans_invoice_key UNIQUE (clinic_id, invoice_id)
  )`
  yield* sql`CREATE TABLE payment_installments (
    clinic_id uuid NOT NULL,
    plan_id uuid NOT NULL,
    seq integer NOT NULL,
    due_date text NOT NULL,
    amount_minor bigint NOT NULL,
    paid_minor bigint NOT NULL,
    status text NOT NULL CHECK (status IN ('open', 'paid')),
    PRIMARY KEY (clinic_id, plan_id, seq),
    CONSTRAINT payment_installments_plan_fkey FOREIGN KEY (clinic_id, plan_id) REFERENCES payment_plans (clinic_id, id)
  )`
  yield* sql`CREATE TABLE expenses (
    clinic_id uuid NOT NULL REFERENCES clinics (id),
    id uuid NOT NULL,
    category text NOT NULL,
    amount_minor bigint NOT NULL,
    currency text NOT NULL,
    date text NOT NULL,
    note text,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (clinic_id, id)
  )`
  yield* sql`CREATE INDEX expenses_date_idx ON expenses (clinic_id, date)`

  for (
    const table of [
      "billing_counters",
      "invoices",
      "invoice_lines",
      "credit_notes",
      "payments",
      "refunds",
      "payment_plans",
      "payment_installments",
      "expenses"
    ]
  ) {
    yield* sql`ALTER TABLE ${sql(table)} ENABLE ROW LEVEL SECURITY`
    yield* sql`ALTER TABLE ${sql(table)} FORCE ROW LEVEL SECURITY`
    yield* sql`CREATE POLICY ${sql(`${table}_tenant`)} ON ${sql(table)}
      USING (clinic_id = clinicore_current_clinic())
      WITH CHECK (clinic_id = clinicore_current_clinic())`
  }
})
