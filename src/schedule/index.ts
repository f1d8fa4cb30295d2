/** The schedule module: cron parsing, fire times in real time zones, DST warnings, zone names. */
export { parseCron, type ParsedCron, type NthWeekday } from "./parseCron.js";
export { nextFireTimes, fireTimesAfter, formatFireTime } from "./nextFireTimes.js";
export { dstAnomalies, type DstAnomaly } from "./dstAnomalies.js";
export { isValidTimezone, suggestTimezone } from "./timezones.js";
