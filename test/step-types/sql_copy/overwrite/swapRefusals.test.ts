/**
 * Targets an overwrite swap cannot carry over are refused before anything is copied, with a
 * message that names the object in the way and says what to do instead.
 */
import { expect, it } from "vitest";
import { StepError } from "../../../../src/errors/nomaflowError.js";
import { checkSwappable } from "../../../../src/step-types/sql_copy/overwrite/checkSwappable.js";
import { createStash, findStashTables, stashName } from "../../../../src/step-types/sql_copy/overwrite/stashTable.js";
import { describeOnBackends } from "../../../support/backends.js";
import { describeTarget } from "../../../../src/step-types/sql_copy/overwrite/describeTarget.js";
import { overwrite, rejection } from "./realOverwrite.js";

describeOnBackends("overwrite swap refusals", (h) => {
  /** Why `table` cannot be swapped, asked as `role` when given. */
  const refusal = async (table: string, role?: string) => {
    const error = await rejection(
      h.session(async (query) => {
        if (role !== undefined) await query(`set role "${role}"`);
        try {
          return await checkSwappable(query, { schema: "public", table });
        } finally {
          // The session goes back to the connector's pool.
          if (role !== undefined) await query("reset role");
        }
      }),
    );
    expect(error).toBeInstanceOf(StepError);
    expect(error.retryable).toBe(false);
    return error.message;
  };

  it("refuses a target a materialized view reads, and creates no stash", async () => {
    await h.query(`create table facts (id int, amount int); create materialized view facts_total as select sum(amount) from facts`);
    expect(await refusal("facts")).toBe(
      "cannot overwrite public.facts by a swap: materialized view public.facts_total reads public.facts, and a swap cannot re-point it; " +
        "drop it before the copy and re-create it after (sql steps), put a view between them, or use mode upsert",
    );
    const error = await rejection(overwrite(h, { schema: "public", table: "facts" }, (stash) => `insert into ${stash} values (1, 1)`));
    expect(error.message).toMatch(/^cannot overwrite public\.facts by a swap: materialized view public\.facts_total/);
    await rejection(
      h.session(async (query) =>
        createStash(query, { schema: "public", table: "facts" }, stashName("facts", "run"), await describeTarget(query, { schema: "public", table: "facts" })),
      ),
    );
    expect(await findStashTables(h.query, "public", "facts")).toEqual([]);
  });

  it("refuses partitioned targets and partitions", async () => {
    await h.query(`create table metrics (day date, value int) partition by range (day);
      create table metrics_2026 partition of metrics for values from ('2026-01-01') to ('2027-01-01')`);
    expect(await refusal("metrics")).toBe(
      "cannot overwrite public.metrics by a swap: public.metrics is a partitioned table, and a swap replaces one plain table; use mode upsert, or delete its rows in a sql step and use mode append",
    );
    expect(await refusal("metrics_2026")).toBe(
      "cannot overwrite public.metrics_2026 by a swap: public.metrics_2026 is a partition of public.metrics, and the swapped-in table would not; use mode upsert (or append) instead",
    );
  });

  it("refuses tables with inheritance children, and inheritance children", async () => {
    await h.query(`create table animals (name text); create table cats (lives int) inherits (animals); create table "Dogs" () inherits (animals)`);
    expect(await refusal("animals")).toBe(
      'cannot overwrite public.animals by a swap: public.animals has inheritance children (public."Dogs", public.cats), which a swap cannot carry over; use mode upsert, or copy into each child table',
    );
    expect(await refusal("cats")).toBe(
      "cannot overwrite public.cats by a swap: public.cats inherits from public.animals, and the swapped-in table would not; use mode upsert (or append) instead",
    );
  });

  it("refuses rules, publications, and objects that would have to be dropped with the old table", async () => {
    await h.query(`create table ledger (id int primary key, amount int);
      create table ledger_log (id int);
      create rule ledger_no_delete as on delete to ledger do instead nothing;
      create publication ledger_pub for table ledger;
      create function ledger_sum() returns bigint language sql begin atomic select sum(amount) from ledger; end;
      create table ledger_copies (entry ledger)`);
    expect(await refusal("ledger")).toBe(
      "cannot overwrite public.ledger by a swap: " +
        "public.ledger has rule ledger_no_delete, which a swap would lose; replace it with a trigger, or use mode upsert; " +
        "public.ledger is published (ledger_pub); a swap is not replicated, so subscribers would keep the old rows; use mode upsert (or append); " +
        "column entry of table public.ledger_copies depends on public.ledger, and dropping the old table would need to drop it too; drop it before the copy and re-create it after, or use mode upsert; " +
        "function public.ledger_sum() depends on public.ledger, and dropping the old table would need to drop it too; drop it before the copy and re-create it after, or use mode upsert",
    );
  });

  it("refuses a target a partitioned table references, since the key could not be re-added NOT VALID", async () => {
    await h.query(`create table products (id int primary key);
      create table sales_by_day (day date, product int references products) partition by range (day);
      create table sales_by_day_2026 partition of sales_by_day for values from ('2026-01-01') to ('2027-01-01')`);
    expect(await refusal("products")).toBe(
      "cannot overwrite public.products by a swap: partitioned table public.sales_by_day has foreign key sales_by_day_product_fkey to public.products; " +
        "PostgreSQL cannot re-add it NOT VALID, so moving it would scan every row while readers wait; drop the key before the copy and add it back after, or use mode upsert",
    );
  });

  h.itNeeds("roles", "refuses when a view or a referencing table belongs to a role this session cannot act as", async () => {
    const tableOwner = await h.createRole("table_owner");
    const otherOwner = await h.createRole("other_owner");
    await h.query(`grant create, usage on schema public to "${tableOwner}", "${otherOwner}";
      create table guarded (id int primary key);
      alter table guarded owner to "${tableOwner}";
      grant select, references on guarded to "${otherOwner}";
      create view guarded_view as select * from guarded;
      alter view guarded_view owner to "${otherOwner}";
      create table guarded_refs (id int references guarded);
      alter table guarded_refs owner to "${otherOwner}"`);
    expect(await refusal("guarded", tableOwner)).toBe(
      "cannot overwrite public.guarded by a swap: " +
        `view public.guarded_view reads public.guarded and must be re-created by the swap, which only its owner ${otherOwner} may do; run the step as ${otherOwner} (or a member of it); ` +
        "foreign key guarded_refs_id_fkey of public.guarded_refs references public.guarded and must be moved by the swap, which only the owner of public.guarded_refs may do; run the step as that owner (or a member of it)",
    );
  });

  it("refuses views and missing tables", async () => {
    await h.query(`create table base (id int); create view just_a_view as select * from base`);
    expect(await refusal("just_a_view")).toBe(
      "cannot overwrite public.just_a_view by a swap: public.just_a_view is a view, not a table; overwrite needs a table",
    );
    expect(await refusal("nowhere")).toBe("overwrite target public.nowhere does not exist");
  });

  it("accepts a plain table with views, keys and triggers", async () => {
    await h.query(`create table plain (id int primary key); create view plain_view as select * from plain;
      create table plain_refs (id int references plain)`);
    await h.session(async (query) => checkSwappable(query, { schema: "public", table: "plain" }));
  });
});
