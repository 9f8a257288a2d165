export { gaussian, mulberry32 } from './random';
