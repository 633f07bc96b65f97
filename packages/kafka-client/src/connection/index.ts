export * from './settings';
export * from './connection';
export * from './explain';
export * from './listener-probe';
export * from './tls-failures';
export { jwtExpiry, readTokenFile } from './oauthbearer';
