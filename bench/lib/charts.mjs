// Two small SVG charts, drawn from the results (no chart library: a bar chart and a histogram are a few rectangles).

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;');
const COLORS = ['#1f77b4', '#2ca02c', '#d62728', '#9467bd'];

/**
 * Grouped bars on a log scale: `groups` are categories (e.g. ELB, Route53), each with one value per series.
 * `series` names the bars of a group.
 */
export function groupedBarsLog({ title, groups, series, unit }) {
  const width = 640;
  const height = 360;
  const left = 70;
  const bottom = 300;
  const top = 50;
  const max = Math.max(...groups.flatMap((g) => g.values));
  const decades = Math.ceil(Math.log10(max));
  const y = (v) => bottom - (Math.log10(Math.max(v, 1)) / decades) * (bottom - top);
  const groupWidth = (width - left - 20) / groups.length;
  const barWidth = (groupWidth - 40) / series.length;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2}" y="24" text-anchor="middle" font-size="15">${esc(title)}</text>`,
  ];
  for (let d = 0; d <= decades; d++) {
    const v = 10 ** d;
    parts.push(
      `<line x1="${left}" x2="${width - 20}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>`,
      `<text x="${left - 6}" y="${y(v) + 4}" text-anchor="end">${v.toLocaleString('en')}</text>`,
    );
  }
  groups.forEach((g, gi) => {
    const x0 = left + gi * groupWidth + 20;
    g.values.forEach((v, si) => {
      const x = x0 + si * barWidth;
      parts.push(
        `<rect x="${x}" y="${y(v)}" width="${barWidth - 4}" height="${bottom - y(v)}" fill="${COLORS[si % COLORS.length]}"/>`,
        `<text x="${x + (barWidth - 4) / 2}" y="${y(v) - 4}" text-anchor="middle">${Math.round(v).toLocaleString('en')}</text>`,
      );
    });
    parts.push(
      `<text x="${x0 + (series.length * barWidth) / 2}" y="${bottom + 18}" text-anchor="middle">${esc(g.name)}</text>`,
    );
  });
  series.forEach((s, si) => {
    const x = left + si * 190;
    parts.push(
      `<rect x="${x}" y="${height - 26}" width="12" height="12" fill="${COLORS[si % COLORS.length]}"/>`,
      `<text x="${x + 18}" y="${height - 16}">${esc(s)}</text>`,
    );
  });
  parts.push(
    `<text x="16" y="${(top + bottom) / 2}" transform="rotate(-90 16 ${(top + bottom) / 2})" text-anchor="middle">${esc(unit)} (log scale)</text>`,
  );
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/** A histogram of values in `binMs` bins, with lines at the given marks (e.g. p50, p99). */
export function histogram({ title, values, binMs, marks, unit }) {
  const width = 640;
  const height = 320;
  const left = 60;
  const bottom = 270;
  const top = 50;
  const maxValue = Math.max(...values);
  const bins = Math.max(1, Math.ceil((maxValue + 1e-9) / binMs));
  const counts = new Array(bins).fill(0);
  for (const v of values) counts[Math.min(bins - 1, Math.floor(v / binMs))]++;
  const maxCount = Math.max(...counts);
  const x = (v) => left + (v / (bins * binMs)) * (width - left - 20);
  const y = (c) => bottom - (c / maxCount) * (bottom - top);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2}" y="24" text-anchor="middle" font-size="15">${esc(title)}</text>`,
    `<line x1="${left}" x2="${width - 20}" y1="${bottom}" y2="${bottom}" stroke="#333"/>`,
  ];
  counts.forEach((c, i) => {
    if (c > 0) {
      parts.push(
        `<rect x="${x(i * binMs)}" y="${y(c)}" width="${Math.max(1, x(binMs) - x(0) - 1)}" height="${bottom - y(c)}" fill="${COLORS[0]}"/>`,
      );
    }
  });
  const step = Math.max(binMs, Math.ceil((bins * binMs) / 8 / 10) * 10);
  for (let v = 0; v <= bins * binMs; v += step) {
    parts.push(`<text x="${x(v)}" y="${bottom + 16}" text-anchor="middle">${v}</text>`);
  }
  parts.push(`<text x="${(left + width) / 2}" y="${bottom + 34}" text-anchor="middle">${esc(unit)}</text>`);
  parts.push(`<text x="${left - 6}" y="${top + 4}" text-anchor="end">${maxCount}</text>`);
  marks.forEach((m, i) => {
    parts.push(
      `<line x1="${x(m.value)}" x2="${x(m.value)}" y1="${top}" y2="${bottom}" stroke="${COLORS[2 + (i % 2)]}" stroke-dasharray="4 3"/>`,
      `<text x="${x(m.value) + 4}" y="${top + 12 + i * 14}" fill="${COLORS[2 + (i % 2)]}">${esc(m.label)}</text>`,
    );
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/**
 * Lines on log-log axes: `xs` (e.g. tree sizes) and, for each series, one value per x. Straight lines of slope one
 * are linear growth; a steeper line grows faster than the tree.
 */
export function linesLogLog({ title, xs, series, xUnit, yUnit }) {
  const width = 640;
  const height = 380;
  const left = 70;
  const right = 20;
  const bottom = 300;
  const top = 50;
  const values = series.flatMap((s) => s.values).filter((v) => v > 0);
  const [yLo, yHi] = [Math.floor(Math.log10(Math.min(...values))), Math.ceil(Math.log10(Math.max(...values)))];
  const [xLo, xHi] = [Math.floor(Math.log10(Math.min(...xs))), Math.ceil(Math.log10(Math.max(...xs)))];
  const x = (v) => left + ((Math.log10(v) - xLo) / Math.max(1, xHi - xLo)) * (width - left - right);
  const y = (v) => bottom - ((Math.log10(Math.max(v, 10 ** yLo)) - yLo) / Math.max(1, yHi - yLo)) * (bottom - top);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2}" y="24" text-anchor="middle" font-size="15">${esc(title)}</text>`,
  ];
  for (let d = yLo; d <= yHi; d++) {
    parts.push(
      `<line x1="${left}" x2="${width - right}" y1="${y(10 ** d)}" y2="${y(10 ** d)}" stroke="#ddd"/>`,
      `<text x="${left - 6}" y="${y(10 ** d) + 4}" text-anchor="end">${(10 ** d).toLocaleString('en')}</text>`,
    );
  }
  for (let d = xLo; d <= xHi; d++) {
    parts.push(
      `<line x1="${x(10 ** d)}" x2="${x(10 ** d)}" y1="${top}" y2="${bottom}" stroke="#eee"/>`,
      `<text x="${x(10 ** d)}" y="${bottom + 16}" text-anchor="middle">${(10 ** d).toLocaleString('en')}</text>`,
    );
  }
  series.forEach((s, si) => {
    const color = COLORS[si % COLORS.length];
    const points = xs.map((xv, i) => `${x(xv)},${y(s.values[i] ?? 0)}`).join(' ');
    parts.push(`<polyline points="${points}" fill="none" stroke="${color}" stroke-width="2"/>`);
    xs.forEach((xv, i) => parts.push(`<circle cx="${x(xv)}" cy="${y(s.values[i] ?? 0)}" r="3" fill="${color}"/>`));
    parts.push(
      `<rect x="${left + si * 190}" y="${height - 26}" width="12" height="12" fill="${color}"/>`,
      `<text x="${left + si * 190 + 18}" y="${height - 16}">${esc(s.name)}</text>`,
    );
  });
  parts.push(
    `<text x="${(left + width) / 2}" y="${bottom + 34}" text-anchor="middle">${esc(xUnit)} (log scale)</text>`,
  );
  parts.push(
    `<text x="16" y="${(top + bottom) / 2}" transform="rotate(-90 16 ${(top + bottom) / 2})" text-anchor="middle">${esc(yUnit)} (log scale)</text>`,
  );
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
