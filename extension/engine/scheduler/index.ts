export * from './scheduler';
export * from './nodePool';
