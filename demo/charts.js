// Two small SVG charts drawn by hand (no chart library): a live line plot of loss and accuracy
// against the training step, and a grouped bar chart for the benchmark.
const NS = 'http://www.w3.org/2000/svg';

function el(name, attrs = {}, text) {
  const node = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text != null) node.textContent = text;
  return node;
}

const niceMax = v => {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  return [1, 2, 2.5, 5, 10].map(m => m * p).find(m => m >= v);
};

/**
 * Loss (left axis) and accuracy (right axis, 0..1) per training step, plus the test accuracy
 * after each epoch as dots. `points`: [{step, loss, accuracy}], `epochs`: [{step, testAccuracy}].
 */
export function drawTrainingPlot(svg, points, epochs, totalSteps) {
  const W = +svg.getAttribute('width'),
    H = +svg.getAttribute('height');
  const m = {left: 50, right: 50, top: 24, bottom: 36};
  const w = W - m.left - m.right,
    h = H - m.top - m.bottom;
  svg.replaceChildren();
  const maxLoss = niceMax(Math.max(...points.map(p => p.loss), 0.1));
  const steps = Math.max(totalSteps, 1);
  const x = s => m.left + (s / steps) * w;
  const yLoss = v => m.top + h - Math.min(v / maxLoss, 1) * h;
  const yAcc = v => m.top + h - v * h;
  svg.append(el('rect', {x: m.left, y: m.top, width: w, height: h, fill: '#fafafa', stroke: '#ccc'}));
  for (let i = 0; i <= 4; i++) {
    const y = m.top + h - (i / 4) * h;
    svg.append(el('line', {x1: m.left, x2: m.left + w, y1: y, y2: y, stroke: '#eee'}));
    svg.append(
      el(
        'text',
        {x: m.left - 6, y: y + 4, 'text-anchor': 'end', 'font-size': 11, fill: '#c0392b'},
        +((maxLoss * i) / 4).toFixed(3),
      ),
    );
    svg.append(el('text', {x: m.left + w + 6, y: y + 4, 'font-size': 11, fill: '#2471a3'}, (i / 4).toFixed(2)));
  }
  svg.append(
    el(
      'text',
      {x: m.left + w / 2, y: H - 8, 'text-anchor': 'middle', 'font-size': 12},
      `training step (batch) — ${points.length} of ${totalSteps}`,
    ),
  );
  svg.append(el('text', {x: m.left, y: 15, 'font-size': 12, fill: '#c0392b'}, 'loss'));
  svg.append(
    el(
      'text',
      {x: m.left + w, y: 15, 'text-anchor': 'end', 'font-size': 12, fill: '#2471a3'},
      'accuracy (line: batch, dots: test set)',
    ),
  );
  const line = (cls, color, y, key) =>
    svg.append(
      el('polyline', {
        class: cls,
        fill: 'none',
        stroke: color,
        'stroke-width': 1.5,
        points: points.map(p => `${x(p.step).toFixed(1)},${y(p[key]).toFixed(1)}`).join(' '),
      }),
    );
  line('loss', '#c0392b', yLoss, 'loss');
  line('accuracy', '#2471a3', yAcc, 'accuracy');
  for (const e of epochs) {
    svg.append(el('circle', {class: 'test-accuracy', cx: x(e.step), cy: yAcc(e.testAccuracy), r: 4, fill: '#2471a3'}));
    svg.append(
      el(
        'text',
        {x: x(e.step) - 6, y: yAcc(e.testAccuracy) + 16, 'text-anchor': 'end', 'font-size': 11, fill: '#2471a3'},
        `test ${e.testAccuracy.toFixed(3)}`,
      ),
    );
  }
}

/**
 * Grouped bars: one group per operation, one bar per configuration; `value` is GFLOP/s.
 * `rows`: [{group, label, value, note}].
 */
export function drawBarChart(svg, rows, colors) {
  const W = +svg.getAttribute('width'),
    H = +svg.getAttribute('height');
  const m = {left: 50, right: 10, top: 20, bottom: 70};
  const w = W - m.left - m.right,
    h = H - m.top - m.bottom;
  svg.replaceChildren();
  const groups = [...new Set(rows.map(r => r.group))];
  const labels = [...new Set(rows.map(r => r.label))];
  const max = niceMax(Math.max(...rows.map(r => r.value)));
  const groupWidth = w / groups.length;
  const barWidth = Math.min(48, (groupWidth * 0.8) / labels.length);
  for (let i = 0; i <= 4; i++) {
    const y = m.top + h - (i / 4) * h;
    svg.append(el('line', {x1: m.left, x2: m.left + w, y1: y, y2: y, stroke: '#eee'}));
    svg.append(
      el('text', {x: m.left - 6, y: y + 4, 'text-anchor': 'end', 'font-size': 11}, +((max * i) / 4).toFixed(1)),
    );
  }
  svg.append(
    el(
      'text',
      {x: 12, y: m.top + h / 2, transform: `rotate(-90 12 ${m.top + h / 2})`, 'text-anchor': 'middle', 'font-size': 12},
      'GFLOP/s (higher is better)',
    ),
  );
  groups.forEach((group, g) => {
    const x0 = m.left + g * groupWidth + (groupWidth - barWidth * labels.length) / 2;
    labels.forEach((label, l) => {
      const row = rows.find(r => r.group === group && r.label === label);
      if (!row) return;
      const bh = (row.value / max) * h;
      const x = x0 + l * barWidth;
      svg.append(
        el('rect', {
          class: 'bar',
          x: x + 2,
          y: m.top + h - bh,
          width: barWidth - 4,
          height: bh,
          fill: colors[l % colors.length],
          'data-label': label,
          'data-value': row.value.toFixed(2),
        }),
      );
      svg.append(
        el(
          'text',
          {x: x + barWidth / 2, y: m.top + h - bh - 4, 'text-anchor': 'middle', 'font-size': 10},
          row.value.toFixed(1),
        ),
      );
    });
    svg.append(
      el(
        'text',
        {x: m.left + g * groupWidth + groupWidth / 2, y: m.top + h + 16, 'text-anchor': 'middle', 'font-size': 12},
        group,
      ),
    );
  });
  labels.forEach((label, l) => {
    const x = m.left + l * 170;
    svg.append(el('rect', {x, y: H - 24, width: 12, height: 12, fill: colors[l % colors.length]}));
    svg.append(el('text', {x: x + 16, y: H - 14, 'font-size': 12}, label));
  });
}
