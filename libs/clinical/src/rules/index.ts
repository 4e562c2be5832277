export * from './rule-set.schema';
export * from './rule-set.loader';
export * from './rule-set.overrides';
export * from './site-override-label';
export * from './evaluation-input';
export * from './rule-evaluator';
export * from './history-requirements';
export * from './explanation-template';
