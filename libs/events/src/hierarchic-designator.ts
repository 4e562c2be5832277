/**
 * Assigning authorities (`patient.authority`) and senders (`sender.application`, `sender.facility`) are HL7
 * hierarchic designators, written as the namespace id alone (`CITYHOSP`) or whole, `namespace&universal id&type`
 * (`CITYHOSP&2.16.840.1.113883.19.5&ISO`, `&05D0000000&CLIA`). A registration (an enrolled patient's identifier,
 * a code mapping, an API key's sender) may name any form of it: the whole text, the namespace id or the universal
 * id. These are the forms to look up, most specific first.
 */
export function hdForms(text: string): string[] {
  const forms = [text];
  if (text.includes('&')) {
    const [namespaceId = '', universalId = ''] = text.split('&');
    forms.push(namespaceId, universalId);
  }
  return [...new Set(forms.filter((form) => form !== ''))];
}

/** Every `APPLICATION^FACILITY` a sender may be registered as (see {@link hdForms}), most specific first. */
export function senderForms(sender: { application: string; facility: string }): string[] {
  const keys: string[] = [];
  for (const application of hdForms(sender.application)) {
    for (const facility of hdForms(sender.facility)) keys.push(`${application}^${facility}`);
  }
  return keys;
}
