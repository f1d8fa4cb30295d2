/**
 * An overwrite that fails after the copy — new rows that break a key, a swap the server rejects —
 * leaves the target as it was and no stash behind, and says why in the target's own names.
 * Server only: the stash is dropped from a second session (the step's own may be cancelled), and
 * PGlite refuses a second session while the step holds one, so there the next run drops it.
 */
import { expect } from "vitest";
import { findStashTables } from "../../../../src/step-types/sql_copy/overwrite/stashTable.js";
import { describeOnBackends } from "../../../support/backends.js";
import { overwrite, rejection, scalar } from "./realOverwrite.js";

describeOnBackends("overwrite swap failures", (h) => {
  h.itNeeds("sessions", "new rows that break the primary key: the target is unchanged, no stash is left, the message names the key", async () => {
    await h.query(`create table codes (id int constraint codes_pkey primary key, code text); insert into codes values (1, 'old')`);
    const error = await rejection(overwrite(h, { schema: "public", table: "codes" }, (stash) => `insert into ${stash} values (1, 'a'), (1, 'b')`));
    expect(error.message).toBe(
      'the copied rows do not fit public.codes, which is unchanged: could not create unique index "codes_pkey" (Key (id)=(1) is duplicated.)',
    );
    expect(error.retryable).toBe(false);
    expect(await scalar(h, "select code from codes")).toBe("old");
    expect(await findStashTables(h.query, "public", "codes")).toEqual([]);
  });

  h.itNeeds("sessions", "new rows that break a foreign key of the target", async () => {
    await h.query(`create table regions (id int primary key); insert into regions values (1);
      create table shops (id int, region int constraint shops_region_fkey references regions)`);
    const error = await rejection(overwrite(h, { schema: "public", table: "shops" }, (stash) => `insert into ${stash} values (1, 1), (2, 7)`));
    expect(error.message).toBe(
      'the copied rows do not fit public.shops, which is unchanged: insert or update on table "shops" violates foreign key constraint "shops_region_fkey" (Key (region)=(7) is not present in table "regions".)',
    );
    expect(await findStashTables(h.query, "public", "shops")).toEqual([]);
  });

  h.itNeeds("sessions", "a swap the server rejects is rolled back whole, with the server's reason", async () => {
    // Another table already has the name the target's primary key index is to give way to.
    await h.query(`create table guarded (id int primary key); insert into guarded values (1);
      create view guarded_view as select * from guarded;
      create table guarded__nomaflow_oi0_zzzzzz (id int)`);
    const error = await rejection(
      overwrite(h, { schema: "public", table: "guarded" }, (stash) => `insert into ${stash} values (2)`, { runId: "20261128T020000000Z-zzzzzz" }),
    );
    expect(error.message).toBe(
      'the swap into public.guarded failed and was rolled back, so public.guarded is unchanged: relation "guarded__nomaflow_oi0_zzzzzz" already exists',
    );
    expect(error.retryable).toBe(false);
    expect(await scalar(h, "select id from guarded_view")).toBe(1);
    expect(await findStashTables(h.query, "public", "guarded")).toEqual([]);
  });
});
