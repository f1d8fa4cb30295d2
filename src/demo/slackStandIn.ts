/**
 * A stand-in for a Slack incoming webhook, on 127.0.0.1: it records what it is sent and answers
 * as Slack does (200 `ok`; 400 `invalid_payload` for a body that is not JSON, `no_text` for a
 * message with neither text nor blocks), so the demo can show what Slack would have received.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface SlackMessage {
  /** ISO time of arrival. */
  receivedAt: string;
  /** The JSON payload, or the raw text when it is not JSON. */
  payload: unknown;
  /** What the stand-in answered: `ok`, or Slack's error code. */
  answer: "ok" | "invalid_payload" | "no_text";
}

export interface SlackStandIn {
  /** The webhook URL to give SLACK_WEBHOOK_URL: `http://127.0.0.1:PORT/services/…`. */
  url: string;
  /** Every POST received, in order. */
  messages: readonly SlackMessage[];
  close(): Promise<void>;
}

/** Slack's own limit is far below this; a bigger body is cut off, not buffered. */
const MAX_BODY_BYTES = 1024 * 1024;

function judge(text: string): Pick<SlackMessage, "payload" | "answer"> {
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch {
    return { payload: text, answer: "invalid_payload" };
  }
  const fields = typeof payload === "object" && payload !== null ? (payload as Record<string, unknown>) : {};
  const hasText = typeof fields.text === "string" && fields.text !== "";
  return { payload, answer: hasText || Array.isArray(fields.blocks) ? "ok" : "no_text" };
}

export async function startSlackStandIn(): Promise<SlackStandIn> {
  const messages: SlackMessage[] = [];
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    if (request.method !== "POST") {
      response.writeHead(405, { allow: "POST", "content-type": "text/plain" }).end("invalid_method");
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    request.on("end", () => {
      const message = { receivedAt: new Date().toISOString(), ...judge(Buffer.concat(chunks).toString("utf8")) };
      messages.push(message);
      response.writeHead(message.answer === "ok" ? 200 : 400, { "content-type": "text/plain" }).end(message.answer);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/services/NOMAFLOW/DEMO/stand-in`,
    messages,
    close: () =>
      new Promise<void>((resolve) => {
        // Clients keep their sockets alive for a few seconds; the demo does not wait for them.
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
