import { type CalendarDay } from '../courses/calendar';
import { type TreatmentCourse } from '../courses/treatment-course';

/** Selects the rule set: Lemtrada for relapsing MS, Campath for B-CLL (clinical rules §1.1). */
export type PatientIndication = 'MS' | 'CLL';

export type Sex = 'female' | 'male' | 'other' | 'unknown';

/**
 * Clinical facts that change how a lab value is read. Each defaults to `false` when the caller does not know it:
 * - `pregnant`: TSH-3 (any abnormal thyroid result is critical);
 * - `knownHaemophilia`: COAG-2 (a low factor VIII is expected, not acquired haemophilia A);
 * - `bleedingEventRecorded`: COAG-1 (any prolonged aPTT with bleeding is critical);
 * - `onHeparin`: COAG-1 (heparin explains an isolated aPTT prolongation).
 */
export interface PatientFlags {
  pregnant: boolean;
  knownHaemophilia: boolean;
  bleedingEventRecorded: boolean;
  onHeparin: boolean;
}

export type PatientFlag = keyof PatientFlags;

export const PATIENT_FLAGS: readonly PatientFlag[] = [
  'pregnant',
  'knownHaemophilia',
  'bleedingEventRecorded',
  'onHeparin',
];

/** Everything about a patient, besides lab results, that the rule engine reads. */
export interface PatientContext {
  patientId: string;
  indication: PatientIndication;
  /** `YYYY-MM-DD`, or null when unknown (then no age-adjusted D-dimer cut-off is applied). */
  birthDate: CalendarDay | null;
  sex: Sex | null;
  /** Missing flags are false. */
  flags?: Partial<PatientFlags>;
  /** IANA zone of the treating site: infusion days, windows and result days are calendar days there. */
  timeZone: string;
  courses: readonly TreatmentCourse[];
}

/** The patient's flags with every missing flag set to false. */
export function patientFlags(context: Pick<PatientContext, 'flags'>): PatientFlags {
  const flags = context.flags ?? {};
  return {
    pregnant: flags.pregnant === true,
    knownHaemophilia: flags.knownHaemophilia === true,
    bleedingEventRecorded: flags.bleedingEventRecorded === true,
    onHeparin: flags.onHeparin === true,
  };
}

/** Age in completed years on a calendar day; null without a birth date or before it. */
export function ageInYearsOn(birthDate: CalendarDay | null, day: CalendarDay): number | null {
  if (!birthDate) return null;
  const [by, bm, bd] = birthDate.split('-').map(Number);
  const [y, m, d] = day.split('-').map(Number);
  if ([by, bm, bd, y, m, d].some((n) => !Number.isInteger(n))) return null;
  const hadBirthday = m > bm || (m === bm && d >= bd);
  const age = y - by - (hadBirthday ? 0 : 1);
  return age < 0 ? null : age;
}
