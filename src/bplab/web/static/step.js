// Step view: one online BP step on a small network, drawn as an SVG graph with every value.
import { api, fillSelect, fmt, parseNumbers, setStatus } from "./common.js";

const SVG = "http://www.w3.org/2000/svg";
const BOX_WIDTH = 112;
const PORT = 32;          // vertical distance between the edges entering one neuron
const LABEL_WIDTH = 142;  // the straight last part of an edge, which carries its two labels
const MARGIN = 24;

export function setupStep(info) {
  const form = document.getElementById("step-form");
  const status = document.getElementById("step-status");
  const defaults = info.step_defaults;
  let network = null;
  let steps = 0;

  fillSelect(form.elements.activation, info.choices.activation, defaults.activation);
  fillSelect(form.elements.output_activation, info.choices.output_activation, "");
  fillSelect(form.elements.cost, info.choices.cost, defaults.cost);
  form.elements.layers.value = defaults.layers.join(", ");
  form.elements.bias.checked = defaults.bias;
  form.elements.seed.value = defaults.seed;

  function networkSettings() {
    return {
      layers: parseNumbers(form.elements.layers.value),
      activation: form.elements.activation.value,
      output_activation: form.elements.output_activation.value || null,
      cost: form.elements.cost.value,
      bias: form.elements.bias.checked,
      seed: Number(form.elements.seed.value),
    };
  }

  async function newNetwork() {
    try {
      network = (await api("/api/step/init", networkSettings())).network;
      fitSample(network.layers);
      steps = 0;
      form.dataset.steps = "0";
      setStatus(status, `New ${network.layers.join("-")} network; press Step.`);
      render(network, null);
    } catch (error) {
      setStatus(status, error.message, true);
    }
  }

  async function step(event) {
    event.preventDefault();
    if (network === null) await newNetwork();
    if (network === null) return;
    try {
      const result = await api("/api/step", {
        network,
        x: parseNumbers(form.elements.x.value),
        y: parseNumbers(form.elements.y.value),
        learning_rate: Number(form.elements.learning_rate.value),
      });
      network = result.after;
      steps += 1;
      form.dataset.steps = String(steps);
      setStatus(status, `Step ${steps}: J = ${fmt(result.J)} before the update, ${fmt(result.J_after)} after it.`);
      render(result.before, result);
    } catch (error) {
      setStatus(status, error.message, true);
    }
  }

  // Keep x and y as they are when their lengths fit the new network, else start from 1, 0, ...
  function fitSample(layers) {
    const inputs = layers[0];
    const outputs = layers[layers.length - 1];
    if (parseNumbers(form.elements.x.value).length !== inputs) {
      form.elements.x.value = Array.from({ length: inputs }, (_, i) => (i % 2 === 0 ? 1 : 0)).join(", ");
    }
    if (parseNumbers(form.elements.y.value).length !== outputs) {
      form.elements.y.value = Array.from({ length: outputs }, (_, i) => (i === 0 ? 1 : 0)).join(", ");
    }
  }

  for (const name of ["layers", "activation", "output_activation", "cost", "bias", "seed"]) {
    form.elements[name].addEventListener("change", newNetwork);
  }
  document.getElementById("step-new").addEventListener("click", newNetwork);
  form.addEventListener("submit", step);
  newNetwork();
}

// --- SVG helpers ---------------------------------------------------------------------------

function element(name, attributes = {}, parent = null) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  if (parent) parent.append(node);
  return node;
}

// Append "base_sub^sup" to a <text> as tspans, the way the lecture writes a symbol.
function symbol(text, base, sub, sup) {
  element("tspan", {}, text).textContent = base;
  if (sub !== undefined && sub !== "") {
    element("tspan", { "baseline-shift": "sub", "font-size": "9" }, text).textContent = sub;
  }
  if (sup !== undefined && sup !== "") {
    element("tspan", { "baseline-shift": "super", "font-size": "9" }, text).textContent = sup;
  }
}

