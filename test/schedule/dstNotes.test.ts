// dstNotes: what each clock change among a job's next fires does to it, in the words the console
// shows beside them. The fires come from nextFireTimes, as the console computes them; each note's
// `atMs` is checked against them. Paris changes on 28 March 2027 (02:00 → 03:00) and 31 October
// 2027 (03:00 → 02:00); Lord Howe by 30 minutes on 3 October 2027 (02:00 → 02:30) and 4 April 2027
// (02:00 → 01:30).
import { describe, expect, it } from "vitest";
import { dstNotes } from "../../src/schedule/dstNotes.js";
import { formatFireTime, nextFireTimes } from "../../src/schedule/nextFireTimes.js";
import { parseCron } from "../../src/schedule/parseCron.js";

/** The next `count` fires after `from`, their notes, and each note's fire as local time. */
function notesFor(expression: string, zone: string, from: string, count: number) {
  const cron = parseCron(expression);
  const fromMs = Date.parse(from);
  const fires = nextFireTimes(cron, zone, fromMs, count);
  const notes = dstNotes(cron, zone, fromMs, fires);
  for (const note of notes) if (note.atMs !== null) expect(fires).toContain(note.atMs);
  return {
    fires: fires.map((ms) => formatFireTime(ms, zone)),
    notes: notes.map((note) => ({ message: note.message, at: note.atMs === null ? null : formatFireTime(note.atMs, zone) })),
  };
}

const PARIS_SPRING = "Clocks go forward on Sun 28 Mar 2027 at 02:00 (+01:00 → +02:00)";
const PARIS_AUTUMN = "Clocks go back on Sun 31 Oct 2027 at 03:00 (+02:00 → +01:00)";

describe("Europe/Paris, a 02:30 daily job", () => {
  it("spring: 02:30 does not exist, the job fires at the jump, 03:00", () => {
    expect(notesFor("30 2 * * *", "Europe/Paris", "2027-03-27T12:00:00+01:00", 3)).toEqual({
      fires: ["2027-03-28T03:00:00+02:00", "2027-03-29T02:30:00+02:00", "2027-03-30T02:30:00+02:00"],
      notes: [{ message: `${PARIS_SPRING}: 02:30 does not exist that night, the job fires at 03:00`, at: "2027-03-28T03:00:00+02:00" }],
    });
  });

  it("autumn: 02:30 happens twice, the job fires on the first pass only", () => {
    expect(notesFor("30 2 * * *", "Europe/Paris", "2027-10-30T12:00:00+02:00", 2)).toEqual({
      fires: ["2027-10-31T02:30:00+02:00", "2027-11-01T02:30:00+01:00"],
      notes: [{ message: `${PARIS_AUTUMN}: 02:30 happens twice, the job fires once, at the first`, at: "2027-10-31T02:30:00+02:00" }],
    });
  });

  it("autumn, from between the two passes: the first has gone by, and the second does not fire", () => {
    expect(notesFor("30 2 * * *", "Europe/Paris", "2027-10-31T02:45:00+02:00", 1)).toEqual({
      fires: ["2027-11-01T02:30:00+01:00"],
      notes: [{ message: `${PARIS_AUTUMN}: 02:30 happens twice, the job fires once, at the first`, at: null }],
    });
  });

  it("several skipped times fire once, together", () => {
    expect(notesFor("0,30 2 * * *", "Europe/Paris", "2027-03-27T12:00:00+01:00", 2).notes).toEqual([
      { message: `${PARIS_SPRING}: 02:00 and 02:30 do not exist that night, the job fires once, at 03:00`, at: "2027-03-28T03:00:00+02:00" },
    ]);
  });
});

describe("Europe/Paris, a 03:00 daily job: the changes touch no fire", () => {
  it("spring: 03:00 is the first moment after the jump, an ordinary fire exactly at the change", () => {
    expect(notesFor("0 3 * * *", "Europe/Paris", "2027-03-27T12:00:00+01:00", 2)).toEqual({
      fires: ["2027-03-28T03:00:00+02:00", "2027-03-29T03:00:00+02:00"],
      notes: [{ message: PARIS_SPRING, at: null }],
    });
  });

  it("autumn: 03:00 comes once, after the repeated hour", () => {
    expect(notesFor("0 3 * * *", "Europe/Paris", "2027-10-30T12:00:00+02:00", 2)).toEqual({
      fires: ["2027-10-31T03:00:00+01:00", "2027-11-01T03:00:00+01:00"],
      notes: [{ message: PARIS_AUTUMN, at: null }],
    });
  });
});

