/**
 * The domain error taxonomy. Infrastructure failures are not here: adapters map the SQL errors that
 * carry domain meaning (unique, foreign key, exclusion) to these and let the rest be defects.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/**
 * One offending input field: its path (`admin.email`, `settings.slotMinutes`) and what is wrong.
 * The message never repeats a sensitive value.
 *
 * @since 0.1.0 @category models
 */
export const FieldIssue = Schema.Struct({ path: Schema.String, message: Schema.String })
/** @since 0.1.0 @category models */
export type FieldIssue = typeof FieldIssue.Type

/**
 * Bad input, decoded at the service boundary: names every bad field, and nothing was written.
 *
 * @since 0.1.0 @category errors
 */
export class ValidationError extends Schema.TaggedError<ValidationError>()("ValidationError", {
  fields: Schema.Array(FieldIssue)
}) {
  override get message(): string {
    return `invalid input: ${this.fields.map((f) => `${f.path}: ${f.message}`).join("; ")}`
  }
}

/**
 * The entity does not exist in the actor's clinic. An id that belongs to another clinic gives
 * exactly this error too.
 *
 * @since 0.1.0 @category errors
 */
export class NotFound extends Schema.TaggedError<NotFound>()("NotFound", {
  entity: Schema.String,
  id: Schema.String
}) {
  override get message(): string {
    return `${this.entity} ${this.id} not found`
  }
}

/**
 * The actor's role lacks the permission key the operation declares.
 *
 * @since 0.1.0 @category errors
 */
export class PermissionDenied extends Schema.TaggedError<PermissionDenied>()("PermissionDenied", {
  permission: Schema.String,
  reason: Schema.Literal("not_granted", "not_own_record", "wrong_principal")
}) {
  override get message(): string {
    return `permission denied: ${this.permission} (${this.reason})`
  }
}

/**
 * Why a write conflicts with what is stored.
 *
 * @since 0.1.0 @category models
 */
export const ConflictReason = Schema.Union(
  Schema.TaggedStruct("duplicate_phone", { phone: Schema.String }),
  Schema.TaggedStruct("duplicate_email", { email: Schema.String }),
  Schema.TaggedStruct("duplicate_slug", { slug: Schema.String }),
  Schema.TaggedStruct("duplicate_national_id", {}),
  Schema.TaggedStruct("has_dependents", {
    counts: Schema.Record({ key: Schema.String, value: Schema.Number })
  }),
  Schema.TaggedStruct("invalid_transition", { from: Schema.String, to: Schema.String }),
  Schema.TaggedStruct("cross_clinic_reference", { field: Schema.String }),
  Schema.TaggedStruct("idempotency_key_reused", { key: Schema.String }),
  /** The time overlaps blocking appointments (buffers included) of the doctor, patient or rooms. */
  Schema.TaggedStruct("slot_taken", { appointmentIds: Schema.Array(Schema.String) }),
  /** The time is not bookable; `reasons` as `Scheduling.explain` gives them. */
  Schema.TaggedStruct("not_bookable", {
    reasons: Schema.Array(Schema.Struct({ code: Schema.String, appointmentIds: Schema.optional(Schema.Array(Schema.String)) }))
  }),
  Schema.TaggedStruct("inactive_reference", { field: Schema.String }),
  /** Too many public booking requests: waiting for staff in the clinic, or made with one phone today. */
  Schema.TaggedStruct("too_many_requests", {}),
  /** A public request is accepted only matched to a patient (`Scheduling.confirmRequest`). */
  Schema.TaggedStruct("unmatched_request", {}),
  /** The change would leave the clinic without an active admin. */
  Schema.TaggedStruct("last_admin", {}),
  /** The clinic still has an active admin: nothing to restore. */
  Schema.TaggedStruct("has_admin", {}),
  /** A payment above what is left to pay of its invoice (pending payments included). */
  Schema.TaggedStruct("overpayment", { balanceMinor: Schema.Number, amountMinor: Schema.Number }),
  /** A refund above what is left of the payment. */
  Schema.TaggedStruct("refund_exceeds_paid", { refundableMinor: Schema.Number, amountMinor: Schema.Number }),
  /** A credit note above what is left to pay of its invoice. */
  Schema.TaggedStruct("credit_exceeds_balance", { balanceMinor: Schema.Number, amountMinor: Schema.Number }),
  /** The appointment already has an invoice (void ones aside). */
  Schema.TaggedStruct("already_invoiced", { invoiceId: Schema.String }),
  /** Only a completed appointment can be invoiced. */
  Schema.TaggedStruct("appointment_not_completed", { status: Schema.String }),
  /** Another payment of this clinic carries the provider's reference. */
  Schema.TaggedStruct("duplicate_provider_reference", { providerReference: Schema.String })
)
/** @since 0.1.0 @category models */
export type ConflictReason = typeof ConflictReason.Type

