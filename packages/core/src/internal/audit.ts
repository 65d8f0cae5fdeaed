import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import { AuditEvent, canonical, chainPurpose } from "../AuditEvent.js"
import type { FieldCrypto } from "../FieldCrypto.js"
import type { ClinicRow, Storage } from "../Storage.js"

/** An event before the chain numbers and hashes it. */
export type AuditDraft = Omit<AuditEvent, "clinicId" | "seq" | "at" | "prevHash" | "hash">


/**
 * Appends an event to the clinic's chain inside the current transaction. The head row stays
 * locked until commit, so concurrent writers in one clinic queue here and the sequence has no gaps;
 * callers append as late as they can to keep that window short.
 */
export const appendAudit = (storage: Storage, fieldCrypto: FieldCrypto, clinicRow: ClinicRow, draft: AuditDraft) =>
  Effect.gen(function*() {
    const clinicId = clinicRow.clinic.id
    const mac = yield* fieldCrypto.keyedMac(clinicRow.dataKey, clinicId, chainPurpose)
    const head = yield* storage.audit.lockHead(clinicId)
    const unsigned = { ...draft, clinicId, seq: head.seq + 1, at: yield* Clock.currentTimeMillis, prevHash: head.hash }
    yield* storage.audit.append(new AuditEvent({ ...unsigned, hash: mac(canonical(unsigned)) }, { disableValidation: true }))
  })
