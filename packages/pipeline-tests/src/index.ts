export * from './service-process';
export * from './recount';
export * from './compose-project';
export * from './hostile-rows';
export * from './replayed-input';
export * from './compose-stack';
export * from './acl-table';
export * from './secured-clients';
