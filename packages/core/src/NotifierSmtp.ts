/**
 * A `Notifier` for e-mail over SMTP, through nodemailer. Every attempt of one reminder carries the
 * same `Message-ID` (`<reminder-…@clinicore>`), so a mail that was accepted but whose answer was
 * lost is recognisable as the same message if it is sent again.
 *
 * Answers: accepted → sent (the `Message-ID` is the provider message id); a permanent SMTP reply
 * (5xx) → `rejected`; a temporary one (4xx) or no connection → `failed` (the dispatcher backs off);
 * a connection lost after the data was sent → `unknown`.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import nodemailer from "nodemailer"
import { Notifier, NotifyError } from "./Notifier.js"

/** @since 0.1.0 @category models */
export interface SmtpConfig {
  readonly host: string
  readonly port: number
  /** TLS from the start (port 465); otherwise STARTTLS when the server offers it. */
  readonly secure?: boolean | undefined
  readonly auth?: { readonly user: string; readonly pass: Redacted.Redacted<string> } | undefined
  /** The sender, e.g. `"Clinic <reminders@clinic.example>"`. */
  readonly from: string
  readonly timeout?: Duration.DurationInput | undefined
  /** Accept self-signed certificates (local test servers only). */
  readonly allowUnauthorized?: boolean | undefined
}

const classify = (error: unknown): NotifyError => {
  const e = error as { code?: string; responseCode?: number; command?: string }
  if (typeof e.responseCode === "number") {
    return new NotifyError({ outcome: e.responseCode >= 500 ? "rejected" : "failed", reason: `smtp_${e.responseCode}` })
  }
  // Lost after the message data went out: the server may have queued it.
  if (e.command === "DATA" || e.code === "ETIMEDOUT") return new NotifyError({ outcome: "unknown", reason: `smtp_${e.code ?? "lost"}` })
  return new NotifyError({ outcome: "failed", reason: `smtp_${e.code ?? "error"}` })
}

/** A notifier on one pooled transport, closed with the scope. @since 0.1.0 @category constructors */
export const make = (config: SmtpConfig): Effect.Effect<Notifier, never, Scope.Scope> =>
  Effect.map(
    Effect.acquireRelease(
      Effect.sync(() => {
        const timeout = Duration.toMillis(config.timeout ?? Duration.seconds(30))
        return nodemailer.createTransport({
          host: config.host,
          port: config.port,
          secure: config.secure ?? false,
          auth: config.auth === undefined ? undefined : { user: config.auth.user, pass: Redacted.value(config.auth.pass) },
          connectionTimeout: timeout,
          greetingTimeout: timeout,
          socketTimeout: timeout,
          tls: config.allowUnauthorized ? { rejectUnauthorized: false } : undefined
        })
      }),
      (transport) => Effect.sync(() => transport.close())
    ),
    (transport): Notifier => ({
      send: (message) =>
        message.channel !== "email"
          ? Effect.fail(new NotifyError({ outcome: "rejected", reason: `smtp_cannot_send_${message.channel}` }))
          : Effect.tryPromise({
            try: () =>
              transport.sendMail({
                from: config.from,
                to: message.to,
                subject: message.subject ?? "",
                text: message.body,
                messageId: `<${message.idempotencyKey}@clinicore>`,
                headers: { "X-Clinicore-Reminder": message.reminderId }
              }),
            catch: classify
          }).pipe(
            Effect.map((info) => ({ providerMessageId: String(info.messageId ?? `<${message.idempotencyKey}@clinicore>`) })),
            Effect.withSpan("NotifierSmtp.send")
          )
    })
  )

/** @since 0.1.0 @category layers */
export const layer = (config: SmtpConfig): Layer.Layer<Notifier> => Layer.scoped(Notifier, make(config))
