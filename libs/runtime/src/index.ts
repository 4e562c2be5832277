export * from './config';
export * from './clock';
export * from './logger';
export * from './metrics';
export * from './runtime.module';
