// Shared by the benchmark scripts: run a command N times and summarise wall times.
import { spawnSync } from "node:child_process";
import { createServer } from "node:http";

export function timeCommand(command, args, { runs = 20, cwd, env } = {}) {
  const times = [];
  for (let index = 0; index < runs + 2; index++) {
    const started = process.hrtime.bigint();
    const result = spawnSync(command, args, { cwd, env: env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
    const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
    if (result.status !== 0 && result.status !== 1) {
      throw new Error(`${command} ${args.join(" ")} exited ${result.status}: ${result.stderr}`);
    }
    if (index >= 2) times.push(elapsed); // the first two warm the file cache
  }
  times.sort((a, b) => a - b);
  const at = (fraction) => times[Math.min(times.length - 1, Math.floor(fraction * times.length))];
  return { median: at(0.5), p90: at(0.9), min: times[0] };
}

export function printTable(title, header, rows) {
  const widths = header.map((cell, column) => Math.max(cell.length, ...rows.map((row) => String(row[column]).length)));
  const line = (cells) => `| ${cells.map((cell, column) => String(cell).padEnd(widths[column])).join(" | ")} |`;
  console.log(`\n${title}\n`);
  console.log(line(header));
  console.log(`|${widths.map((width) => "-".repeat(width + 2)).join("|")}|`);
  for (const row of rows) console.log(line(row));
}

/** A local HTTP server answering 204 to everything, for steps that call out and do nothing. */
export async function startNoContentServer() {
  const server = createServer((request, response) => {
    request.resume();
    request.on("end", () => {
      response.statusCode = 204;
      response.end();
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, origin: `http://127.0.0.1:${server.address().port}` };
}

/** Runs `work` with a pg client connected to `connectionString`, closed after. */
export async function withClient(connectionString, work) {
  const { default: pg } = await import("pg");
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
