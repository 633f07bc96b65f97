export * from './field-path';
export * from './time-formats';
export * from './json-source';
