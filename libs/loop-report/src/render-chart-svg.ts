import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/**
 * Renders a Vega-Lite spec to an SVG document in Node, without a browser or
 * a canvas: compiled to Vega, run headless (`renderer: 'none'`), serialised
 * by Vega's own SVG renderer, which escapes every text and attribute. The
 * spec must carry its data inline: the loader is never asked for a URL.
 */
export async function renderChartSvg(spec: TopLevelSpec): Promise<string> {
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
