/**
 * Encryption of sensitive identifiers at rest: AES-256-GCM with a per-clinic data key wrapped by a
 * master key from `Config`, the ciphertext bound to clinic/table/column/row through the additional
 * authenticated data, and a keyed blind index (HMAC-SHA256) for exact-match lookup.
 *
 * @since 0.1.0
 */
import * as Config from "effect/Config"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as internal from "./internal/fieldCrypto.js"
import type { ClinicId } from "./Ids.js"

/** Where a ciphertext belongs: it decrypts only there. @since 0.1.0 @category models */
export interface FieldContext {
  readonly clinicId: ClinicId
  readonly table: string
  readonly column: string
  readonly rowId: string
}

/** @since 0.1.0 @category models */
export interface FieldCrypto {
  /** A fresh data key for a clinic, wrapped by the current master key. */
  readonly newDataKey: (clinicId: ClinicId) => Effect.Effect<string>
  readonly encrypt: (wrappedKey: string, at: FieldContext, plaintext: string) => Effect.Effect<string>
  /** Dies when the ciphertext was altered or moved to another row, column or clinic. */
  readonly decrypt: (wrappedKey: string, at: FieldContext, ciphertext: string) => Effect.Effect<string>
  /** A keyed, deterministic index of a normalised value, for exact lookup. */
  readonly blindIndex: (wrappedKey: string, clinicId: ClinicId, column: string, value: string) => Effect.Effect<string>
  /**
   * An HMAC-SHA256 function under a key derived from the clinic's data key for `purpose` (such as
   * the audit chain): keyed per clinic, and as long-lived as the data key.
   */
  readonly keyedMac: (wrappedKey: string, clinicId: ClinicId, purpose: string) => Effect.Effect<(data: string) => string>
}

/** @since 0.1.0 @category tags */
export const FieldCrypto: Context.Tag<FieldCrypto, FieldCrypto> = Context.GenericTag<FieldCrypto>(
  "@clinicore/core/FieldCrypto"
)

/**
 * Master keys by version; `current` wraps new data keys, the others still unwrap old ones.
 * Each key is 32 bytes, base64-encoded.
 *
 * @since 0.1.0 @category models
 */
export interface MasterKeys {
  readonly current: string
  readonly keys: Readonly<Record<string, Redacted.Redacted<string>>>
}

/** @since 0.1.0 @category constructors */
export const make = (masterKeys: MasterKeys): FieldCrypto => internal.make(masterKeys)

/** @since 0.1.0 @category layers */
export const layer = (masterKeys: MasterKeys): Layer.Layer<FieldCrypto> => Layer.sync(FieldCrypto, () => make(masterKeys))

/**
 * Reads `CLINICORE_MASTER_KEY` (base64, 32 bytes) as key version `k1`.
 *
 * @since 0.1.0 @category layers
 */
export const layerConfig = (
  config: Config.Config<Redacted.Redacted<string>> = Config.redacted("CLINICORE_MASTER_KEY")
) => Layer.effect(FieldCrypto, Effect.map(config, (key) => make({ current: "k1", keys: { k1: key } })))
