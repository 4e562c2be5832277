/**
 * The site label a stored override version gives its rule set (`ms-2026.3` → `ms-2026.3+brno.v2`): the site id
 * lower-cased with anything but letters, digits, `.` and `-` made a `-`, then `.v<version>`. Each saved version of
 * `rule_overrides` (numbered per site and indication) thus gets a rule-set version of its own, which every alert
 * graded with it pins. The result processor (applying) and the admin API (validating, showing) both label with
 * this function, so what the API shows is what alerts carry.
 */
export function siteOverrideLabel(siteId: string, version: number): string {
  return `${siteId.toLowerCase().replace(/[^a-z0-9.-]/g, '-')}.v${version}`;
}
