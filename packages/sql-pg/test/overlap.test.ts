/**
 * The no-overlap guarantee of DESIGN §7 under load on Postgres: 200 concurrent overlapping writers
 * on a pool of 16 connections. The rest of the guarantee is part of the conformance suite.
 */
import * as Clinicore from "@clinicore/core/Clinicore"
import * as Conformance from "@clinicore/testing/Conformance"
import { layer } from "@effect/vitest"
import { inject } from "vitest"
import { makeTestLayer, withFreshDatabase } from "./utils/layer.js"

const TestLayer = withFreshDatabase(inject("pgAdminUrl"), (db) => makeTestLayer(db, { maxConnections: 16 }))

layer(TestLayer, { timeout: "120 seconds", excludeTestServices: true })("PostgreSQL overlap guard", (it) => {
  it.layer(Clinicore.layer)((it) => {
    it.effect(
      "200 concurrent overlapping inserts for one doctor on 16 connections: each commits or is slot_taken, and none overlap",
      () => Conformance.concurrentInserts(),
      { timeout: 120_000 }
    )
  })
})
