/**
 * The project the browser tests look at: a real PostgreSQL pair (a source with 2,500 orders, an
 * empty target), a local HTTP receiver, and jobs that give every page something to show — typed
 * parameters, a step slow enough to be watched live, a failure with a hint, an invalid file, a
 * connector that answers and one that does not, and a secret in `.env` used by a connector's URL
 * and by an http step's header.
 */
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { createDatabase, PG_URL, type TestDatabase } from "../support/postgres.js";
import { startReceiver, type HttpReceiver } from "../support/httpReceiver.js";
import { makeProject, runCli } from "../support/tempProject.js";

export const ORDERS = 2_500;
const PROJECT_NAME = "reporting-etl";

export interface ConsoleProject {
  root: string;
  source: TestDatabase;
  target: TestDatabase;
  receiver: HttpReceiver;
  /** `REPORTING_SECRET` in `.env`: the target's password and the hook's API key. No page may show it. */
  secret: string;
  /** NOMAFLOW_CONSOLE_TOKEN for the console process. */
  token: string;
  remove(keep: boolean): Promise<void>;
}

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function jobFiles(receiverUrl: string): Record<string, string> {
  return {
    "jobs/orders-sync.yaml": `id: orders-sync
description: Copy the orders to the reporting database, then tell the regional team.
tags: [etl, nightly]
schedule: { cron: "0 2 * * *", timezone: Europe/Paris }
params:
  region: { type: string, enum: [eu, us, apac], default: eu, description: "whose team is told" }
  limit: { type: integer, default: 2000, description: "orders copied, by id" }
  dry_run: { type: boolean, default: false, description: "tell the team it was a rehearsal" }
  pause: { type: number, default: 0.2, description: "seconds to let the source settle" }
steps:
  - name: settle
    type: shell
    command: "sleep \${params.pause}; echo settled"
  - name: copy-orders
    type: sql_copy
    source: { connector: source-db, query: "select * from orders where id <= \${params.limit}" }
    target: { connector: target-db, table: orders }
    mode: overwrite
    batch_size: 500
  - name: notify
    type: http
    url: "${receiverUrl}/hook"
    method: POST
    headers: { X-Api-Key: "\${env:REPORTING_SECRET}" }
    body: { region: "\${params.region}", rows: "\${steps.copy-orders.output.rows}", dry_run: "\${params.dry_run}" }
`,
    "jobs/customer-totals.yaml": `id: customer-totals
description: Upsert each customer's order total into the reporting database.
tags: [etl, finance]
schedule: { cron: "15 3 * * *", timezone: Europe/Paris }
steps:
  - name: totals
    type: sql_copy
    source: { connector: source-db, query: "select customer, sum(amount) as total from orders group by customer" }
    target: { connector: target-db, table: customer_totals }
    mode: upsert
`,
    "jobs/clock-change-check.yaml": `id: clock-change-check
description: Checks the reporting clocks on the nights Paris changes time.
tags: [checks]
schedule: { cron: "0 2 * 3,10 0L", timezone: Europe/Paris }
steps:
  - { name: compare, type: sql, connector: target-db, sql: "select now()" }
`,
    "jobs/weekly-archive.yaml": `id: weekly-archive
description: Copy last week's orders to the archive (off until the archive is back).
tags: [archive]
enabled: false
schedule: { cron: "0 6 * * 1", timezone: America/New_York }
steps:
  - name: archive
    type: sql_copy
    source: { connector: source-db, table: orders }
    target: { connector: archive-db, table: orders }
    mode: append
`,
    "jobs/broken-load.yaml": `id: broken-load
description: Names a connector nomaflow.yaml does not define.
steps:
  - name: load
    type: sql
    connector: nowhere-db
    sql: select 1
`,
  };
}

/**
 * Makes the databases, the receiver (it answers 500 to the `apac` region, 200 otherwise) and the
 * project; then three runs of orders-sync by the CLI, one of them failed, so that the catalogue's
 * sparkline and the history have something to draw before the browser starts any.
 */
export async function makeConsoleProject(): Promise<ConsoleProject> {
  const source = await createDatabase("console_source");
  const target = await createDatabase("console_target");
  await source.query(`create table orders (
    id serial primary key, customer text not null, amount numeric(10, 2) not null, created_at timestamptz not null default now())`);
  await source.query(`insert into orders (customer, amount) select 'customer-' || (i % 97), (i * 7 % 1000) / 10.0 from generate_series(1, ${ORDERS}) i`);
  const receiver = await startReceiver((request, response) => {
    const failing = request.body.includes('"apac"');
    response.writeHead(failing ? 500 : 200, { "Content-Type": "application/json" });
    response.end(failing ? '{"error":"the apac channel is down"}' : '{"ok":true}');
  });
  const secret = `s3cret-${randomBytes(12).toString("hex")}`;
  const token = randomBytes(18).toString("base64url");
  const server = new URL(PG_URL!);
  const user = decodeURIComponent(server.username || "postgres");
  // In a folder of its own name: the console shows the project's folder name in its header.
  const files: Record<string, string> = {
    "nomaflow.yaml": `env_file: .env
defaults: { timezone: UTC, retry: { attempts: 1 } }
connectors:
  source-db: { url: "postgres://${user}@${server.host}/${source.name}" }
  target-db: { url: "postgres://${user}:\${env:REPORTING_SECRET}@${server.host}/${target.name}", pool: { max: 4 } }
  archive-db: { url: "postgres://${user}@127.0.0.1:${await closedPort()}/archive" }
`,
    ".env": `REPORTING_SECRET=${secret}\n`,
    ...jobFiles(receiver.url),
  };
  const made = makeProject(Object.fromEntries(Object.entries(files).map(([path, content]) => [`${PROJECT_NAME}/${path}`, content])));
  const root = join(made.root, PROJECT_NAME);
  for (const params of [
    ["region=eu", "limit=500"],
    ["region=apac", "limit=1000"],
    ["region=eu", "limit=2000"],
  ]) {
    const result = await runCli(["run", "orders-sync", ...params.flatMap((param) => ["-p", param])], { cwd: root });
    const expected = params[0] === "region=apac" ? 1 : 0;
    if (result.code !== expected) throw new Error(`nomaflow run orders-sync ${params.join(" ")} exited ${result.code}:\n${result.stdout}${result.stderr}`);
  }
  return {
    root,
    source,
    target,
    receiver,
    secret,
    token,
    remove: async (keep) => {
      await receiver.close();
      await source.drop(keep);
      await target.drop(keep);
      if (keep) console.log(`kept the console's test project of a failed test: ${root}`);
      else made.remove();
    },
  };
}
