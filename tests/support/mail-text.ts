/**
 * What a person reads in a message, without the parts that are random (links with their one-time tokens, alert
 * references such as `KZJP-47F7`): a token can spell `cbc` or `CAST` by chance, so a check that a message names
 * no analyte or rule must not read them.
 */
export function readableText(mail: { subject: string; text: string }): string {
  return `${mail.subject}\n${mail.text}`
    .replace(/https?:\/\/\S+/g, '<link>')
    .replace(/\b[0-9A-Z]{4}-[0-9A-Z]{4}\b/g, '<reference>');
}
