export { ANALYTE_UNITS, type AcceptedUnit, type AnalyteUnits } from './analyte-units';
export { dDimerBasisOfLoinc, splitDDimerBasis } from './d-dimer-basis';
export { dipstickGrade } from './dipstick-ordinal';
export { tidyUnitText, ucumCodeForUnitText } from './unit-aliases';
export { unitConversion, type UnitConversion } from './unit-conversion';
export {
  castTypeFinding,
  countFinding,
  type FindingReading,
  mentionFinding,
  presenceFinding,
  type UrineFinding,
} from './urine-sediment';
