/**
 * @electric-sql/pglite (and its WebAssembly) is loaded on the first use of a PGlite connector,
 * not when the module is imported nor when a connector is made. Its own file, so that no other
 * test has loaded PGlite in this module graph first.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { openPgliteConnector } from "../../../src/connectors/pglite/pgliteConnector.js";
import { isPgliteLoaded, openPgliteCount } from "../../../src/connectors/pglite/instances.js";

it("imports PGlite on first use only", async () => {
  const root = await mkdtemp(join(tmpdir(), "nomaflow-pglite-lazy-"));
  try {
    expect(isPgliteLoaded()).toBe(false);
    const connector = openPgliteConnector("lazy", join(root, "db"));
    expect(isPgliteLoaded()).toBe(false);
    expect(openPgliteCount()).toBe(0);
    // Closing a connector that was never used opens nothing either.
    await openPgliteConnector("unused", join(root, "other")).close();
    expect(isPgliteLoaded()).toBe(false);
    expect(await connector.scalar("select 1")).toBe(1);
    expect(isPgliteLoaded()).toBe(true);
    await connector.close();
    expect(openPgliteCount()).toBe(0);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
