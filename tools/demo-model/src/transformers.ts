import type * as Transformers from '@huggingface/transformers' with { 'resolution-mode': 'import' };

/**
 * transformers.js, loaded through its CommonJS build (`dist/transformers.node.cjs`). Its type declarations belong
 * to the ES module build, which TypeScript will not let a CommonJS file `import`; the types are the same.
 * Remote downloads are switched off: everything this package loads is local.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const transformers: typeof Transformers = require('@huggingface/transformers');
transformers.env.allowRemoteModels = false;
