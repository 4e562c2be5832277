export * from './calendar';
export * from './treatment-course';
export * from './course-plan';
export * from './infusion-record';