/** @since 0.1.0 @category errors */
export class Conflict extends Schema.TaggedError<Conflict>()("Conflict", {
  reason: ConflictReason
}) {
  override get message(): string {
    const r = this.reason
    switch (r._tag) {
      case "duplicate_phone":
        return `a patient with phone ${r.phone} already exists in this clinic`
      case "duplicate_email":
        return `a staff account with email ${r.email} already exists in this clinic`
      case "duplicate_slug":
        return `the clinic slug ${r.slug} is taken`
      case "duplicate_national_id":
        return "a patient with this national id already exists in this clinic"
      case "has_dependents":
        return `still referenced: ${Object.entries(r.counts).map(([k, v]) => `${v} ${k}`).join(", ")}`
      case "invalid_transition":
        return `cannot go from ${r.from} to ${r.to}`
      case "cross_clinic_reference":
        return `${r.field} does not belong to this clinic`
      case "idempotency_key_reused":
        return `idempotency key ${r.key} was used for a different request`
      case "slot_taken":
        return `the time is taken${r.appointmentIds.length > 0 ? ` by appointment ${r.appointmentIds.join(", ")}` : ""}`
      case "not_bookable":
        return `not bookable: ${r.reasons.map((x) => x.code).join(", ")}`
      case "inactive_reference":
        return `${r.field} is not active`
      case "too_many_requests":
        return "too many booking requests are waiting; please call the clinic"
      case "unmatched_request":
        return "a public request must be matched to a patient to be accepted (confirmRequest)"
      case "last_admin":
        return "the clinic's last active admin cannot be removed"
      case "has_admin":
        return "the clinic already has an active admin"
      case "overpayment":
        return `the payment of ${r.amountMinor} exceeds the ${r.balanceMinor} left to pay`
      case "refund_exceeds_paid":
        return `the refund of ${r.amountMinor} exceeds the ${r.refundableMinor} left of the payment`
      case "credit_exceeds_balance":
        return `the credit of ${r.amountMinor} exceeds the ${r.balanceMinor} left to pay`
      case "already_invoiced":
        return `the appointment is already invoiced (${r.invoiceId})`
      case "appointment_not_completed":
        return `only a completed appointment can be invoiced (it is ${r.status})`
      case "duplicate_provider_reference":
        return `a payment with provider reference ${r.providerReference} already exists in this clinic`
    }
  }
}

/** No valid credentials: a wrong password and an unknown email give this same error. @since 0.1.0 @category errors */
export class Unauthenticated extends Schema.TaggedError<Unauthenticated>()("Unauthenticated", {}) {
  override get message(): string {
    return "unauthenticated"
  }
}

/**
 * The acting account or its clinic may not act: pending, rejected or deactivated.
 *
 * @since 0.1.0 @category errors
 */
export class Inactive extends Schema.TaggedError<Inactive>()("Inactive", {
  reason: Schema.Literal("user_pending", "user_rejected", "user_inactive", "clinic_inactive")
}) {
  override get message(): string {
    return `refused: ${this.reason.replace("_", " ")}`
  }
}

/** Every error a service operation can fail with. @since 0.1.0 @category errors */
export type DomainError = ValidationError | NotFound | PermissionDenied | Conflict | Unauthenticated | Inactive
