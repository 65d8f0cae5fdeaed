import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import { type AuditEntry, chainPurpose } from "../AuditEvent.js"
import type { FieldCrypto } from "../FieldCrypto.js"
import type { ClinicRow, Storage } from "../Storage.js"

/** An event before it has a clinic, a time and a place in the chain. */
export type AuditDraft = Omit<AuditEntry, "clinicId" | "at">

/**
 * Appends an event to the clinic's chain inside the current transaction. The storage numbers,
 * links and signs it under the head's lock, which it holds until commit; callers append as late as
 * they can to keep that window short.
 */
export const appendAudit = (storage: Storage, fieldCrypto: FieldCrypto, clinicRow: ClinicRow, draft: AuditDraft) =>
  Effect.gen(function*() {
    const clinicId = clinicRow.clinic.id
    const key = yield* fieldCrypto.macKey(clinicRow.dataKey, clinicId, chainPurpose)
    yield* storage.audit.append({ ...draft, clinicId, at: yield* Clock.currentTimeMillis }, key)
  })
