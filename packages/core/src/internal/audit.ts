import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import { type AuditEntry, chainPurpose, link } from "../AuditEvent.js"
import type { FieldCrypto } from "../FieldCrypto.js"
import type { ClinicRow, Storage } from "../Storage.js"

/** An event before it has a clinic, a time and a place in the chain. */
export type AuditDraft = Omit<AuditEntry, "clinicId" | "at">

/**
 * Appends an event to the clinic's chain inside the current transaction: reads the head (held
 * until the transaction ends), links and signs the event here in the process, and writes it. The
 * chain key never leaves the process. Callers append as late as they can to keep the head's hold
 * short.
 */
export const appendAudit = (storage: Storage, fieldCrypto: FieldCrypto, clinicRow: ClinicRow, draft: AuditDraft) =>
  Effect.gen(function*() {
    const clinicId = clinicRow.clinic.id
    const mac = yield* fieldCrypto.keyedMac(clinicRow.dataKey, clinicId, chainPurpose)
    const at = yield* Clock.currentTimeMillis
    const head = yield* storage.audit.head(clinicId)
    yield* storage.audit.append(link({ ...draft, clinicId, at }, head, mac))
  })
