export { Backoff, backoffDelayMs, DEFAULT_BACKOFF, type BackoffOptions } from './backoff';
export { retry, type RetryOptions } from './retry';
export { sleep } from './sleep';
