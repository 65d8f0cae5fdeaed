import { defineProject, mergeConfig } from "vitest/config"
import { shared } from "../../vitest.shared.js"

export default mergeConfig(shared, defineProject({
  test: {
    name: "example-http-server",
    // The Postgres suites reuse the adapter's throwaway cluster (`pgAdminUrl`).
    globalSetup: ["../../packages/sql-pg/test/globalSetup.ts"]
  }
}))
