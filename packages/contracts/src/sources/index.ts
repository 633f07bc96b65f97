// Declared sources (JSON field paths, types, time formats): an entry point of its own,
// @streamtally/contracts/sources, so that what does not read them (the producer's replay
// thread) never loads zod.
export * from './field-path';
export * from './time-formats';
export * from './json-source';
