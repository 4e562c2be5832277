export * from './database';
export * from './embedded-secrets';
export * from './kafka-mock-broker';
export * from './lab-mllp-client';
export * from './smtp-capture';
export * from './wait-for';
export * from './sms-provider-stub';
export * from './audit-anchor-key';
