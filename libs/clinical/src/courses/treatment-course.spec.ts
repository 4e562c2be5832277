import { addMonths, localDay, startOfDay } from './calendar';
import {
  daysSinceLastInfusion,
  inAcuteVascularWindow,
  inEarlyCytopeniaWindow,
  monitoringEnd,
  type TreatmentCourse,
} from './treatment-course';

const course1: TreatmentCourse = {
  courseNumber: 1,
  infusionDays: ['2024-03-04', '2024-03-05', '2024-03-06', '2024-03-07', '2024-03-08'],
};
const course2: TreatmentCourse = {
  courseNumber: 2,
  infusionDays: ['2025-03-10', '2025-03-11', '2025-03-12'],
};

describe('treatment-course clocks (clinical rules §1.2)', () => {
  it('monitoring ends 48 calendar months after the last infusion, and a new course moves it', () => {
    expect(monitoringEnd([course1])).toBe('2028-03-08');
    expect(monitoringEnd([course1, course2])).toBe('2029-03-12');
    expect(monitoringEnd([course1], 6)).toBe('2028-09-08');
    expect(monitoringEnd([])).toBeNull();
  });

  it('W0-3 runs from each infusion day to three days after it', () => {
    expect(inAcuteVascularWindow('2024-03-03', [course1])).toBe(false);
    expect(inAcuteVascularWindow('2024-03-04', [course1])).toBe(true);
    expect(inAcuteVascularWindow('2024-03-11', [course1])).toBe(true);
    expect(inAcuteVascularWindow('2024-03-12', [course1])).toBe(false);
  });

  it('W0-60 runs from course start to 60 days after course end', () => {
    expect(inEarlyCytopeniaWindow('2024-05-07', [course1])).toBe(true);
    expect(inEarlyCytopeniaWindow('2024-05-08', [course1])).toBe(false);
    expect(inEarlyCytopeniaWindow('2025-03-10', [course1, course2])).toBe(true);
  });

  it('counts days since the most recent infusion', () => {
    expect(daysSinceLastInfusion('2024-03-01', [course1])).toBeNull();
    expect(daysSinceLastInfusion('2024-03-09', [course1])).toBe(1);
    expect(daysSinceLastInfusion('2025-03-11', [course1, course2])).toBe(0);
    expect(daysSinceLastInfusion('2025-03-13', [course1, course2])).toBe(1);
  });

  it('works in calendar days of the site zone, across DST and month ends', () => {
    expect(localDay(new Date('2024-03-31T22:30:00Z'), 'Europe/Prague')).toBe('2024-04-01');
    expect(localDay(new Date('2024-03-31T22:30:00Z'), 'America/New_York')).toBe('2024-03-31');
    expect(startOfDay('2024-03-31', 'Europe/Prague').toISOString()).toBe('2024-03-30T23:00:00.000Z');
    expect(addMonths('2024-01-31', 1)).toBe('2024-02-29');
  });
});
