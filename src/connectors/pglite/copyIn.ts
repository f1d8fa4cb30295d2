/**
 * `COPY … FROM STDIN` on PGlite: PGlite reads COPY input from one Blob, so the data is cut into
 * pieces of whole rows (rowChunks.ts) and each piece is loaded by its own
 * `COPY … FROM '/dev/blob'`, all in one transaction (the caller's, or one opened here), so memory
 * stays a few times the piece size whatever the table size and the load is still all or nothing.
 */
import type { CopyIn } from "../connector.js";
import { copyInSql, PGLITE_BLOB_FILE } from "../copySql.js";
import { wholeRowPieces } from "./rowChunks.js";
import type { PgliteStatements } from "./session.js";

export async function copyInByChunks(statements: PgliteStatements, copy: CopyIn, data: AsyncIterable<Uint8Array>, pieceBytes: number): Promise<number> {
  statements.checkUsable();
  const fromBlob = copyInSql(copy, PGLITE_BLOB_FILE);
  const ownTransaction = !statements.inTransaction();
  if (ownTransaction) await statements.run("BEGIN");
  let rows = 0;
  try {
    for await (const piece of wholeRowPieces(data, copy.format, pieceBytes)) {
      const [result] = await statements.run(fromBlob, undefined, new Blob(piece as Uint8Array<ArrayBuffer>[]));
      rows += result?.affectedRows ?? 0;
    }
    if (ownTransaction) await statements.run("COMMIT");
    return rows;
  } catch (error) {
    if (ownTransaction && statements.usable()) await statements.run("ROLLBACK").catch(() => {});
    throw error;
  }
}
