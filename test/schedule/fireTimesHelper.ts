// Shared by the schedule tests: fire times as the strings `nomaflow cron` prints.
import { expect } from "vitest";
import { parseCron } from "../../src/schedule/parseCron.js";
import { formatFireTime, nextFireTimes } from "../../src/schedule/nextFireTimes.js";

/** `nomaflow cron EXPR --tz ZONE --from FROM -n COUNT`, as ISO strings with offsets. */
export function fires(expression: string, zone: string, from: string, count: number, seed?: string): string[] {
  return nextFireTimes(parseCron(expression, { seed }), zone, Date.parse(from), count).map((ms) => formatFireTime(ms, zone));
}

/**
 * Checks both the printed strings and the instants, so a formatting slip cannot hide a wrong
 * instant (or the reverse). `expected` is hand-written from the zone's published rules.
 */
export function expectFires(expression: string, zone: string, from: string, expected: readonly string[], seed?: string): void {
  const instants = nextFireTimes(parseCron(expression, { seed }), zone, Date.parse(from), expected.length);
  expect(instants.map((ms) => formatFireTime(ms, zone))).toEqual(expected);
  expect(instants).toEqual(expected.map((iso) => Date.parse(iso)));
}