function valueLine(parent, x, y, parts, value, data, className = "value") {
  const text = element("text", { x, y, class: className }, parent);
  symbol(text, ...parts);
  element("tspan", {}, text).textContent = ` = ${fmt(value)}`;
  if (data) {
    text.dataset.symbol = data.symbol;
    text.dataset.layer = String(data.layer);
    text.dataset.index = data.index;
    text.dataset.value = String(value);
  }
  return text;
}

// --- Layout and drawing --------------------------------------------------------------------

// Box heights grow with the fan-in, so that every incoming edge has its own port and label row.
function layout(layers) {
  const L = layers.length;
  const heights = layers.map((n, k) => (k === 0 ? 44 : Math.max(62, PORT * layers[k - 1] + 6)));
  const row = Math.max(...heights) + 40;
  const tallest = Math.max(...layers);
  const height = 60 + row * tallest;
  const xs = [MARGIN + BOX_WIDTH / 2];
  for (let l = 1; l < L; l++) xs.push(xs[l - 1] + BOX_WIDTH + LABEL_WIDTH + 110);
  const width = xs[L - 1] + BOX_WIDTH / 2 + MARGIN;
  const ys = layers.map((n) => {
    const top = 40 + (row * (tallest - n)) / 2;
    return Array.from({ length: n }, (_, i) => top + row * i + row / 2);
  });
  return { width, height, xs, ys, heights };
}

function render(net, result) {
  const svg = document.getElementById("graph");
  svg.replaceChildren();
  const layers = net.layers;
  const L = layers.length;
  const { width, height, xs, ys, heights } = layout(layers);
  svg.setAttribute("width", width);
  svg.setAttribute("height", height);
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);

  for (let l = 1; l <= L; l++) {
    const title = l === 1 ? "layer 1 (input)" : l === L ? `layer L = ${L} (output)` : `layer ${l}`;
    element("text", { x: xs[l - 1], y: 20, "text-anchor": "middle", class: "layer-title" }, svg)
      .textContent = title;
  }

  // Edges first, so that neuron boxes and labels lie on top. Edge (i -> j) enters neuron j at
  // port i and runs straight for LABEL_WIDTH, where w_ji^l and dJ/dw_ji^l are written.
  const labels = element("g", {}, svg);
  for (let l = 1; l < L; l++) {
    const W = net.W[l];
    const largest = Math.max(...W.flat().map(Math.abs)) || 1;
    const x0 = xs[l - 1] + BOX_WIDTH / 2;
    const x1 = xs[l] - BOX_WIDTH / 2;
    const fanIn = layers[l - 1];
    for (let j = 0; j < layers[l]; j++) {
      for (let i = 0; i < fanIn; i++) {
        const w = W[j][i];
        const port = ys[l][j] + (i - (fanIn - 1) / 2) * PORT;
        element("polyline", {
          points: `${x0},${ys[l - 1][i]} ${x1 - LABEL_WIDTH},${port} ${x1},${port}`,
          fill: "none",
          class: `edge ${w >= 0 ? "positive" : "negative"}`,
          "stroke-width": 1 + 3 * Math.abs(w) / largest,
        }, svg);
        const index = `${j + 1}${i + 1}`;
        const lx = x1 - LABEL_WIDTH + 4;
        valueLine(labels, lx, port - 4, ["w", index, l], w, { symbol: "w", layer: l, index },
          "value edge-label");
        if (result) {
          const text = element("text", { x: lx, y: port + 12, class: "value edge-label grad" }, labels);
          text.append("∂J/∂");
          symbol(text, "w", index, l);
          element("tspan", {}, text).textContent = ` = ${fmt(result.dJ_dW[l][j][i])}`;
          Object.assign(text.dataset, {
            symbol: "dW", layer: String(l), index, value: String(result.dJ_dW[l][j][i]),
          });
        }
      }
    }
  }

  // Neurons: a box with z, a and δ (the input layer has only a^1 = x).
  for (let l = 1; l <= L; l++) {
    const boxHeight = heights[l - 1];
    for (let i = 0; i < layers[l - 1]; i++) {
      const cx = xs[l - 1];
      const cy = ys[l - 1][i];
      const group = element("g", {}, svg);
      element("rect", {
        x: cx - BOX_WIDTH / 2, y: cy - boxHeight / 2, width: BOX_WIDTH, height: boxHeight,
        rx: 10, class: "neuron",
      }, group);
      const left = cx - BOX_WIDTH / 2 + 8;
      const index = String(i + 1);
      if (!result) {
        const text = element("text", { x: cx, y: cy + 4, "text-anchor": "middle", class: "neuron-name" }, group);
        symbol(text, "a", index, l);
        if (l > 1 && net.b && net.b[l - 1]) {
          valueLine(group, left, cy + 22, ["b", index, l - 1], net.b[l - 1][i]);
        }
        continue;
      }
      if (l === 1) {
        valueLine(group, left, cy + 4, ["a", index, 1], result.a[1][i], { symbol: "a", layer: 1, index });
        continue;
      }
      valueLine(group, left, cy - 12, ["z", index, l], result.z[l][i], { symbol: "z", layer: l, index });
      valueLine(group, left, cy + 4, ["a", index, l], result.a[l][i], { symbol: "a", layer: l, index });
      valueLine(group, left, cy + 20, ["δ", index, l], result.delta[l][i],
        { symbol: "delta", layer: l, index }, "value delta");
      if (l === L) {
        valueLine(group, cx - BOX_WIDTH / 2 + 8, cy + boxHeight / 2 + 16, ["y", index, ""], result.y[i]);
      }
    }
  }
  renderTables(net, result);
}

