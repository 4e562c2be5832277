export * from './calendar';
export * from './treatment-course';
