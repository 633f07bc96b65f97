export * from './names';
export * from './wait-for';
export * from './environment';
export * from './private-broker';
export * from './topic-reader';
export * from './compose';
export * from './private-redis';
export * from './compose-environment-suite';
