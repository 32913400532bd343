export * from './app';
export * from './column-masks';
export * from './config';
export * from './env';
export * from './logger';
export * from './metrics';
export * from './transform';
