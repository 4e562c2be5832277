import {
  createSuspensionSchema,
  monitoringPlanInputSchema,
  monitoringSettingsOverridesSchema,
} from './monitoring.dto';
import { clinicalFlagsInputSchema } from '../patients/patient.dto';

describe('monitoring input', () => {
  it('takes a site’s overrides in the shape of the defaults, and refuses unknown keys at any depth', () => {
    expect(
      monitoringSettingsOverridesSchema.safeParse({
        cbc: { warningDays: 40 },
        liver: { criticalDays: null },
        gates: { hiv: { windowDays: null, severity: 'warning' } },
        feeds: { maxHoldDays: 3, maxCriticalHoldHours: 12 },
        urinalysisAcceptsAutomatedRbc: true,
      }).success,
    ).toBe(true);
    expect(monitoringSettingsOverridesSchema.safeParse({}).success).toBe(true);
    for (const bad of [
      { cbcc: { warningDays: 40 } },
      { cbc: { warningDay: 40 } },
      { gates: { hiv: { severity: 'urgent' } } },
      { feeds: { maxHoldDays: '3' } },
      { feeds: { maxCriticalHoldHours: '12' } },
      { feeds: { maxCriticalHoldHour: 12 } },
    ]) {
      expect({ bad, ok: monitoringSettingsOverridesSchema.safeParse(bad).success }).toEqual({
        bad,
        ok: false,
      });
    }
  });

  it('defaults a suspension’s end to none (only deceased may have none: the storage refuses the rest)', () => {
    expect(createSuspensionSchema.parse({ reason: 'deceased', startDay: '2026-01-02' })).toEqual({
      reason: 'deceased',
      startDay: '2026-01-02',
      endDay: null,
      note: null,
    });
    expect(createSuspensionSchema.safeParse({ reason: 'holiday', startDay: '2026-01-02' }).success).toBe(
      false,
    );
    expect(
      createSuspensionSchema.safeParse({
        reason: 'hospitalised',
        startDay: '2026-02-30',
        endDay: '2026-03-01',
      }).success,
    ).toBe(false);
  });

  it('changes at least one field of the plan', () => {
    expect(monitoringPlanInputSchema.safeParse({}).success).toBe(false);
    expect(monitoringPlanInputSchema.safeParse({ plannedCourse: null }).success).toBe(true);
    expect(monitoringPlanInputSchema.parse({ plannedCourse: { startDay: '2026-05-04' } })).toEqual({
      plannedCourse: { courseNumber: null, startDay: '2026-05-04' },
    });
    expect(monitoringPlanInputSchema.safeParse({ monitoringExtensionMonths: -1 }).success).toBe(false);
  });

  it('sets clinical flags partially, booleans only, known flags only', () => {
    expect(clinicalFlagsInputSchema.safeParse({ pregnant: true }).success).toBe(true);
    expect(clinicalFlagsInputSchema.safeParse({}).success).toBe(false);
    expect(clinicalFlagsInputSchema.safeParse({ pregnant: 'yes' }).success).toBe(false);
    expect(clinicalFlagsInputSchema.safeParse({ smoker: true }).success).toBe(false);
  });
});
