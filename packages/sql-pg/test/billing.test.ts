/**
 * Gap-free invoice numbers under load on Postgres: 100 concurrent issues (and 20 second attempts
 * that fail after drawing a number) in one clinic, on a pool of 16 connections. The rest of the
 * billing guarantees are part of the conformance suite.
 */
import * as Clinicore from "@clinicore/core/Clinicore"
import * as Conformance from "@clinicore/testing/Conformance"
import { layer } from "@effect/vitest"
import { inject } from "vitest"
import { makeTestLayer, withFreshDatabase } from "./utils/layer.js"

const TestLayer = withFreshDatabase(inject("pgAdminUrl"), (db) => makeTestLayer(db, { maxConnections: 16 }))

layer(TestLayer, { timeout: "120 seconds", excludeTestServices: true })("PostgreSQL invoice numbering", (it) => {
  it.layer(Clinicore.layer)((it) => {
    it.effect(
      "100 concurrent issues in one clinic on 16 connections: numbers 1…100, contiguous, no duplicates, no defect",
      () => Conformance.concurrentIssues(),
      { timeout: 120_000 }
    )
  })
})
