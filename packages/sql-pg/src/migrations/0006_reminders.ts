import * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"

/**
 * Reminders (DESIGN §9): the outbox written with every appointment change, the per-clinic policy
 * and per-patient consent. One reminder per (appointment, appointment version, offset, channel),
 * guarded by a unique key: two writers of the same booking change cannot write it twice.
 *
 * The dispatcher's claim is `FOR UPDATE SKIP LOCKED` over the partial index of due rows (see
 * `ClinicorePg.reminderClaim`). Finding the clinics with due reminders is the one cross-clinic
 * read a dispatcher needs: the `reminders_due_scan` policy lets a transaction that names no tenant
 * and sets `clinicore.scan = 'due_reminders'` (transaction-locally) read reminder rows; the
 * adapter only ever selects their clinic ids there.
 */
export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient

  yield* sql`CREATE TABLE reminder_policies (
    clinic_id uuid NOT NULL PRIMARY KEY REFERENCES clinics (id),
    policy jsonb NOT NULL,
    updated_at timestamptz NOT NULL
  )`
  yield* sql`CREATE TABLE reminder_consents (
    clinic_id uuid NOT NULL,
    patient_id uuid NOT NULL,
    channel text NOT NULL CHECK (channel IN ('sms', 'email', 'call')),
    granted boolean NOT NULL,
    source text NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (clinic_id, patient_id, channel),
    CONSTRAINT reminder_consents_patient_fkey FOREIGN KEY (clinic_id, patient_id) REFERENCES patients (clinic_id, id)
      ON DELETE CASCADE
  )`
  yield* sql`CREATE TABLE reminders (
    clinic_id uuid NOT NULL,
    id uuid NOT NULL,
    appointment_id uuid NOT NULL,
    appointment_version integer NOT NULL,
    appointment_start timestamptz NOT NULL,
    patient_id uuid NOT NULL,
    kind text NOT NULL CHECK (kind IN ('auto', 'manual')),
    offset_minutes integer,
    channel text NOT NULL CHECK (channel IN ('sms', 'email', 'call')),
    due_at timestamptz NOT NULL,
    deadline timestamptz NOT NULL,
    status text NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'cancelled', 'skipped')),
    reason text,
    attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    reconcile boolean NOT NULL DEFAULT false,
    provider_message_id text,
    sent_at timestamptz,
    lease_owner text,
    lease_until timestamptz,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (clinic_id, id),
    CONSTRAINT reminders_appointment_fkey FOREIGN KEY (clinic_id, appointment_id) REFERENCES appointments (clinic_id, id),
    CONSTRAINT reminders_patient_fkey FOREIGN KEY (clinic_id, patient_id) REFERENCES patients (clinic_id, id),
    CONSTRAINT reminders_once UNIQUE (clinic_id, appointment_id, appointment_version, offset_minutes, channel),
    CHECK (status <> 'sending' OR (lease_owner IS NOT NULL AND lease_until IS NOT NULL))
  )`
  yield* sql`CREATE INDEX reminders_due_idx ON reminders (clinic_id, due_at) WHERE status = 'pending'`
  yield* sql`CREATE INDEX reminders_lease_idx ON reminders (clinic_id, lease_until) WHERE status = 'sending'`
  yield* sql`CREATE INDEX reminders_appointment_idx ON reminders (clinic_id, appointment_id)`
  yield* sql`CREATE INDEX reminders_provider_idx ON reminders (clinic_id, provider_message_id)
    WHERE provider_message_id IS NOT NULL`

  // Recall campaigns: a campaign's rule and template, and one contact per selected patient, sent
  // through the reminder dispatcher (same claiming, same leases).
  yield* sql`CREATE TABLE recall_campaigns (
    clinic_id uuid NOT NULL REFERENCES clinics (id),
    id uuid NOT NULL,
    name text NOT NULL,
    rule jsonb NOT NULL,
    channel text NOT NULL CHECK (channel IN ('sms', 'email', 'call')),
    template jsonb NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (clinic_id, id)
  )`
  yield* sql`CREATE TABLE recall_contacts (
    clinic_id uuid NOT NULL,
    id uuid NOT NULL,
    campaign_id uuid NOT NULL,
    patient_id uuid NOT NULL,
    channel text NOT NULL CHECK (channel IN ('sms', 'email', 'call')),
    due_at timestamptz NOT NULL,
    status text NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'cancelled', 'skipped')),
    reason text,
    attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    reconcile boolean NOT NULL DEFAULT false,
    provider_message_id text,
    sent_at timestamptz,
    lease_owner text,
    lease_until timestamptz,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (clinic_id, id),
    CONSTRAINT recall_contacts_campaign_fkey FOREIGN KEY (clinic_id, campaign_id) REFERENCES recall_campaigns (clinic_id, id),
    CONSTRAINT recall_contacts_patient_fkey FOREIGN KEY (clinic_id, patient_id) REFERENCES patients (clinic_id, id)
      ON DELETE CASCADE,
    CONSTRAINT recall_contacts_once UNIQUE (clinic_id, campaign_id, patient_id),
    CHECK (status <> 'sending' OR (lease_owner IS NOT NULL AND lease_until IS NOT NULL))
  )`
  yield* sql`CREATE INDEX recall_contacts_due_idx ON recall_contacts (clinic_id, due_at) WHERE status = 'pending'`
  yield* sql`CREATE INDEX recall_contacts_lease_idx ON recall_contacts (clinic_id, lease_until) WHERE status = 'sending'`
  yield* sql`CREATE INDEX recall_contacts_patient_idx ON recall_contacts (clinic_id, patient_id)`

  for (const table of ["reminder_policies", "reminder_consents", "reminders", "recall_campaigns", "recall_contacts"]) {
    yield* sql`ALTER TABLE ${sql(table)} ENABLE ROW LEVEL SECURITY`
    yield* sql`ALTER TABLE ${sql(table)} FORCE ROW LEVEL SECURITY`
    yield* sql`CREATE POLICY ${sql(`${table}_tenant`)} ON ${sql(table)}
      USING (clinic_id = clinicore_current_clinic())
      WITH CHECK (clinic_id = clinicore_current_clinic())`
  }
  yield* sql`CREATE POLICY reminders_due_scan ON reminders FOR SELECT
    USING (clinicore_current_clinic() IS NULL AND current_setting('clinicore.scan', true) = 'due_reminders')`
  yield* sql`CREATE POLICY recall_contacts_due_scan ON recall_contacts FOR SELECT
    USING (clinicore_current_clinic() IS NULL AND current_setting('clinicore.scan', true) = 'due_reminders')`
})
