/** A word written for the user to paste into a shell (a path, a parameter): quoted only when it needs to be. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`;
}
