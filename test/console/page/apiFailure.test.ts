// A failed request in words the page shows: the server's ApiError, or what went wrong on the way.
import { describe, expect, it } from "vitest";
import { ApiFailure, failureFromAnswer, serverNotAnswering } from "../../../src/console/page/apiFailure.js";

describe("failureFromAnswer", () => {
  it("reads the server's ApiError: message, hint and per-field problems", () => {
    const failure = failureFromAnswer(
      400,
      "Bad Request",
      JSON.stringify({
        error: "a parameter is refused",
        hint: "see the job's params",
        problems: [{ field: "batch_size", message: "must be an integer" }, { nope: 1 }],
      }),
    );
    expect(failure).toBeInstanceOf(ApiFailure);
    expect([failure.message, failure.status, failure.hint, failure.problems]).toEqual([
      "a parameter is refused",
      400,
      "see the job's params",
      [{ field: "batch_size", message: "must be an integer" }],
    ]);
  });

  it("names the status of an answer that is not the API's (a proxy's error page)", () => {
    const failure = failureFromAnswer(502, "Bad Gateway", "<html>bad gateway</html>");
    expect(failure.message).toBe("the console's server answered 502 Bad Gateway");
    expect(failure.hint).toMatch(/proxy/);
    expect(failureFromAnswer(500, "", "").message).toBe("the console's server answered 500");
  });

  it("refuses a success whose body is not JSON", () => {
    expect(failureFromAnswer(200, "OK", "<html>").message).toBe("the console's server answered 200 OK without the JSON the page expects");
  });

  it("says when no answer came at all", () => {
    const failure = serverNotAnswering();
    expect([failure.message, failure.status]).toEqual(["the console's server is not answering", 0]);
  });
});
