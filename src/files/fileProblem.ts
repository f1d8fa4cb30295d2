/** A file-system error in a few plain words, for the end of a one-line message. */

const PLAIN_WORDS: Readonly<Record<string, string>> = {
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "read-only file system",
  ENOSPC: "no space left on the device",
  EDQUOT: "disk quota exceeded",
  ENOENT: "no such file or folder",
  ENOTDIR: "a part of the path is a file, not a folder",
  EISDIR: "it is a folder",
  EEXIST: "it is already there",
  ENAMETOOLONG: "the name is too long",
  ELOOP: "too many symbolic links",
  EIO: "input/output error",
};

/**
 * `read-only file system (EROFS)`: the code is kept for searching. An error of our own (no
 * system call behind it, e.g. from makeFolder) already says it plainly and is kept as it is.
 */
export function fileProblem(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const { code, syscall } = error as NodeJS.ErrnoException;
  if (code === undefined || syscall === undefined) return error.message;
  // Node's text otherwise: `EROFS: read-only file system, mkdir '/x'`.
  const words = PLAIN_WORDS[code] ?? error.message.replace(/^[A-Z0-9_]+: /, "").replace(/, \w+ '.*$/s, "");
  return `${words} (${code})`;
}
