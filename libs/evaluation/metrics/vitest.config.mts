import { sharedTestConfig } from '../../../vitest.shared.mjs';
export default sharedTestConfig;
