// A small line chart on a <canvas>: epochs on x, one line per series, optional log scale on y.
export const COLORS = ["#1f6feb", "#d9480f", "#2b8a3e", "#9c36b5", "#e67700", "#0b7285"];

// series: [{name, values: [number|null per epoch]}]; options: {logY, yMin, yMax, xMax}
export function drawLineChart(canvas, series, options = {}) {
  const context = canvas.getContext("2d");
  const width = canvas.width;
  const height = canvas.height;
  const left = 64, right = 12, top = 26, bottom = 30;
  context.clearRect(0, 0, width, height);
  context.font = "12px system-ui, sans-serif";

  const transform = options.logY ? (v) => Math.log10(v) : (v) => v;
  const usable = (v) => v !== null && v !== undefined && Number.isFinite(v) && (!options.logY || v > 0);
  const all = series.flatMap((s) => s.values.filter(usable).map(transform));
  const epochs = Math.max(1, options.xMax || 0, ...series.map((s) => s.values.length));
  let low = options.yMin !== undefined ? transform(options.yMin) : Math.min(...all);
  let high = options.yMax !== undefined ? transform(options.yMax) : Math.max(...all);
  if (all.length === 0) { low = 0; high = 1; }
  if (high - low < 1e-12) { low -= 0.5; high += 0.5; }

  const x = (epoch) => left + (epochs === 1 ? 0.5 : (epoch - 1) / (epochs - 1)) * (width - left - right);
  const y = (v) => top + (1 - (transform(v) - low) / (high - low)) * (height - top - bottom);

  // Axes, y grid lines and labels.
  context.strokeStyle = "#d5dae0";
  context.fillStyle = "#5d6773";
  context.textAlign = "right";
  context.textBaseline = "middle";
  for (let k = 0; k <= 4; k++) {
    const level = low + (k / 4) * (high - low);
    const value = options.logY ? 10 ** level : level;
    const py = y(value);
    context.beginPath();
    context.moveTo(left, py);
    context.lineTo(width - right, py);
    context.stroke();
    context.fillText(tick(value), left - 6, py);
  }
  context.textAlign = "center";
  context.textBaseline = "top";
  const step = Math.max(1, Math.ceil(epochs / 10));
  for (let epoch = 1; epoch <= epochs; epoch += step) {
    context.fillText(String(epoch), x(epoch), height - bottom + 6);
  }
  context.fillText("epoch", width - right - 20, height - 14);

  // Lines with a dot per epoch.
  series.forEach((s, k) => {
    context.strokeStyle = COLORS[k % COLORS.length];
    context.fillStyle = COLORS[k % COLORS.length];
    context.lineWidth = 2;
    context.beginPath();
    let drawing = false;
    s.values.forEach((v, index) => {
      if (!usable(v)) { drawing = false; return; }
      const px = x(index + 1), py = y(v);
      if (drawing) context.lineTo(px, py); else context.moveTo(px, py);
      drawing = true;
    });
    context.stroke();
    s.values.forEach((v, index) => {
      if (!usable(v)) return;
      context.beginPath();
      context.arc(x(index + 1), y(v), 2.5, 0, 2 * Math.PI);
      context.fill();
    });
    context.lineWidth = 1;
  });

  // Legend along the top.
  context.textAlign = "left";
  context.textBaseline = "middle";
  let lx = left;
  series.forEach((s, k) => {
    context.fillStyle = COLORS[k % COLORS.length];
    context.fillRect(lx, 8, 12, 4);
    context.fillStyle = "#1d232b";
    context.fillText(s.name, lx + 16, 10);
    lx += 24 + context.measureText(s.name).width;
  });
}

// Three significant digits are enough for an axis label.
function tick(value) {
  if (value === 0) return "0";
  const magnitude = Math.abs(value);
  if (magnitude >= 1e-3 && magnitude < 1e5) return String(Number(value.toPrecision(3)));
  return value.toExponential(1);
}
