export * from './expectation';
export * from './feed-hold';
export * from './feed-rhythm';
export * from './missed-alert';
export * from './monitoring-schedule';
export * from './monitoring-settings';
export * from './suspension';
export * from './test-group';
