/**
 * `COPY … FROM STDIN` fed from an async iterable of chunks, each written to the socket as one
 * CopyData message (its 5-byte header and the chunk in one write), waiting for the socket to
 * drain when it is full so memory stays bounded. A failure of the data (the source's copy
 * failed) is sent as CopyFail, and the source's error is the copy's once the server has rolled
 * the COPY back; an error of the server stops the writing at once.
 */
import type { Duplex } from "node:stream";
import type pg from "pg";

const COPY_DATA = 0x64;
const COPY_DONE = Buffer.from([0x63, 0, 0, 0, 4]);
const COPY_FAIL = 0x66;

export class CopyInWriter implements pg.Submittable {
  #sql: string;
  #data: AsyncIterable<Uint8Array>;
  #socket: Duplex | undefined;
  #rows = 0;
  #serverError: unknown;
  #dataError: { error: unknown } | undefined;
  #wake: (() => void) | undefined;
  #settle!: { resolve: (rows: number) => void; reject: (error: unknown) => void };
  /** The rows the server copied, once it has answered; rejected with the copy's error. */
  readonly done: Promise<number>;

  constructor(sql: string, data: AsyncIterable<Uint8Array>) {
    this.#sql = sql;
    this.#data = data;
    this.done = new Promise((resolve, reject) => (this.#settle = { resolve, reject }));
  }

  submit(connection: pg.Connection): void {
    this.#socket = connection.stream;
    connection.query(this.#sql);
  }

  handleCopyInResponse(): void {
    void this.#write(this.#socket!);
  }

  handleError(error: unknown): void {
    this.#serverError = error;
    this.#wakeUp();
    this.#settle.reject(this.#dataError ? this.#dataError.error : error);
  }

  handleCommandComplete(message: { text?: string }): void {
    const count = /^COPY (\d+)$/.exec(message.text ?? "");
    if (count) this.#rows = Number(count[1]);
  }

  handleReadyForQuery(): void {
    this.#settle.resolve(this.#rows);
  }

  async #write(socket: Duplex): Promise<void> {
    try {
      for await (const chunk of this.#data) {
        if (this.#serverError !== undefined) return;
        if (chunk.byteLength === 0) continue;
        const header = Buffer.allocUnsafe(5);
        header[0] = COPY_DATA;
        header.writeUInt32BE(chunk.byteLength + 4, 1);
        socket.cork();
        socket.write(header);
        const roomLeft = socket.write(chunk);
        socket.uncork();
        if (!roomLeft) await this.#drained(socket);
      }
    } catch (error) {
      this.#dataError = { error };
    }
    if (this.#serverError !== undefined || socket.destroyed) return;
    if (this.#dataError === undefined) socket.write(COPY_DONE);
    else {
      const message = (this.#dataError.error as Error | undefined)?.message ?? "the data failed";
      const reason = Buffer.from(`${message.replaceAll("\0", "")}\0`, "utf8");
      const fail = Buffer.allocUnsafe(5);
      fail[0] = COPY_FAIL;
      fail.writeUInt32BE(reason.length + 4, 1);
      socket.write(Buffer.concat([fail, reason]));
    }
  }

  /** Until the socket has room again, the server failed the copy, or the connection closed. */
  #drained(socket: Duplex): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        socket.off("drain", done);
        socket.off("close", done);
        this.#wake = undefined;
        resolve();
      };
      socket.on("drain", done);
      socket.on("close", done);
      this.#wake = done;
    });
  }

  #wakeUp(): void {
    this.#wake?.();
  }
}
