import { expect, it } from "vitest";
import { runHttpStep } from "../../../src/step-types/http/runHttpStep.js";
import { recordingContext } from "../../support/recordingContext.js";
import { startServer } from "./testServer.js";

// The speed of 200 steps is measured by test/bench/run-overhead.mjs; here, that they share a connection.
it("runs 200 requests to one host over one kept-alive connection", async () => {
  const server = await startServer((_request, response) => {
    response.writeHead(200, { "content-type": "application/json" });
    response.end('{"ok":true}');
  });
  try {
    const { context } = recordingContext();
    const signal = new AbortController().signal;
    for (let index = 0; index < 200; index++) {
      expect(await runHttpStep({ url: `${server.base}/x`, method: "POST", body: { index } }, context, signal)).toMatchObject({
        status: 200,
        body: { ok: true },
      });
    }
    expect(server.requests).toHaveLength(200);
    expect(server.sockets).toHaveLength(1);
  } finally {
    await server.close();
  }
});
