/**
 * vega and vega-lite are ES modules with top-level await, which a CommonJS file may not `require`; a dynamic
 * `import()` is allowed and kept as-is by tsc under `module: node16` (as in libs/encoder/clap transformers-js.ts).
 * Both are loaded once, on first use.
 */
export type Vega = typeof import('vega', { with: { 'resolution-mode': 'import' } });
export type VegaLite = typeof import('vega-lite', { with: { 'resolution-mode': 'import' } });
export type VegaLiteSpec = Parameters<VegaLite['compile']>[0];

let loading: Promise<{ vega: Vega; vegaLite: VegaLite }> | undefined;

export function loadVega(): Promise<{ vega: Vega; vegaLite: VegaLite }> {
  return (loading ??= Promise.all([import('vega'), import('vega-lite')]).then(([vega, vegaLite]) => ({
    vega,
    vegaLite,
  })));
}
