/** The README example checker's comparison: what it forgives, and the rest it does not. */
import { describe, expect, it } from "vitest";
import { alignLines, compareOutput, normaliseLine } from "./matchOutput.js";

const matches = (readme: string[], real: string[]) => compareOutput(readme, real).matches;

describe("alignLines: a line that is only … stands for any number of lines", () => {
  it("matches line for line without …", () => {
    expect(alignLines(["a", "b"], ["a", "b"])).toEqual(
      new Map([
        [0, 0],
        [1, 1],
      ]),
    );
    expect(alignLines(["a", "b"], ["a", "b", "c"])).toBeUndefined();
    expect(alignLines(["a", "b"], ["a"])).toBeUndefined();
  });

  it("lets … stand for none, one or many lines, at the start, in the middle or at the end", () => {
    expect(alignLines(["…", "c"], ["a", "b", "c"])).toEqual(new Map([[1, 2]]));
    expect(alignLines(["a", "…", "d"], ["a", "b", "c", "d"])).toEqual(
      new Map([
        [0, 0],
        [2, 3],
      ]),
    );
    expect(alignLines(["a", "…", "b"], ["a", "b"])).toEqual(
      new Map([
        [0, 0],
        [2, 1],
      ]),
    );
    expect(alignLines(["a", "…"], ["a", "b", "c"])).toEqual(new Map([[0, 0]]));
    expect(alignLines(["    …"], [])).toEqual(new Map());
  });

  it("still anchors the lines around …: the first at the start, the last at the end, the rest in order", () => {
    expect(alignLines(["b", "…"], ["a", "b"])).toBeUndefined();
    expect(alignLines(["…", "a"], ["a", "b"])).toBeUndefined();
    expect(alignLines(["a", "…", "c", "…", "b"], ["a", "b", "c"])).toBeUndefined();
    expect(alignLines(["a", "…", "a"], ["a"])).toBeUndefined();
  });
});

describe("normaliseLine: only what varies from run to run", () => {
  it("forgives clock times, durations, host and pid", () => {
    expect(
      matches(
        ["11:16:44  ▶ run of orders-export started: manual, vm pid 10792"],
        ["14:02:09  ▶ run of orders-export started: manual, ci-runner-7.example pid 3"],
      ),
    ).toBe(true);
    expect(matches(["11:16:45  ✓ export succeeded in 89 ms  {}"], ["11:16:45  ✓ export succeeded in 1.2 s  {}"])).toBe(true);
    expect(matches(["  ✗ run failed after 1 min 04 s"], ["  ✗ run failed after 950 ms"])).toBe(true);
    expect(matches(["  host      vm, pid 10838, nomaflow 0.1.0"], ["  host      box, pid 1, nomaflow 0.1.0"])).toBe(true);
  });

  it("forgives sizes in bytes and the padding after them, but not the count beside them", () => {
    expect(matches(["tick  keep last 2  1        1.8 kB  2"], ["tick  keep last 2  1        950 B   2"])).toBe(true);
    expect(matches(["removed 2 run logs (1.8 kB) from runs"], ["removed 2 run logs (2.0 kB) from runs"])).toBe(true);
    expect(matches(["removed 2 run logs (1.8 kB) from runs"], ["removed 3 run logs (1.8 kB) from runs"])).toBe(false);
  });

  it("forgives the padding after a duration, which widens with the longest one in a column", () => {
    expect(
      matches(
        ["  ✓ count    shell  3 ms   {}", "  ✗ notify   http   1.0 s  2 attempts"],
        ["  ✓ count    shell  11 ms   {}", "  ✗ notify   http   1.0 s   2 attempts"],
      ),
    ).toBe(true);
  });

  it("does not forgive step names, messages, counts, statuses or exit codes", () => {
    expect(matches(["11:16:45  ✓ export succeeded in 89 ms"], ["11:16:45  ✓ exports succeeded in 89 ms"])).toBe(false);
    expect(matches(["11:16:45    count info: 1200"], ["11:16:45    count info: 1201"])).toBe(false);
    expect(matches(["  ✗ notify failed after 2 attempts in 1.0 s"], ["  ✗ notify failed after 3 attempts in 1.0 s"])).toBe(false);
    expect(matches(["1"], ["2"])).toBe(false);
    expect(matches(["x  86 ms  {}"], ["x  86 ms {}"])).toBe(false);
  });

  it("keeps fire times in a zone exact, and the date of a UTC timestamp", () => {
    expect(matches(["  2027-03-28T03:00:00+02:00  Sun"], ["  2027-03-28T02:00:00+02:00  Sun"])).toBe(false);
    expect(matches(["2026-11-28T11:16:48+00:00"], ["2026-11-28T13:02:01+00:00"])).toBe(true);
    expect(matches(["2026-11-28T11:16:48+00:00"], ["2026-11-29T11:16:48+00:00"])).toBe(false);
  });

  it("forgives a PostgreSQL server's version and an ephemeral port, not PGlite's version or a fixed port", () => {
    expect(
      matches(["✓ ops-db  PostgreSQL 15.20 (Debian 15.20-0+deb12u1)  round trip 0.3 ms"], ["✓ ops-db  PostgreSQL 16.4 (Ubuntu 16.4-1)  round trip 1.25 ms"]),
    ).toBe(true);
    expect(matches(["✓ scratch  PostgreSQL 18.7 (PGlite 0.5.17)"], ["✓ scratch  PostgreSQL 18.7 (PGlite 0.6.0)"])).toBe(false);
    expect(matches(["a stand-in on 127.0.0.1:38827 that"], ["a stand-in on 127.0.0.1:45011 that"])).toBe(true);
    expect(matches(["connection refused by 127.0.0.1:5433"], ["connection refused by 127.0.0.1:5432"])).toBe(false);
  });
});

describe("run ids", () => {
  it("are taken out of the line and paired, README id with real id, where the lines match", () => {
    expect(normaliseLine("  run 20261128T111644916Z-ihenww · nomaflow show 20261128T111644916Z-ihenww").runIds).toEqual([
      "20261128T111644916Z-ihenww",
      "20261128T111644916Z-ihenww",
    ]);
    const comparison = compareOutput(["…", "run 20261128T111644916Z-ihenww failed"], ["x", "run 20261128T130102003Z-abcdef failed"]);
    expect(comparison.matches).toBe(true);
    expect(comparison.runIdPairs).toEqual([["20261128T111644916Z-ihenww", "20261128T130102003Z-abcdef"]]);
  });
});
