/**
 * The page's files from `dist/console/`: `index.html` at the root and the few files under
 * `assets/`, by a fixed list (no other path of the disk can be asked for). Each is read once and
 * kept while its size and time are unchanged; answers carry an ETag so a reload costs a 304.
 */
import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { IncomingMessage, ServerResponse } from "node:http";
import { sendBody, SECURITY_HEADERS } from "./httpAnswers.js";

/** Path under the console's root → its file under the assets folder, and its type. */
const PAGE_FILES: ReadonlyMap<string, { file: string; type: string }> = new Map([
  ["", { file: "index.html", type: "text/html; charset=utf-8" }],
  ["index.html", { file: "index.html", type: "text/html; charset=utf-8" }],
  ["assets/console.js", { file: "assets/console.js", type: "text/javascript; charset=utf-8" }],
  ["assets/console.css", { file: "assets/console.css", type: "text/css; charset=utf-8" }],
  ["assets/favicon.svg", { file: "assets/favicon.svg", type: "image/svg+xml" }],
]);

const MISSING_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Nomaflow console</title></head>
<body><h1>Nomaflow console</h1><p>Nomaflow: the console's files are missing: run npm run build</p></body></html>
`;

interface LoadedFile {
  size: number;
  mtimeMs: number;
  body: Buffer;
  etag: string;
}

export class StaticAssets {
  readonly #dir: string;
  readonly #loaded = new Map<string, LoadedFile>();

  constructor(dir: string) {
    this.#dir = dir;
  }

  /** Whether `path` (relative to the console's root, no leading slash) is one of the page's files. */
  has(path: string): boolean {
    return PAGE_FILES.has(path);
  }

  serve(path: string, request: IncomingMessage, response: ServerResponse): void {
    const entry = PAGE_FILES.get(path)!;
    const file = this.#read(entry.file);
    if (!file) {
      // The build makes them all at once (beside the compiled server modules in the same folder): one missing is a build not run.
      sendBody(response, 500, "text/html; charset=utf-8", MISSING_PAGE, { "Cache-Control": "no-store" });
      return;
    }
    const headers = { "Cache-Control": "no-cache", ETag: file.etag };
    if (request.headers["if-none-match"] === file.etag) {
      response.writeHead(304, { ...SECURITY_HEADERS, ...headers });
      response.end();
      return;
    }
    sendBody(response, 200, entry.type, file.body, headers);
  }

  #read(file: string): LoadedFile | undefined {
    const path = join(this.#dir, file);
    let stat;
    try {
      stat = statSync(path);
    } catch {
      return undefined;
    }
    const kept = this.#loaded.get(file);
    if (kept && kept.size === stat.size && kept.mtimeMs === stat.mtimeMs) return kept;
    let body: Buffer;
    try {
      body = readFileSync(path);
    } catch {
      return undefined;
    }
    const loaded = { size: stat.size, mtimeMs: stat.mtimeMs, body, etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"` };
    this.#loaded.set(file, loaded);
    return loaded;
  }
}
