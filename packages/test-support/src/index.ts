export * from './names';
export * from './wait-for';
export * from './environment';
