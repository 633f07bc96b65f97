export * from './logger';
export * from './registry';
export * from './ops-server';
export * from './process-lifecycle';
export * from './retry';
