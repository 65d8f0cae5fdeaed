/**
 * An operation whose answer is a stream: the whole read runs inside the operation's transaction
 * (permission first, row-level security, the audit event last), its chunks handed to the caller
 * through a small bounded queue, so a slow reader slows the database cursor down instead of
 * filling memory. Stopping early interrupts the operation and rolls its transaction back.
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Queue from "effect/Queue"
import * as Stream from "effect/Stream"
import * as Take from "effect/Take"
import type { Actor } from "../../Actor.js"
import type { Inactive, PermissionDenied, Unauthenticated } from "../../Errors.js"
import type { ClinicOperation } from "../../Operations.js"
import { type Acting, clinicOperation, type Deps } from "../operation.js"

export const streamOperation = <A, E>(
  deps: Deps,
  name: ClinicOperation,
  body: (acting: Acting) => Effect.Effect<Stream.Stream<A>, E>
): Stream.Stream<A, E | PermissionDenied | Inactive | Unauthenticated, Actor> =>
  Stream.unwrapScoped(Effect.gen(function*() {
    const queue = yield* Queue.bounded<Take.Take<A, E | PermissionDenied | Inactive | Unauthenticated>>(4)
    yield* clinicOperation(
      deps,
      name,
      (acting) =>
        Effect.flatMap(body(acting), (stream) =>
          Stream.runForEachChunk(stream, (chunk) => Queue.offer(queue, Take.chunk(chunk)))),
      () => null
    ).pipe(
      Effect.exit,
      Effect.flatMap((exit) => Queue.offer(queue, Exit.isSuccess(exit) ? Take.end : Take.failCause(exit.cause))),
      Effect.forkScoped
    )
    return Stream.flattenTake(Stream.fromQueue(queue))
  }))
