import { Resvg } from '@resvg/resvg-js';

/** SVG → PNG for chat clients that show images but not SVG (Telegram). Node only (native renderer). */
export function svgToPng(svg: string, width = 920): Buffer {
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'width', value: width },
    background: 'white',
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
  });
  return resvg.render().asPng();
}
