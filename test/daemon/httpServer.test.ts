import { request as httpRequest, Agent, type IncomingHttpHeaders } from "node:http";
import { connect, createServer, type AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { UsageError } from "../../src/errors/nomaflowError.js";
import { parseListenAddress, startHttpServer, type DaemonHealth, type DaemonHttpServer } from "../../src/daemon/httpServer.js";
import { DaemonMetrics } from "../../src/daemon/metrics.js";

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  raw: Buffer;
}

/** One request over a fresh connection (or the given keep-alive agent). */
function send(url: string, method = "GET", agent: Agent | false = false, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, agent, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => {
        const raw = Buffer.concat(chunks);
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: raw.toString("utf8"), raw });
      });
    });
    req.on("error", reject);
    req.end();
  });
}

const healthy: DaemonHealth = {
  stuck: false,
  jobs: 3,
  nextFire: { job: "nightly-load", at: "2026-11-29T02:00:00+01:00" },
  lastTickAgoMs: 412,
  uptimeSeconds: 3600.5,
};

const servers: DaemonHttpServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function start(health: () => DaemonHealth = () => healthy, metrics: () => string = () => new DaemonMetrics().render()): Promise<DaemonHttpServer> {
  const server = await startHttpServer({ host: "127.0.0.1", port: 0, health, metrics });
  servers.push(server);
  return server;
}

