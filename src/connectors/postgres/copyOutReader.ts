/**
 * `COPY … TO STDOUT` read straight off the connection's socket, its messages walked by
 * CopyDataFrames (copyDataFrames.ts) rather than by pg's parser, which makes an object of each
 * row. The socket is taken from pg for the copy and handed back at CopyDone or an ErrorResponse,
 * with the bytes from there on, so pg parses the end of the statement (its row count, an error,
 * the ReadyForQuery) as for any other. Iterating ends once the statement has ended on the server.
 */
import type { Duplex } from "node:stream";
import type pg from "pg";
import type { CopyFormat } from "../connector.js";
import { CopyDataFrames } from "./copyDataFrames.js";

export class CopyOutReader implements pg.Submittable, AsyncIterable<Buffer> {
  #sql: string;
  #binary: boolean;
  #frames = new CopyDataFrames();
  #socket: Duplex | undefined;
  #parseForPg: ((chunk: Buffer) => void) | undefined;
  /** The server's `COPY n`, once it has said it. */
  #counted: number | undefined;
  #handedBack = false;
  #ended = false;
  #failure: unknown;
  #wake: (() => void) | undefined;
  readonly #onReadable = () => this.#wakeUp();

  constructor(sql: string, format: CopyFormat) {
    this.#sql = sql;
    this.#binary = format === "binary";
  }

  /**
   * Whole rows yielded so far, one per whole CopyData message (in binary the header comes with
   * the first row and the trailer alone, so the count stays a row behind, never ahead); the
   * server's own count once the copy has ended.
   */
  get rows(): number {
    if (this.#counted !== undefined) return this.#counted;
    const messages = this.#frames.messages;
    return this.#binary ? Math.max(0, messages - 1) : messages;
  }

  submit(connection: pg.Connection): void {
    const socket = connection.stream;
    const [parseForPg, ...others] = socket.listeners("data") as Array<(chunk: Buffer) => void>;
    if (parseForPg === undefined || others.length > 0) throw new Error("copyOut: pg's connection no longer has one data listener; review CopyOutReader");
    this.#socket = socket;
    this.#parseForPg = parseForPg;
    socket.removeListener("data", parseForPg);
    socket.pause();
    socket.on("readable", this.#onReadable);
    connection.query(this.#sql);
    this.#wakeUp();
  }

  handleError(error: unknown): void {
    this.#failure = error;
    this.#ended = true;
    this.#wakeUp();
  }

  handleCommandComplete(message: { text?: string }): void {
    const count = /^COPY (\d+)$/.exec(message.text ?? "");
    if (count) this.#counted = Number(count[1]);
  }

  handleReadyForQuery(): void {
    this.#ended = true;
    this.#wakeUp();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer> {
    // pg submits the statement once the connection is free: at once, unless one is still running.
    while (this.#socket === undefined && !this.#ended) await this.#sleep();
    if (this.#socket === undefined) throw this.#failure;
    const socket = this.#socket;
    try {
      while (!this.#handedBack && !this.#ended) {
        const chunk = socket.read() as Buffer | null;
        if (chunk === null) await this.#sleep();
        else {
          const { data, end } = this.#frames.take(chunk);
          if (end !== undefined) this.#handBack(end);
          if (data.length > 0) yield data;
        }
      }
      while (!this.#ended) await this.#sleep();
      if (this.#failure !== undefined) throw this.#failure;
    } finally {
      // Stopped before the end (the consumer failed): the server is still sending rows, so the
      // connection cannot serve another statement; closing it makes the session a broken one.
      if (!this.#handedBack && !this.#ended) socket.destroy();
    }
  }

  /** The socket back to pg, which parses `rest` (CopyDone or an error, and what follows) first. */
  #handBack(rest: Buffer): void {
    const socket = this.#socket!;
    this.#handedBack = true;
    socket.removeListener("readable", this.#onReadable);
    socket.on("data", this.#parseForPg!);
    this.#parseForPg!(rest);
    // What the socket still holds flows to pg after `rest`.
    process.nextTick(() => socket.resume());
  }

  #sleep(): Promise<void> {
    return new Promise((resolve) => (this.#wake = resolve));
  }

  #wakeUp(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}
