export * from './service-process';
export * from './recount';
