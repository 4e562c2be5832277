export * from './patient-context';
export * from './result-usability';
export * from './clinical-windows';
export * from './baseline';
