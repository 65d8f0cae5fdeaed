import { defineProject, mergeConfig } from "vitest/config"
import { shared } from "../../vitest.shared.js"

export default mergeConfig(shared, defineProject({
  test: {
    name: "example-cli",
    // The CLI is bundled once; Postgres comes from the sql-pg globalSetup (reused, not copied).
    globalSetup: ["./test/bundle.ts", "../../packages/sql-pg/test/globalSetup.ts"],
    // Each step is a process of its own; leave room for a machine busy with the other projects.
    testTimeout: 300_000,
    hookTimeout: 300_000
  }
}))
