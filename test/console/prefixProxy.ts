/**
 * A reverse proxy on 127.0.0.1 that serves a console under a prefix, as the README's nginx
 * location does: `/nomaflow/X` is passed to the console as `/X`, with `X-Forwarded-Proto`, and
 * answers stream through unbuffered (the run page's server-sent events).
 */
import { createServer, request, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface PrefixProxy {
  /** The console's address through the proxy: `http://127.0.0.1:PORT/nomaflow/`. */
  url: string;
  /** Paths the proxy passed on (after removing the prefix). */
  forwarded: string[];
  close(): Promise<void>;
}

export async function startPrefixProxy(consoleUrl: string, prefix = "/nomaflow/"): Promise<PrefixProxy> {
  const upstream = new URL(consoleUrl);
  const forwarded: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((incoming: IncomingMessage, outgoing: ServerResponse) => {
    const path = incoming.url ?? "/";
    if (!path.startsWith(prefix)) {
      outgoing.writeHead(path === prefix.slice(0, -1) ? 301 : 404, path === prefix.slice(0, -1) ? { Location: prefix } : {});
      outgoing.end();
      return;
    }
    const target = `/${path.slice(prefix.length)}`;
    forwarded.push(target);
    const headers = { ...incoming.headers, host: incoming.headers.host ?? upstream.host, "x-forwarded-proto": "http" };
    const relay = request({ host: upstream.hostname, port: upstream.port, method: incoming.method, path: target, headers }, (answer) => {
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(outgoing);
    });
    relay.on("error", () => outgoing.destroy());
    incoming.pipe(relay);
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${prefix}`,
    forwarded,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
