/**
 * The settings sql_copy pins on its sessions at both ends. COPY prints and reads values with the
 * server's output and input functions, and these settings change what they print: under a
 * database's `DateStyle = 'SQL, DMY'` 10 September prints as `10/09/2022`, which a target reading
 * month first takes for 9 October; `extra_float_digits = 0` rounds doubles; a `client_encoding`
 * other than UTF8 re-encodes text, in binary COPY too. Pinned, what one server prints the other
 * reads back as the same value, whatever either's database or role settings.
 *
 * Left as they are: the order of date fields (DMY/MDY, which `DateStyle = 'ISO'` keeps) and
 * TimeZone. ISO output needs neither to be read exactly (a timestamptz carries its numeric offset),
 * and both change what a user's source query (`'10/09/2022'::date`, `ts::date`) and the target's
 * defaults and triggers (`last_update = now()` into a timestamp) mean.
 */
import type { Session } from "../../connectors/connector.js";

export const PINNED_SETTINGS: Readonly<Record<string, string>> = {
  DateStyle: "ISO",
  IntervalStyle: "postgres",
  extra_float_digits: "3",
  bytea_output: "hex",
  client_encoding: "UTF8",
  lc_monetary: "C",
  xmloption: "content",
};

const SET_ALL = "select pg_catalog.set_config(n, v, false) from unnest($1::text[], $2::text[]) as s(n, v)";

/**
 * Runs `work` with PINNED_SETTINGS, then gives the session its own settings back: a pooled or
 * PGlite session goes on to serve other steps, whose queries must read as their author expects.
 */
export async function withPinnedSettings<T>(session: Session, work: () => Promise<T>): Promise<T> {
  const names = Object.keys(PINNED_SETTINGS);
  const previous = (
    await session.query("select pg_catalog.current_setting(n) as value from unnest($1::text[]) with ordinality as s(n, i) order by i", [names])
  ).rows.map((row) => String(row.value));
  await session.query(SET_ALL, [names, Object.values(PINNED_SETTINGS)]);
  let failed = false;
  try {
    return await work();
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    // A server session that failed is closed by its connector, never reused, and a statement
    // sent on it could wait forever behind an abandoned COPY. PGlite's one session lives on: it
    // may sit in an aborted transaction, which would refuse the reset.
    if (!failed || session.backendPid === undefined) {
      if (failed) await session.query("ROLLBACK").catch(() => undefined);
      await session.query(SET_ALL, [names, previous]).catch(() => undefined);
    }
  }
}
