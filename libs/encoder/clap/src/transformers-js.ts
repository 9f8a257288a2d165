/**
 * `@huggingface/transformers` ships its types as an ES module, which a CommonJS file may not `require` under
 * `moduleResolution: node16`; a dynamic `import()` is allowed and kept as-is by tsc, and every caller is
 * async anyway. The module is loaded once, on first use.
 */
export type TransformersJs = typeof import('@huggingface/transformers', { with: { 'resolution-mode': 'import' } });

let loading: Promise<TransformersJs> | undefined;

export function loadTransformersJs(): Promise<TransformersJs> {
  return (loading ??= import('@huggingface/transformers'));
}
