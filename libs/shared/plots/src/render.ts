import { loadVega, type VegaLiteSpec } from './vega-loader';

/** Shared look of every chart: white background, DejaVu/sans-serif text (what resvg finds on a bare Linux). */
const CONFIG = {
  background: 'white',
  font: 'DejaVu Sans, Arial, sans-serif',
  view: { stroke: '#ddd' },
} as const;

/**
 * Renders a vega-lite spec to an SVG document with vega's headless renderer (`renderer: 'none'`): no canvas,
 * no browser, no network (the data must be inline).
 */
export async function renderVegaLiteSvg(spec: VegaLiteSpec): Promise<string> {
  const { vega, vegaLite } = await loadVega();
  const compiled = vegaLite.compile({ ...spec, config: { ...CONFIG, ...spec.config } } as VegaLiteSpec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
