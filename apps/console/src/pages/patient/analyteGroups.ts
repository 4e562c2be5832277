import type { Schemas } from '../../api/client';

type Rule = NonNullable<Schemas['EffectiveRuleSetDto']['ruleSet']>['rules'][number];

/** A threshold of a rule drawn on a chart: only those that are a value in the analyte's canonical unit. */
interface ThresholdPick {
  ruleId: string;
  name: string;
  label: string;
}

export interface AnalyteChart {
  /** The analyte id of the clinical catalogue (`libs/clinical/src/analytes/analyte-catalogue.ts`). */
  analyte: string;
  name: string;
  thresholds: ThresholdPick[];
}

export interface AnalyteGroup {
  id: string;
  title: string;
  charts: AnalyteChart[];
}

/**
 * The analytes the rules watch, one group per kind of harm. Thresholds are named here and their numbers come
 * from the patient's site's effective rule set, so site overrides show. Relative thresholds (× ULN, % fall,
 * ratio to baseline, the D-dimer's FEU/DDU cut-offs) are left out: they are not a line at a fixed value, and
 * the reference band shows the limit they are relative to.
 */
export const ANALYTE_GROUPS: AnalyteGroup[] = [
  {
    id: 'platelets',
    title: 'Platelets',
    charts: [
      {
        analyte: 'platelets',
        name: 'Platelets',
        thresholds: [
          { ruleId: 'PLT-1', name: 'floor', label: 'PLT-1 floor' },
          { ruleId: 'PLT-4', name: 'critical', label: 'PLT-4 critical' },
          { ruleId: 'PLT-4', name: 'emergency', label: 'PLT-4 emergency' },
          { ruleId: 'CAMP-1', name: 'platelets', label: 'CAMP-1 hold' },
        ],
      },
    ],
  },
  {
    id: 'anc',
    title: 'Neutrophils (ANC)',
    charts: [
      {
        analyte: 'neutrophils',
        name: 'Neutrophils (absolute)',
        thresholds: [
          { ruleId: 'ANC-1', name: 'warning', label: 'ANC-1 warning' },
          { ruleId: 'ANC-1', name: 'critical', label: 'ANC-1 critical' },
          { ruleId: 'ANC-1', name: 'emergency', label: 'ANC-1 emergency' },
          { ruleId: 'CAMP-1', name: 'anc', label: 'CAMP-1 hold' },
        ],
      },
    ],
  },
  {
    id: 'haemoglobin',
    title: 'Haemoglobin',
    charts: [
      {
        analyte: 'haemoglobin',
        name: 'Haemoglobin',
        thresholds: [
          { ruleId: 'HGB-1', name: 'warning', label: 'HGB-1 warning' },
          { ruleId: 'HGB-1', name: 'critical', label: 'HGB-1 critical' },
        ],
      },
    ],
  },
  {
    id: 'creatinine',
    title: 'Creatinine',
    charts: [{ analyte: 'creatinine', name: 'Creatinine (serum)', thresholds: [] }],
  },
  {
    id: 'thyroid',
    title: 'Thyroid (TSH, free T4)',
    charts: [
      {
        analyte: 'tsh',
        name: 'TSH',
        thresholds: [
          { ruleId: 'TSH-2', name: 'suppressed', label: 'TSH-2 suppressed' },
          { ruleId: 'TSH-2', name: 'high', label: 'TSH-2 high' },
        ],
      },
      { analyte: 'ft4', name: 'Free T4', thresholds: [] },
    ],
  },
  {
    id: 'liver',
    title: 'Liver (ALT, AST)',
    charts: [
      { analyte: 'alt', name: 'ALT', thresholds: [] },
      { analyte: 'ast', name: 'AST', thresholds: [] },
    ],
  },
  {
    id: 'd-dimer',
    title: 'D-dimer',
    charts: [{ analyte: 'd-dimer', name: 'D-dimer', thresholds: [] }],
  },
];

/** The chart's threshold lines, with the numbers of the rule set in force (rules absent or disabled: none). */
export function thresholdsOf(chart: AnalyteChart, rules: Rule[] | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const pick of chart.thresholds) {
    const rule = rules?.find((r) => r.id === pick.ruleId);
    const value = rule?.enabled ? rule.thresholds[pick.name] : undefined;
    if (value !== undefined) out[pick.label] = value;
  }
  return out;
}
