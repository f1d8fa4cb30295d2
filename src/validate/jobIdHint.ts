/** What to do when a job's id differs from its file name, suggesting only ids that are valid. */
import { extname } from "node:path";
import { NAME_PATTERN } from "../schema/common.js";

const VALID_NAME = new RegExp(NAME_PATTERN);
const NAME_RULE = "a job id is a lower-case name: letters, digits, '-' and '_'";

/** `file` is the job file's path, `fileId` its name without extension. */
export function jobIdHint(id: string, fileId: string, file: string): string {
  const rename = VALID_NAME.test(id) ? `rename the file to ${id}${extname(file)}` : undefined;
  const setId = VALID_NAME.test(fileId) ? `set id: ${fileId}` : undefined;
  if (rename && setId) return `${rename} or ${setId}`;
  return `${rename ?? setId ?? "give both the same new name"} (${NAME_RULE})`;
}
