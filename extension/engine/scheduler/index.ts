export * from './scheduler';
export * from './node-pool';
