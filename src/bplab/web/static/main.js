// Entry point: tab switching and the settings that the server sends once.
import { api } from "./common.js";
import { setupDraw } from "./draw.js";
import { setupTrain } from "./train.js";
import { setupStep } from "./step.js";

function showView() {
  const name = (location.hash || "#draw").slice(1);
  const view = document.getElementById(`view-${name}`) ? name : "draw";
  for (const section of document.querySelectorAll(".view")) {
    section.classList.toggle("active", section.id === `view-${view}`);
  }
  for (const link of document.querySelectorAll("nav a")) {
    link.classList.toggle("active", link.dataset.view === view);
  }
}

async function start() {
  window.addEventListener("hashchange", showView);
  showView();
  const info = await api("/api/info");
  const model = info.model;
  document.getElementById("model-info").textContent =
    `Draw network: ${model.layer_sizes.join("-")}, f = ${model.activation}, ` +
    `output f = ${model.output_activation}, J = ${model.cost} (${model.source})`;
  const draw = setupDraw(info);
  setupTrain(info, draw);
  setupStep(info);
  document.body.dataset.ready = "true";
}

start().catch((error) => {
  document.getElementById("model-info").textContent = `Could not start the page: ${error.message}`;
});
