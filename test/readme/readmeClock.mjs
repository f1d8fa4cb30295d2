/**
 * Preloaded (NODE_OPTIONS=--import) into the CLI processes the README examples run: moves the
 * wall clock by NOMAFLOW_README_CLOCK_OFFSET_MS, so "now" is the day the README was written on.
 * The CLI takes no clock (it reads Date.now()), and `list`, `next` and `validate` print dates that
 * depend on it: next fires, DST warnings for the next 12 months. Time still flows at its own pace,
 * so durations, timeouts and the order of runs are real; only the date is moved.
 */
const offset = Number(process.env.NOMAFLOW_README_CLOCK_OFFSET_MS ?? "0");
const SystemDate = Date;

class ReadmeDate extends SystemDate {
  constructor(...args) {
    if (args.length === 0) super(SystemDate.now() + offset);
    else super(...args);
  }

  static now() {
    return SystemDate.now() + offset;
  }
}

globalThis.Date = ReadmeDate;
