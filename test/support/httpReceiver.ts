/** A real HTTP server on 127.0.0.1 for tests: records requests and answers from a script. */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { onTestFinished } from "vitest";

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

export type Responder = (request: ReceivedRequest, response: ServerResponse, index: number) => void;

export interface HttpReceiver {
  url: string;
  requests: ReceivedRequest[];
  /** Sockets the server saw close, for checks that a client really hung up. */
  closedSockets: number;
  close(): Promise<void>;
}

export async function startReceiver(respond: Responder): Promise<HttpReceiver> {
  const requests: ReceivedRequest[] = [];
  const sockets = new Set<Socket>();
  const receiver = { url: "", requests, closedSockets: 0, close: async () => {} } as HttpReceiver;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const received = { method: request.method ?? "", url: request.url ?? "", headers: request.headers, body: Buffer.concat(chunks).toString("utf8") };
      requests.push(received);
      respond(received, response, requests.length - 1);
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => {
      sockets.delete(socket);
      receiver.closedSockets++;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  receiver.close = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  return receiver;
}

/** A receiver for the current test, answering 200 "ok" unless told otherwise, closed when the test ends. */
export async function receiverForTest(respond: Responder = (_, response) => response.end("ok")): Promise<HttpReceiver> {
  const started = await startReceiver(respond);
  onTestFinished(() => started.close());
  return started;
}
