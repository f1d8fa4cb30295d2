/**
 * A TCP relay on 127.0.0.1 between a client under test and a real server (PostgreSQL by
 * default), so a test can cut the network and restore it: `cut()` destroys every relayed
 * connection and refuses new ones (a server gone), `restore()` accepts again. The port stays the
 * same throughout, so the client's URL does not change.
 */
import { createServer, Socket, type Server } from "node:net";

export interface TcpProxy {
  /** The port to connect to (on 127.0.0.1). */
  port: number;
  /** `url` with its host and port replaced by the proxy's. */
  urlTo(url: string): string;
  /** Destroys every connection relayed so far and refuses new ones until `restore()`. */
  cut(): void;
  restore(): void;
  /** Connections accepted and relayed since the start. */
  readonly connections: number;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host?: string; port?: number } = {}): Promise<TcpProxy> {
  const targetHost = target.host ?? "127.0.0.1";
  const targetPort = target.port ?? 5432;
  const sockets = new Set<Socket>();
  let isCut = false;
  let connections = 0;

  const server: Server = createServer((client) => {
    if (isCut) {
      client.destroy();
      return;
    }
    connections += 1;
    const upstream = new Socket();
    sockets.add(client);
    sockets.add(upstream);
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
    upstream.connect(targetPort, targetHost, () => {
      client.pipe(upstream);
      upstream.pipe(client);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as { port: number }).port;

  return {
    port,
    urlTo(url) {
      const parsed = new URL(url);
      parsed.hostname = "127.0.0.1";
      parsed.port = String(port);
      return parsed.toString();
    },
    cut() {
      isCut = true;
      for (const socket of sockets) socket.destroy();
      sockets.clear();
    },
    restore() {
      isCut = false;
    },
    get connections() {
      return connections;
    },
    close() {
      isCut = true;
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
