// Draw view: a pointer-event drawing pad whose strokes go to /api/predict.
import { api, fmt } from "./common.js";

const STROKE_WIDTH = 18;

export function setupDraw(info) {
  const pad = document.getElementById("pad");
  const context = pad.getContext("2d");
  const modelSelect = document.getElementById("draw-model");
  let drawing = false;
  let hasInk = false;
  let busy = false;
  let again = false;
  let predictions = 0;

  function clearPad() {
    context.fillStyle = "#000";
    context.fillRect(0, 0, pad.width, pad.height);
    hasInk = false;
    showEmpty();
  }

  function position(event) {
    const box = pad.getBoundingClientRect();
    return [
      (event.clientX - box.left) * (pad.width / box.width),
      (event.clientY - box.top) * (pad.height / box.height),
    ];
  }

  pad.addEventListener("pointerdown", (event) => {
    drawing = true;
    hasInk = true;
    pad.setPointerCapture(event.pointerId);
    const [x, y] = position(event);
    context.strokeStyle = "#fff";
    context.lineWidth = STROKE_WIDTH;
    context.lineCap = "round";
    context.lineJoin = "round";
    context.beginPath();
    context.moveTo(x, y);
    context.lineTo(x + 0.01, y);
    context.stroke();
  });

  pad.addEventListener("pointermove", (event) => {
    if (!drawing) return;
    const [x, y] = position(event);
    context.lineTo(x, y);
    context.stroke();
  });

  function endStroke() {
    if (!drawing) return;
    drawing = false;
    send();
  }
  pad.addEventListener("pointerup", endStroke);
  pad.addEventListener("pointercancel", endStroke);

  // At most one request in flight; strokes that end meanwhile are sent once it returns.
  async function send() {
    if (!hasInk) return;
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    try {
      const result = await api("/api/predict", {
        image: pad.toDataURL("image/png"),
        model: modelSelect.value,
      });
      if (hasInk) showResult(result);
    } catch (error) {
      document.getElementById("prob-sum").textContent = `Error: ${error.message}`;
    } finally {
      busy = false;
      predictions += 1;
      document.body.dataset.predictions = String(predictions);
    }
    if (again) {
      again = false;
      send();
    }
  }

  document.getElementById("clear").addEventListener("click", clearPad);
  modelSelect.addEventListener("change", send);
  clearPad();

  return {
    // Offer the latest training run's network; with select = true, also switch to it.
    enableTrained(select) {
      const option = modelSelect.querySelector('option[value="trained"]');
      option.disabled = false;
      if (select) {
        modelSelect.value = "trained";
        send();
      }
    },
  };
}

function showEmpty() {
  const seen = document.getElementById("seen").getContext("2d");
  seen.fillStyle = "#000";
  seen.fillRect(0, 0, 168, 168);
  document.getElementById("prediction").textContent = "–";
  document.getElementById("prob-sum").textContent = "";
  renderBars(new Array(10).fill(null), null, [...Array(10).keys()]);
  const hidden = document.getElementById("hidden");
  hidden.getContext("2d").clearRect(0, 0, hidden.width, hidden.height);
}

function showResult(result) {
  renderSeen(result.input);
  document.getElementById("prediction").textContent = String(result.prediction);
  const index = result.classes.indexOf(result.prediction);
  renderBars(result.probabilities, index, result.classes);
  const total = result.probabilities.reduce((sum, p) => sum + p, 0);
  document.getElementById("prob-sum").textContent =
    `Σ probabilities = ${total.toFixed(6)} · network ${result.model.layer_sizes.join("-")}`;
  document.getElementById("prob-sum").dataset.sum = String(total);
  if (result.hidden.length > 0) {
    const layer = result.hidden[0];
    document.getElementById("hidden-title").innerHTML =
      `a<sup>${layer.layer}</sup>: hidden layer activations (n<sub>${layer.layer}</sub> = ${layer.a.length})`;
    renderHidden(layer.a);
  }
}

function renderSeen(pixels) {
  const image = new ImageData(28, 28);
  for (let k = 0; k < 784; k++) {
    image.data.set([pixels[k], pixels[k], pixels[k], 255], 4 * k);
  }
  const small = document.createElement("canvas");
  small.width = 28;
  small.height = 28;
  small.getContext("2d").putImageData(image, 0, 0);
  const seen = document.getElementById("seen").getContext("2d");
  seen.imageSmoothingEnabled = false;
  seen.drawImage(small, 0, 0, 168, 168);
}

function renderBars(probabilities, top, classes) {
  const bars = document.getElementById("bars");
  bars.replaceChildren();
  probabilities.forEach((p, k) => {
    const label = document.createElement("span");
    label.className = "bar-label";
    label.textContent = String(classes[k]);
    const track = document.createElement("span");
    track.className = "bar-track";
    const fill = document.createElement("span");
    fill.className = k === top ? "bar-fill top" : "bar-fill";
    fill.style.display = "block";
    fill.style.width = `${100 * (p || 0)}%`;
    track.append(fill);
    const value = document.createElement("span");
    value.className = "bar-value";
    value.textContent = p === null ? "" : `${(100 * p).toFixed(1)} %`;
    value.dataset.probability = p === null ? "" : String(p);
    bars.append(label, track, value);
  });
}

// One square per hidden neuron: grey for a >= 0 (white = largest |a|), blue for a < 0.
function renderHidden(values) {
  const canvas = document.getElementById("hidden");
  const context = canvas.getContext("2d");
  const size = 18;
  const columns = Math.min(values.length, Math.floor(canvas.width / size));
  const rows = Math.ceil(values.length / columns);
  canvas.height = rows * size;
  const scale = Math.max(...values.map(Math.abs)) || 1;
  values.forEach((value, k) => {
    const level = Math.round(255 * Math.abs(value) / scale);
    context.fillStyle = value >= 0 ? `rgb(${level},${level},${level})` : `rgb(0,${level >> 1},${level})`;
    context.fillRect((k % columns) * size, Math.floor(k / columns) * size, size - 2, size - 2);
  });
  canvas.title = `max |a| = ${fmt(scale)}`;
}
