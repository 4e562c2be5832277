/** A result text as the rules compare it: trimmed, lower case, one space between words, no closing `.` or `!`. */
export function normaliseText(text: string): string {
  return text
    .trim()
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .replace(/[.!]+$/, '');
}
