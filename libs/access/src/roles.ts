/**
 * The roles of the system. People hold `admin`, `clinician` and `auditor`; `integration` belongs to API keys
 * (labs and interface engines), never to a person.
 */
export const ROLES = ['admin', 'clinician', 'auditor', 'integration'] as const;
export type Role = (typeof ROLES)[number];

/** The roles a person (a `users` row) may hold. */
export const PERSON_ROLES = ['admin', 'clinician', 'auditor'] as const;
export type PersonRole = (typeof PERSON_ROLES)[number];
