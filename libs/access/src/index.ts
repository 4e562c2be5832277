export * from './access-decision';
export * from './access.decorators';
export * from './api-key';
export * from './password-hasher';
export * from './principal';
export * from './roles';
export * from './token-verifier';
export * from './sender-directory';