describe("Europe/Paris, an hourly job (wildcard: real elapsed time)", () => {
  it("spring: the 02:00 fire is lost", () => {
    expect(notesFor("0 * * * *", "Europe/Paris", "2027-03-28T01:30:00+01:00", 2)).toEqual({
      fires: ["2027-03-28T03:00:00+02:00", "2027-03-28T04:00:00+02:00"],
      notes: [{ message: `${PARIS_SPRING}: 02:00 does not exist that night, the job skips that fire`, at: null }],
    });
  });

  it("autumn: 02:00 fires twice, the second time exactly at the change", () => {
    expect(notesFor("0 * * * *", "Europe/Paris", "2027-10-31T01:30:00+02:00", 3)).toEqual({
      fires: ["2027-10-31T02:00:00+02:00", "2027-10-31T02:00:00+01:00", "2027-10-31T03:00:00+01:00"],
      notes: [{ message: `${PARIS_AUTUMN}: 02:00 happens twice, the job fires both times`, at: "2027-10-31T02:00:00+02:00" }],
    });
  });

  it("many skipped times are named by the first few and counted", () => {
    expect(notesFor("*/15 * * * *", "Europe/Paris", "2027-03-28T01:40:00+01:00", 2).notes).toEqual([
      { message: `${PARIS_SPRING}: 02:00, 02:15, 02:30 and 02:45 do not exist that night, the job skips those fires`, at: null },
    ]);
    expect(notesFor("* * * * *", "Europe/Paris", "2027-03-28T01:59:00+01:00", 2).notes).toEqual([
      { message: `${PARIS_SPRING}: 02:00, 02:01, 02:02 … (60 in all) do not exist that night, the job skips those fires`, at: null },
    ]);
    expect(notesFor("*/30 * * * *", "Europe/Paris", "2027-10-31T01:45:00+02:00", 4).notes).toEqual([
      { message: `${PARIS_AUTUMN}: 02:00 and 02:30 happen twice, the job fires at each of them both times`, at: "2027-10-31T02:00:00+02:00" },
    ]);
  });
});

describe("Australia/Lord_Howe: a 30-minute shift", () => {
  it("spring: 02:15 does not exist, the job fires at 02:30", () => {
    expect(notesFor("15 2 * * *", "Australia/Lord_Howe", "2027-10-02T12:00:00+10:30", 2)).toEqual({
      fires: ["2027-10-03T02:30:00+11:00", "2027-10-04T02:15:00+11:00"],
      notes: [
        {
          message: "Clocks go forward on Sun 3 Oct 2027 at 02:00 (+10:30 → +11:00): 02:15 does not exist that night, the job fires at 02:30",
          at: "2027-10-03T02:30:00+11:00",
        },
      ],
    });
  });

  it("autumn: 01:45 happens twice, the job fires once", () => {
    expect(notesFor("45 1 * * *", "Australia/Lord_Howe", "2027-04-03T12:00:00+11:00", 2)).toEqual({
      fires: ["2027-04-04T01:45:00+11:00", "2027-04-05T01:45:00+10:30"],
      notes: [
        {
          message: "Clocks go back on Sun 4 Apr 2027 at 02:00 (+11:00 → +10:30): 01:45 happens twice, the job fires once, at the first",
          at: "2027-04-04T01:45:00+11:00",
        },
      ],
    });
  });
});

describe("a fire exactly at the change", () => {
  it("the skipped 02:00 fires at the change instant, the last fire of the window: the change is in it", () => {
    const { fires, notes } = notesFor("0 2 * * *", "Europe/Paris", "2027-03-27T12:00:00+01:00", 1);
    expect(fires).toEqual(["2027-03-28T03:00:00+02:00"]);
    expect(Date.parse(fires[0] as string)).toBe(Date.parse("2027-03-28T01:00:00Z"));
    expect(notes).toEqual([{ message: `${PARIS_SPRING}: 02:00 does not exist that night, the job fires at 03:00`, at: "2027-03-28T03:00:00+02:00" }]);
  });

  it("a window starting at the change instant does not include it", () => {
    const cron = parseCron("0 3 * * *");
    const change = Date.parse("2027-03-28T01:00:00Z");
    const fires = nextFireTimes(cron, "Europe/Paris", change, 2);
    expect(dstNotes(cron, "Europe/Paris", change, fires)).toEqual([]);
  });
});

describe("no note", () => {
  it("in a zone without daylight saving", () => {
    for (const zone of ["Asia/Kolkata", "UTC", "Asia/Tokyo"]) {
      const cron = parseCron("30 2 * * *");
      const fromMs = Date.parse("2027-01-01T00:00:00Z");
      const fires = nextFireTimes(cron, zone, fromMs, 365);
      expect(dstNotes(cron, zone, fromMs, fires), zone).toEqual([]);
    }
  });

  it("when no change falls between the start and the last fire", () => {
    expect(notesFor("30 2 * * *", "Europe/Paris", "2027-03-20T12:00:00+01:00", 3).notes).toEqual([]);
    expect(notesFor("30 2 * * *", "Europe/Paris", "2027-03-28T12:00:00+02:00", 3).notes).toEqual([]);
  });

  it("when there are no fires", () => {
    expect(dstNotes(parseCron("30 2 * * *"), "Europe/Paris", Date.parse("2027-03-20T12:00:00+01:00"), [])).toEqual([]);
  });
});

describe("a window holding both changes of a year", () => {
  it("a weekly job gets one note per change, each beside the fire it moves", () => {
    const { notes } = notesFor("30 2 * * 0", "Europe/Paris", "2027-03-01T00:00:00+01:00", 40);
    expect(notes).toEqual([
      { message: `${PARIS_SPRING}: 02:30 does not exist that night, the job fires at 03:00`, at: "2027-03-28T03:00:00+02:00" },
      { message: `${PARIS_AUTUMN}: 02:30 happens twice, the job fires once, at the first`, at: "2027-10-31T02:30:00+02:00" },
    ]);
  });
});
