export * from './metrics-text';
export * from './stats';
export * from './markers';
export * from './report';
export * from './pipeline-step';
