export * from './create-kafka';
export * from './topics';
export * from './metrics';