describe("startHttpServer", () => {
  it("listens on the port it was given, or a free one for port 0, and says which in url", async () => {
    const server = await start();
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(Number(new URL(server.url).port)).toBeGreaterThan(0);
  });

  it("answers /healthz with 200 and the jobs, the next fire, the last tick and the uptime", async () => {
    const server = await start();
    const answer = await send(`${server.url}/healthz`);
    expect(answer.status).toBe(200);
    expect(answer.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(answer.headers["cache-control"]).toBe("no-store");
    expect(JSON.parse(answer.body)).toEqual({
      status: "ok",
      jobs: 3,
      next_fire: { job: "nightly-load", at: "2026-11-29T02:00:00+01:00" },
      last_tick_ago_ms: 412,
      uptime_seconds: 3600.5,
    });
  });

  it("answers /healthz with 503 and status stuck when the scheduler loop is stuck, asking health() each time", async () => {
    let health: DaemonHealth = { ...healthy, nextFire: null };
    const server = await start(() => health);
    expect((await send(`${server.url}/healthz`)).status).toBe(200);
    health = { ...health, stuck: true, lastTickAgoMs: 95_000 };
    const answer = await send(`${server.url}/healthz`);
    expect(answer.status).toBe(503);
    expect(JSON.parse(answer.body)).toMatchObject({ status: "stuck", next_fire: null, last_tick_ago_ms: 95_000 });
  });

  it("answers /healthz with 503 while the state store cannot be reached, and names the store", async () => {
    let health: DaemonHealth = { ...healthy, store: { up: true, name: "schema nomaflow on ops-db" } };
    const server = await start(() => health);
    const up = await send(`${server.url}/healthz`);
    expect(up.status).toBe(200);
    expect(JSON.parse(up.body)).toMatchObject({ status: "ok", state_store: { up: true, store: "schema nomaflow on ops-db" } });
    health = { ...health, store: { up: false, name: "schema nomaflow on ops-db" } };
    const down = await send(`${server.url}/healthz`);
    expect(down.status).toBe(503);
    expect(JSON.parse(down.body)).toMatchObject({ status: "store_unreachable", state_store: { up: false } });
  });

  it("serves /metrics as Prometheus text 0.0.4, rendered per request", async () => {
    const metrics = new DaemonMetrics();
    const server = await start(undefined, () => metrics.render());
    metrics.runFinished("nightly-load", "failed", 1200, Date.now());
    const answer = await send(`${server.url}/metrics?name[]=x`);
    expect(answer.status).toBe(200);
    expect(answer.headers["content-type"]).toBe("text/plain; version=0.0.4; charset=utf-8");
    expect(answer.body).toContain('nomaflow_runs_total{job="nightly-load",status="failed"} 1\n');
    expect(Number(answer.headers["content-length"])).toBe(Buffer.byteLength(answer.body));
  });

  it("gzips a large scrape for a client that accepts it, and only then", async () => {
    const metrics = new DaemonMetrics();
    for (let i = 0; i < 200; i++) metrics.runFinished(`job-${i}`, "succeeded", i * 1000, Date.now());
    const text = metrics.render();
    const server = await start(undefined, () => text);
    const zipped = await send(`${server.url}/metrics`, "GET", false, { "Accept-Encoding": "gzip, deflate" });
    expect(zipped.headers["content-encoding"]).toBe("gzip");
    expect(zipped.headers.vary).toBe("Accept-Encoding");
    expect(Number(zipped.headers["content-length"])).toBe(zipped.raw.length);
    expect(gunzipSync(zipped.raw).toString("utf8")).toBe(text);
    expect(zipped.raw.length).toBeLessThan(Buffer.byteLength(text) / 5);
    const head = await send(`${server.url}/metrics`, "HEAD", false, { "Accept-Encoding": "gzip" });
    expect(head.headers["content-length"]).toBe(zipped.headers["content-length"]);
    for (const accept of [undefined, "identity", "gzip;q=0", "br"]) {
      const plain = await send(`${server.url}/metrics`, "GET", false, accept === undefined ? {} : { "Accept-Encoding": accept });
      expect(plain.headers["content-encoding"], String(accept)).toBeUndefined();
      expect(plain.body).toBe(text);
    }
    // A small body is not worth compressing.
    const small = await start(undefined, () => "# TYPE x gauge\nx 1\n");
    expect((await send(`${small.url}/metrics`, "GET", false, { "Accept-Encoding": "gzip" })).headers["content-encoding"]).toBeUndefined();
  });

  it("answers HEAD with the headers of GET and no body", async () => {
    const server = await start(undefined, () => "# TYPE x gauge\nx 1\n");
    for (const path of ["/metrics", "/healthz"]) {
      const [get, head] = [await send(`${server.url}${path}`), await send(`${server.url}${path}`, "HEAD")];
      expect(head.status).toBe(200);
      expect(head.body).toBe("");
      expect(head.headers["content-type"]).toBe(get.headers["content-type"]);
      expect(head.headers["content-length"]).toBe(get.headers["content-length"]);
    }
  });

  it("answers 404 for other paths and 405 (with Allow) for other methods", async () => {
    const server = await start();
    for (const path of ["/", "/health", "/metrics/", "/healthz/x"]) expect((await send(`${server.url}${path}`)).status, path).toBe(404);
    for (const method of ["POST", "PUT", "DELETE", "OPTIONS"]) {
      const answer = await send(`${server.url}/metrics`, method);
      expect(answer.status, method).toBe(405);
      expect(answer.headers.allow).toBe("GET, HEAD");
    }
  });

  it("answers 500 when a callback throws, and goes on serving", async () => {
    let fail = true;
    const server = await start(() => {
      if (fail) throw new Error("scheduler state unavailable");
      return healthy;
    });
    const answer = await send(`${server.url}/healthz`);
    expect(answer.status).toBe(500);
    expect(JSON.parse(answer.body)).toEqual({ status: "error", error: "scheduler state unavailable" });
    fail = false;
    expect((await send(`${server.url}/healthz`)).status).toBe(200);
  });

  it("rejects with a message naming host:port when the port is in use", async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const { port } = taken.address() as AddressInfo;
    try {
      const attempt = startHttpServer({ host: "127.0.0.1", port, health: () => healthy, metrics: () => "" });
      await expect(attempt).rejects.toThrow(UsageError);
      await expect(attempt).rejects.toThrow(`cannot serve HTTP on 127.0.0.1:${port}: the port is already in use by another process (EADDRINUSE)`);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it("rejects with a message naming host:port for an address this machine does not have, or a bad port", async () => {
    // 192.0.2.0/24 is reserved for documentation (RFC 5737): no interface has it.
    await expect(startHttpServer({ host: "192.0.2.1", port: 9464, health: () => healthy, metrics: () => "" })).rejects.toThrow(
      "cannot serve HTTP on 192.0.2.1:9464: no network interface of this machine has that address (EADDRNOTAVAIL)",
    );
    await expect(startHttpServer({ host: "127.0.0.1", port: 70000, health: () => healthy, metrics: () => "" })).rejects.toThrow(
      "cannot serve HTTP on 127.0.0.1:70000: the port must be a whole number from 0 to 65535",
    );
  });

  it("writes an IPv6 address in brackets", async () => {
    const server = await startHttpServer({ host: "::1", port: 0, health: () => healthy, metrics: () => "" });
    servers.push(server);
    expect(server.url).toMatch(/^http:\/\/\[::1\]:\d+$/);
    expect((await send(`${server.url}/healthz`)).status).toBe(200);
  });

  it("close() ends keep-alive connections and half-sent requests, and resolves promptly", async () => {
    const server = await startHttpServer({ host: "127.0.0.1", port: 0, health: () => healthy, metrics: () => "" });
    const agent = new Agent({ keepAlive: true, keepAliveMsecs: 60_000 });
    try {
      const answer = await send(`${server.url}/healthz`, "GET", agent);
      expect(answer.headers.connection).toBe("keep-alive");
      const idle = Object.values(agent.freeSockets).flat()[0]!;
      // A client that stopped halfway through its headers: not idle, so server.close() alone would
      // wait for it until the headers timeout.
      const { port } = new URL(server.url);
      const halfway = connect(Number(port), "127.0.0.1");
      await new Promise((resolve) => halfway.once("connect", resolve));
      halfway.write("GET /metrics HTTP/1.1\r\nHost: x\r\n");
      await new Promise((resolve) => setTimeout(resolve, 50));
      const closed = Promise.all([idle, halfway].map((socket) => new Promise((resolve) => socket.once("close", resolve))));
      const started = Date.now();
      await server.close();
      await closed;
      expect(Date.now() - started).toBeLessThan(1000);
      await expect(send(`${server.url}/healthz`)).rejects.toThrow(/ECONNREFUSED/);
      await server.close(); // a second close is harmless
    } finally {
      agent.destroy();
    }
  });
});

describe("parseListenAddress", () => {
  it("reads HOST:PORT and [IPv6]:PORT", () => {
    expect(parseListenAddress("127.0.0.1:9464")).toEqual({ host: "127.0.0.1", port: 9464 });
    expect(parseListenAddress("0.0.0.0:0")).toEqual({ host: "0.0.0.0", port: 0 });
    expect(parseListenAddress("localhost:8080")).toEqual({ host: "localhost", port: 8080 });
    expect(parseListenAddress("[::1]:9464")).toEqual({ host: "::1", port: 9464 });
  });

  it("refuses a bare port, a missing port, an unbracketed IPv6 address and a port past 65535", () => {
    for (const value of ["9464", ":9464", "127.0.0.1", "::1:9464", "[localhost]:80", "127.0.0.1:65536", "127.0.0.1:http"]) {
      expect(() => parseListenAddress(value), value).toThrow(/expected HOST:PORT, such as 127\.0\.0\.1:9464/);
    }
  });
});
