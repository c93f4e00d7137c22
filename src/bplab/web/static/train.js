// Train view: start and stop a run, poll its epochs and draw J, accuracy, mean |δ^l| and W^1.
import { api, fillSelect, fmt, parseNumbers, setStatus } from "./common.js";
import { drawLineChart } from "./chart.js";

const POLL_MS = 400;
const SUPERSCRIPT = "⁰¹²³⁴⁵⁶⁷⁸⁹";

export function superscript(number) {
  return String(number).split("").map((digit) => SUPERSCRIPT[Number(digit)]).join("");
}

export function setupTrain(info, draw) {
  const form = document.getElementById("train-form");
  const status = document.getElementById("train-status");
  const startButton = document.getElementById("train-start");
  const stopButton = document.getElementById("train-stop");
  const download = document.getElementById("train-download");
  const useButton = document.getElementById("train-use");
  const weights = document.getElementById("weights");
  const defaults = info.train_defaults;
  let history = [];
  let run = null;
  let timer = null;

  for (const name of ["activation", "output_activation", "cost", "algorithm"]) {
    fillSelect(form.elements[name], info.choices[name], defaults[name]);
  }
  form.elements.hidden.value = defaults.hidden.join(", ");
  for (const name of ["batch_size", "learning_rate", "epochs", "samples", "seed"]) {
    form.elements[name].value = defaults[name];
  }
  form.elements.samples.max = defaults.samples;
  const syncBatchSize = () => {
    form.elements.batch_size.disabled = form.elements.algorithm.value !== "minibatch";
  };
  form.elements.algorithm.addEventListener("change", syncBatchSize);
  syncBatchSize();

  function settings() {
    const values = {
      hidden: parseNumbers(form.elements.hidden.value),
      activation: form.elements.activation.value,
      output_activation: form.elements.output_activation.value,
      cost: form.elements.cost.value,
      algorithm: form.elements.algorithm.value,
      learning_rate: Number(form.elements.learning_rate.value),
      epochs: Number(form.elements.epochs.value),
      samples: Number(form.elements.samples.value),
      seed: Number(form.elements.seed.value),
    };
    if (values.algorithm === "minibatch") values.batch_size = Number(form.elements.batch_size.value);
    return values;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const answer = await api("/api/train/start", settings());
      run = answer.run;
      history = [];
      redraw();
      weights.hidden = true;
      setStatus(status, `Run ${run}: starting…`);
      poll();
    } catch (error) {
      setStatus(status, error.message, true);
    }
  });

  stopButton.addEventListener("click", async () => {
    try {
      await api("/api/train/stop", {});
      setStatus(status, `Run ${run}: stopping after this epoch…`);
    } catch (error) {
      setStatus(status, error.message, true);
    }
  });

  useButton.addEventListener("click", () => {
    draw.enableTrained(true);
    location.hash = "#draw";
  });

  async function poll() {
    clearTimeout(timer);
    let answer;
    try {
      answer = await api(`/api/train/status?since=${history.length}`);
    } catch (error) {
      setStatus(status, error.message, true);
      timer = setTimeout(poll, 2 * POLL_MS);
      return;
    }
    if (answer.run !== run) {
      run = answer.run;
      history = [];
    }
    if (answer.history.length > 0) {
      history.push(...answer.history);
      redraw();
      weights.src = `/api/train/weights.png?run=${run}&epoch=${history.length}`;
      weights.hidden = false;
    }
    showState(answer);
    if (answer.state === "running" || answer.state === "stopping") {
      timer = setTimeout(poll, POLL_MS);
    }
  }

  function showState(answer) {
    const active = answer.state === "running" || answer.state === "stopping";
    startButton.disabled = active;
    stopButton.disabled = answer.state !== "running";
    useButton.disabled = !answer.has_network;
    download.classList.toggle("disabled", !answer.has_network);
    if (answer.has_network) draw.enableTrained(false);
    form.dataset.state = answer.state;
    form.dataset.epochs = String(history.length);
    if (answer.run === 0) return;
    const total = answer.settings ? answer.settings.epochs : "?";
    const last = history[history.length - 1];
    let text = `Run ${answer.run}: ${answer.state}, epoch ${history.length}/${total}`;
    if (last) {
      text += `, J = ${fmt(last.J)}, training accuracy ${(100 * last.train_accuracy).toFixed(1)} %`;
      if (last.val_accuracy !== null) text += `, validation ${(100 * last.val_accuracy).toFixed(1)} %`;
    }
    if (answer.state === "failed") text += `: ${answer.error}`;
    setStatus(status, text, answer.state === "failed");
  }

  function redraw() {
    const column = (key) => history.map((record) => record[key]);
    const percent = (key) => history.map((record) => (record[key] === null ? null : 100 * record[key]));
    const epochs = run !== null && history.length > 0 ? Math.max(history.length, 2) : 2;
    drawLineChart(document.getElementById("chart-cost"), [
      { name: "J (training)", values: column("J") },
      { name: "J (validation)", values: column("val_J") },
    ], { xMax: epochs });
    drawLineChart(document.getElementById("chart-accuracy"), [
      { name: "training %", values: percent("train_accuracy") },
      { name: "validation %", values: percent("val_accuracy") },
    ], { xMax: epochs, yMax: 100 });
    const layers = history.length > 0 ? history[0].mean_abs_delta.length : 0;
    const deltas = [];
    for (let k = 0; k < layers; k++) {
      deltas.push({
        name: `mean |δ${superscript(k + 2)}|`,
        values: history.map((record) => record.mean_abs_delta[k]),
      });
    }
    drawLineChart(document.getElementById("chart-delta"), deltas, { xMax: epochs, logY: true });
  }

  redraw();
  poll();
}
