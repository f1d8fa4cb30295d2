/** Long one-line texts (a step's output as JSON) folded to a width, nothing cut or added. */

/**
 * Splits `text` into pieces of at most `width` characters that join back into `text`: each
 * piece ends after a space or a comma when one falls in its second half, else at `width`.
 */
export function wrapText(text: string, width: number): string[] {
  const size = Math.max(1, Math.floor(width));
  const pieces: string[] = [];
  let rest = text;
  while (rest.length > size) {
    let cut = size;
    for (let index = size; index > size / 2; index--) {
      const before = rest[index - 1];
      if (before === " " || before === ",") {
        cut = index;
        break;
      }
    }
    pieces.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  pieces.push(rest);
  return pieces;
}
