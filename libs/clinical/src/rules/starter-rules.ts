import { type AlertDecision, type ExplainedValue } from '../alerts/alert-decision';
import { type PatientResult } from '../results/result';

export const STARTER_RULE_SET_VERSION = 'ms-starter-1';

/**
 * The foundation's two platelet rules (clinical rules §2):
 * - PLT-3: platelets < 100 ×10⁹/L → critical (ITP cut-off);
 * - PLT-4: platelets < 50 ×10⁹/L → critical, with the emergency flag below 25 ×10⁹/L.
 * A value under 50 raises PLT-4 only: one value, one alert.
 */
export function evaluateStarterRules(results: readonly PatientResult[]): AlertDecision[] {
  const decisions: AlertDecision[] = [];
  for (const result of results) {
    if (result.analyte !== 'platelets' || result.quality !== 'ok' || result.value === null) continue;
    if (result.status !== 'final' && result.status !== 'corrected') continue;
    const value = result.value;
    if (value < 50) {
      decisions.push(
        decision(
          result,
          'PLT-4',
          value < 25,
          `Platelets ${value} ×10⁹/L are below 50 ×10⁹/L${value < 25 ? ' and below 25 ×10⁹/L (bleeding risk)' : ''}.`,
          'Same-day assessment; confirm and refer to haematology.',
          '[G] CTCAE v5.0 grade 3/4; severity [P]',
        ),
      );
    } else if (value < 100) {
      decisions.push(
        decision(
          result,
          'PLT-3',
          false,
          `Platelets ${value} ×10⁹/L are below 100 ×10⁹/L.`,
          'Same day: confirm, then refer to haematology if confirmed.',
          '[G] ITP cut-off; action [FDA-L]',
        ),
      );
    }
  }
  return decisions;
}

function decision(
  result: PatientResult,
  ruleId: string,
  emergency: boolean,
  summary: string,
  action: string,
  evidence: string,
): AlertDecision {
  const value: ExplainedValue = {
    resultId: result.resultId,
    analyte: result.analyte,
    loinc: result.loinc,
    value: result.value,
    unit: result.unit,
    range: result.range,
    observedAt: result.observedAt.toISOString(),
  };
  return {
    patientId: result.patientId,
    ruleId,
    kind: 'breach',
    severity: 'critical',
    emergency,
    resultIds: [result.resultId],
    explanation: {
      ruleId,
      title: ruleId === 'PLT-4' ? 'Platelets below 50 ×10⁹/L' : 'Platelets below 100 ×10⁹/L',
      evidence,
      summary,
      action,
      values: [value],
      baseline: null,
      previous: null,
      daysSinceLastInfusion: null,
      window: null,
      ruleSetVersion: STARTER_RULE_SET_VERSION,
    },
  };
}
