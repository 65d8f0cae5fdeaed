import * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"

/**
 * Reminders (DESIGN §9): the outbox written with every appointment change, the per-clinic policy
 * and per-patient consent. One reminder per (appointment, appointment version, offset, channel),
 * guarded by a unique key. Claiming needs no row locks here: every write transaction begins
 * IMMEDIATE and holds the database's single write lock.
 */
export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient

  yield* sql`CREATE TABLE reminder_policies (
    clinic_id TEXT NOT NULL PRIMARY KEY REFERENCES clinics (id),
    policy TEXT NOT NULL,
    updated_at INTEGER NOT NULL
  ) STRICT`
  yield* sql`CREATE TABLE reminder_consents (
    clinic_id TEXT NOT NULL,
    patient_id TEXT NOT NULL,
    channel TEXT NOT NULL CHECK (channel IN ('sms', 'email', 'call')),
    granted INTEGER NOT NULL CHECK (granted IN (0, 1)),
    source TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (clinic_id, patient_id, channel),
    CONSTRAINT reminder_consents_patient_fkey FOREIGN KEY (clinic_id, patient_id) REFERENCES patients (clinic_id, id)
      ON DELETE CASCADE
  ) STRICT`
  yield* sql`CREATE TABLE reminders (
    clinic_id TEXT NOT NULL,
    id TEXT NOT NULL,
    appointment_id TEXT NOT NULL,
    appointment_version INTEGER NOT NULL,
    appointment_start INTEGER NOT NULL,
    patient_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('auto', 'manual')),
    offset_minutes INTEGER,
    channel TEXT NOT NULL CHECK (channel IN ('sms', 'email', 'call')),
    due_at INTEGER NOT NULL,
    deadline INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'cancelled', 'skipped')),
    reason TEXT,
    attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    reconcile INTEGER NOT NULL DEFAULT 0 CHECK (reconcile IN (0, 1)),
    provider_message_id TEXT,
    sent_at INTEGER,
    lease_owner TEXT,
    lease_until INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (clinic_id, id),
    CONSTRAINT reminders_appointment_fkey FOREIGN KEY (clinic_id, appointment_id) REFERENCES appointments (clinic_id, id),
    CONSTRAINT reminders_patient_fkey FOREIGN KEY (clinic_id, patient_id) REFERENCES patients (clinic_id, id),
    CONSTRAINT reminders_once UNIQUE (clinic_id, appointment_id, appointment_version, offset_minutes, channel),
    CHECK (status <> 'sending' OR (lease_owner IS NOT NULL AND lease_until IS NOT NULL))
  ) STRICT`
  yield* sql`CREATE INDEX reminders_due_idx ON reminders (clinic_id, due_at) WHERE status = 'pending'`
  yield* sql`CREATE INDEX reminders_lease_idx ON reminders (clinic_id, lease_until) WHERE status = 'sending'`
  yield* sql`CREATE INDEX reminders_appointment_idx ON reminders (clinic_id, appointment_id)`
  yield* sql`CREATE INDEX reminders_provider_idx ON reminders (clinic_id, provider_message_id)
    WHERE provider_message_id IS NOT NULL`

  // Recall campaigns: a campaign's rule and template, and one contact per selected patient, sent
  // through the reminder dispatcher (same claiming, same leases).
  yield* sql`CREATE TABLE recall_campaigns (
    clinic_id TEXT NOT NULL REFERENCES clinics (id),
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    rule TEXT NOT NULL,
    channel TEXT NOT NULL CHECK (channel IN ('sms', 'email', 'call')),
    template TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (clinic_id, id)
  ) STRICT`
  yield* sql`CREATE TABLE recall_contacts (
    clinic_id TEXT NOT NULL,
    id TEXT NOT NULL,
    campaign_id TEXT NOT NULL,
    patient_id TEXT NOT NULL,
    channel TEXT NOT NULL CHECK (channel IN ('sms', 'email', 'call')),
    due_at INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'cancelled', 'skipped')),
    reason TEXT,
    attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    reconcile INTEGER NOT NULL DEFAULT 0 CHECK (reconcile IN (0, 1)),
    provider_message_id TEXT,
    sent_at INTEGER,
    lease_owner TEXT,
    lease_until INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (clinic_id, id),
    CONSTRAINT recall_contacts_campaign_fkey FOREIGN KEY (clinic_id, campaign_id) REFERENCES recall_campaigns (clinic_id, id),
    CONSTRAINT recall_contacts_patient_fkey FOREIGN KEY (clinic_id, patient_id) REFERENCES patients (clinic_id, id)
      ON DELETE CASCADE,
    CONSTRAINT recall_contacts_once UNIQUE (clinic_id, campaign_id, patient_id),
    CHECK (status <> 'sending' OR (lease_owner IS NOT NULL AND lease_until IS NOT NULL))
  ) STRICT`
  yield* sql`CREATE INDEX recall_contacts_due_idx ON recall_contacts (clinic_id, due_at) WHERE status = 'pending'`
  yield* sql`CREATE INDEX recall_contacts_lease_idx ON recall_contacts (clinic_id, lease_until) WHERE status = 'sending'`
  yield* sql`CREATE INDEX recall_contacts_patient_idx ON recall_contacts (clinic_id, patient_id)`
})
