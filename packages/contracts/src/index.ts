export * from './topics';
export * from './decode-result';
export * from './problem';
export * from './user-action-fields';
export * from './user-action';
export * from './text-line';
export * from './window-result';
export * from './side-outputs';
