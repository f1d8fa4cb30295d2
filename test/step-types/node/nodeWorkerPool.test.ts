/**
 * The worker threads of node steps, driven directly with a pool of one thread so that calls
 * share it: real threads, real modules; what a call asks of Nomaflow is answered by the test.
 */
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { StepError } from "../../../src/errors/nomaflowError.js";
import { NodeWorkerPool, type CallHost } from "../../../src/step-types/node/nodeWorkerPool.js";
import type { ContextRequest } from "../../../src/step-types/node/nodeWorkerProtocol.js";
import { makeProject } from "../../support/tempProject.js";

const made = makeProject({
  "functions.mjs": `
export function spin() { console.log("spinning"); while (true) {} }
export async function hang() { await new Promise(() => {}); }
export async function ask(ctx) { return { answer: await ctx.getConnector("db").scalar("select $1", 1), bytes: await ctx.getConnector("db").fetchrow("bytes") }; }
export function exit() { process.exit(3); }
export function throwLater() { setTimeout(() => { throw new Error("from a timer"); }, 10); return {}; }
export async function later() { await new Promise((resolve) => setTimeout(resolve, 50)); console.log("later", 1); return 7; }
`,
});
const bundle = `${made.root}/functions.mjs`;
afterAll(() => made.remove());

let pool: NodeWorkerPool;
afterEach(() => pool?.close());

const ctx = { jobId: "job", runId: "run-1", stepName: "step", attempt: 1, params: {}, env: {} };
const call = (name: string, host: CallHost) => pool.call({ bundle, name, callable: `functions.mjs:${name}`, kwargs: {}, ctx }, host);

/** A host that answers each request when the test says so. */
function askingHost() {
  const logs: string[] = [];
  const asked: Array<{ request: ContextRequest; answer: (value: unknown) => void }> = [];
  const host: CallHost = {
    log: (level, message) => void logs.push(`${level}: ${message}`),
    request: (request) => new Promise((answer) => asked.push({ request, answer })),
  };
  return { host, logs, asked };
}

const until = async (condition: () => boolean) => {
  for (let waited = 0; !condition() && waited < 5000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
};

describe("node worker pool", () => {
  it("runs calls side by side in one thread, proxies queries (Buffers stay Buffers) and routes console lines", async () => {
    pool = new NodeWorkerPool(1);
    const { host, logs, asked } = askingHost();
    const first = call("ask", host);
    const second = call("later", host);
    expect(pool.size).toBe(1);
    await until(() => asked.length === 1);
    expect(asked[0]!.request).toEqual({ t: "query", connector: "db", method: "scalar", sql: "select $1", params: [1] });
    asked[0]!.answer(new Date("2026-01-02T03:04:05Z"));
    await until(() => asked.length === 2);
    asked[1]!.answer({ data: Buffer.from("hi") });
    expect(await second.result).toEqual({ ok: true, output: { value: 7 } });
    expect(await first.result).toEqual({ ok: true, output: { answer: "2026-01-02T03:04:05.000Z", bytes: { data: { type: "Buffer", data: [104, 105] } } } });
    expect(logs).toEqual(["info: later 1"]);
  });

  it("a call given up on in a busy thread stops it at once; its neighbours fail, retryable, saying why", async () => {
    pool = new NodeWorkerPool(1);
    const { host, logs } = askingHost();
    const neighbour = call("hang", host);
    const spinning = call("spin", host);
    await until(() => logs.includes("info: spinning"));
    spinning.abort("timed out after 1 s", true);
    // As the grace period would (5 s for `nomaflow run`): past the second a silent thread counts as stuck.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    spinning.abandon("step spin of job cpu (run r1)");
    const error = await neighbour.result.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StepError);
    expect((error as StepError).retryable).toBe(true);
    expect((error as StepError).message).toBe(
      "stopped with the worker thread it shared with step spin of job cpu (run r1), whose function kept the thread busy past its timeout and grace",
    );
    // A new thread takes the next call.
    expect(pool.size).toBe(0);
    expect(await call("later", host).result).toEqual({ ok: true, output: { value: 7 } });
  });

  it("process.exit in a function, or an error thrown in its timer, ends its thread only: the calls there fail, saying why", async () => {
    pool = new NodeWorkerPool(1);
    const { host } = askingHost();
    const exited = await call("exit", host).result.catch((caught: unknown) => caught);
    expect((exited as StepError).message).toBe("the worker thread running this function exited (code 3; does a node function call process.exit?)");
    const neighbour = call("hang", host);
    expect(await call("throwLater", host).result).toEqual({ ok: true, output: {} });
    const thrown = await neighbour.result.catch((caught: unknown) => caught);
    expect((thrown as StepError).message).toMatch(/^the worker thread running this function stopped: from a timer \(an error no call caught/);
    expect((thrown as StepError).retryable).toBe(true);
    expect(await call("later", host).result).toEqual({ ok: true, output: { value: 7 } });
  });

  it("a call given up on in a thread that still answers: the others finish there, new calls go elsewhere", async () => {
    pool = new NodeWorkerPool(1);
    const { host, asked } = askingHost();
    const hanging = call("hang", host);
    const asking = call("ask", host);
    hanging.abort("timed out after 1 s", true);
    await until(() => asked.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    hanging.abandon("step hang of job wait (run r2)");
    expect(pool.size).toBe(0);
    const elsewhere = call("later", host);
    expect(pool.size).toBe(1);
    asked[0]!.answer(1);
    await until(() => asked.length === 2);
    asked[1]!.answer(null);
    expect(await asking.result).toEqual({ ok: true, output: { answer: 1, bytes: null } });
    expect(await elsewhere.result).toEqual({ ok: true, output: { value: 7 } });
  });
});
