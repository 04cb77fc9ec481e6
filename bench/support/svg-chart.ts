// Small line charts as one SVG file, drawn by a bench from its own figures: a grid of
// panels, each with its x axis (a size), y axis from 0, one polyline and dots per series,
// and a legend. No dependency; the output is plain SVG that GitHub and VS Code show.

export interface Series {
  label: string;
  color: string;
  /** [x, y]; y NaN leaves a gap. */
  points: [number, number][];
  dashed?: boolean;
}

export interface Panel {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
}

const W = 420;
const H = 280;
const M = { left: 56, right: 16, top: 34, bottom: 84 };

function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const num = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2));

function panel(p: Panel, ox: number, oy: number): string {
  const xs = p.series.flatMap((s) => s.points.map(([x]) => x));
  const ys = p.series.flatMap((s) => s.points.map(([, y]) => y)).filter(Number.isFinite);
  const xMin = Math.min(...xs);
  const xMax = Math.max(...xs);
  const yMax = niceMax(Math.max(...ys, 0));
  const iw = W - M.left - M.right;
  const ih = H - M.top - M.bottom;
  const sx = (x: number) => ox + M.left + (xMax === xMin ? iw / 2 : ((x - xMin) / (xMax - xMin)) * iw);
  const sy = (y: number) => oy + M.top + ih - (y / yMax) * ih;
  const out: string[] = [];
  out.push(`<text x="${ox + W / 2}" y="${oy + 18}" text-anchor="middle" font-weight="bold">${esc(p.title)}</text>`);
  for (let i = 0; i <= 4; i++) {
    const v = (yMax * i) / 4;
    const y = sy(v);
    out.push(
      `<line x1="${ox + M.left}" x2="${ox + W - M.right}" y1="${y}" y2="${y}" stroke="#ddd"/>`,
      `<text x="${ox + M.left - 6}" y="${y + 4}" text-anchor="end" font-size="11">${num(v)}</text>`,
    );
  }
  for (const x of [...new Set(xs)].sort((a, b) => a - b)) {
    out.push(
      `<text x="${sx(x)}" y="${oy + M.top + ih + 16}" text-anchor="middle" font-size="11">${x}</text>`,
      `<line x1="${sx(x)}" x2="${sx(x)}" y1="${oy + M.top + ih}" y2="${oy + M.top + ih + 4}" stroke="#333"/>`,
    );
  }
  out.push(
    `<line x1="${ox + M.left}" x2="${ox + W - M.right}" y1="${oy + M.top + ih}" y2="${oy + M.top + ih}" stroke="#333"/>`,
    `<line x1="${ox + M.left}" x2="${ox + M.left}" y1="${oy + M.top}" y2="${oy + M.top + ih}" stroke="#333"/>`,
    `<text x="${ox + M.left + iw / 2}" y="${oy + M.top + ih + 32}" text-anchor="middle" font-size="11">${esc(p.xLabel)}</text>`,
    `<text transform="translate(${ox + 14},${oy + M.top + ih / 2}) rotate(-90)" text-anchor="middle" font-size="11">${esc(p.yLabel)}</text>`,
  );
  p.series.forEach((s, i) => {
    const pts = s.points.filter(([, y]) => Number.isFinite(y));
    const dash = s.dashed ? ' stroke-dasharray="5,3"' : '';
    if (pts.length > 1) {
      const d = pts.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ');
      out.push(`<polyline points="${d}" fill="none" stroke="${s.color}" stroke-width="2"${dash}/>`);
    }
    for (const [x, y] of pts) {
      out.push(`<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="3" fill="${s.color}"/>`);
    }
    const lx = ox + M.left + (i % 2) * (iw / 2);
    const ly = oy + M.top + ih + 48 + Math.floor(i / 2) * 15;
    out.push(
      `<line x1="${lx}" x2="${lx + 18}" y1="${ly - 4}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2"${dash}/>`,
      `<text x="${lx + 22}" y="${ly}" font-size="11">${esc(s.label)}</text>`,
    );
  });
  return out.join('\n');
}

/** Panels in rows of `columns`, with a title and a note under it. */
export function chart(title: string, note: string, panels: Panel[], columns = 2): string {
  const rows = Math.ceil(panels.length / columns);
  const width = W * columns;
  const height = H * rows + 48;
  const body = panels.map((p, i) => panel(p, (i % columns) * W, 48 + Math.floor(i / columns) * H)).join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
<text x="${width / 2}" y="20" text-anchor="middle" font-size="15" font-weight="bold">${esc(title)}</text>
<text x="${width / 2}" y="38" text-anchor="middle" font-size="11" fill="#555">${esc(note)}</text>
${body}
</svg>
`;
}