// --- Tables with the same numbers ----------------------------------------------------------

function table(parent, captionHtml, header, rows) {
  const node = document.createElement("table");
  node.className = "values";
  node.createCaption().innerHTML = captionHtml;
  const head = node.createTHead().insertRow();
  for (const cell of header) {
    const th = document.createElement("th");
    th.innerHTML = cell;
    head.append(th);
  }
  const body = node.createTBody();
  for (const row of rows) {
    const tr = body.insertRow();
    row.forEach((cell, k) => {
      const td = document.createElement(k === 0 ? "th" : "td");
      td.innerHTML = typeof cell === "number" ? fmt(cell) : cell;
      tr.append(td);
    });
  }
  parent.append(node);
}

function renderTables(net, result) {
  const parent = document.getElementById("step-tables");
  parent.replaceChildren();
  if (!result) {
    parent.textContent = "Press Step to run the forward pass, the backward pass and the update.";
    return;
  }
  const L = net.layers.length;
  for (let l = 1; l <= L; l++) {
    const rows = result.a[l].map((a, i) => [
      `i = ${i + 1}`,
      l === 1 ? "–" : result.z[l][i],
      a,
      l === 1 ? "–" : result.delta[l][i],
    ]);
    table(parent, `Layer ${l}`, ["", "z<sub>i</sub><sup>" + l + "</sup>", "a<sub>i</sub><sup>" + l + "</sup>",
      "δ<sub>i</sub><sup>" + l + "</sup>"], rows);
  }
  const br = document.createElement("div");
  parent.append(br);
  for (let l = 1; l < L; l++) {
    const columns = net.layers[l - 1];
    const header = [""].concat(Array.from({ length: columns }, (_, i) => `i = ${i + 1}`));
    const matrix = (M) => M.map((row, j) => [`j = ${j + 1}`, ...row]);
    table(parent, `W<sup>${l}</sup> before the step`, header, matrix(net.W[l]));
    table(parent, `∂J/∂w<sub>ji</sub><sup>${l}</sup> = δ<sub>j</sub><sup>${l + 1}</sup> a<sub>i</sub><sup>${l}</sup>`,
      header, matrix(result.dJ_dW[l]));
    table(parent, `W<sup>${l}</sup> after: w − α ∂J/∂w, α = ${fmt(result.learning_rate)}`, header,
      matrix(result.after.W[l]));
    if (net.bias) {
      table(parent, `b<sup>${l}</sup>, ∂J/∂b<sup>${l}</sup>, after`, ["", "b", "∂J/∂b", "after"],
        net.b[l].map((b, j) => [`j = ${j + 1}`, b, result.dJ_db[l][j], result.after.b[l][j]]));
    }
    parent.append(document.createElement("div"));
  }
}
