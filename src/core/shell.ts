/** Quotes a word for a POSIX shell only when it needs it, so printed commands stay copy-pasteable and readable. */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`;
}
