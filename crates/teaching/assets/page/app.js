// The teaching page: each button asks the workbench to act on the running servers, then
// lights up the hops the answer lists, each for a time that grows with what it took.
const $ = (selector) => document.querySelector(selector);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
let myToken = "";

async function refreshState() {
  const state = await (await fetch("/state")).json();
  $("#lifetime").textContent = state.lifetime_secs;
  $("#redis-state").textContent = state.redis_cut ? "cut off" : "up";
  document.querySelector(".redis-node").classList.toggle("down", state.redis_cut);
}

function statusClass(code) {
  if (code >= 200 && code < 300) return "ok";
  if (code >= 400 && code < 500) return "refused";
  return "failed";
}

async function animate(flow, hops) {
  for (const hop of hops) {
    const id = `${flow}-${hop.from}-${hop.to}`;
    const path = document.getElementById(id);
    const label = document.getElementById(`${id}-t`);
    if (label) label.textContent = hop.ms > 0 ? `${hop.ms.toFixed(2)} ms` : "";
    if (!path) continue;
    path.classList.add("active");
    await sleep(Math.min(1500, 350 + hop.ms * 60));
    path.classList.remove("active");
  }
}

function log(flow, action, outcome) {
  const item = document.createElement("li");
  const hops = (outcome.hops || [])
    .map((h) => `${h.from} → ${h.to}: ${h.what}${h.status ? " " + h.status : ""}${h.ms > 0 ? ` (${h.ms.toFixed(2)} ms)` : ""}`)
    .join("<br>");
  item.innerHTML = `<strong>${flow} · ${action}</strong> → ${outcome.status ?? "error"} ${outcome.note ?? outcome.error ?? ""}` +
    (hops ? `<div class="hops">${hops}</div>` : "");
  $("#log").prepend(item);
}

async function act(button) {
  const { action, flow } = button.dataset;
  document.querySelectorAll("button").forEach((b) => (b.disabled = true));
  const code = $(`#${flow}-status`);
  if (action === "expire") $(`#${flow}-note`).textContent = "waiting for the credential to expire…";
  try {
    const response = await fetch(`/act/${action}?flow=${flow}`, { method: "POST" });
    const outcome = await response.json();
    if (outcome.error) {
      code.textContent = response.status;
      code.className = "code failed";
      $(`#${flow}-note`).textContent = outcome.error;
    } else {
      if (flow === "jwt" && action === "login" && outcome.body && outcome.body.access_token) {
        myToken = outcome.body.access_token;
      }
      await animate(flow, outcome.hops);
      if (!action.startsWith("redis")) {
        code.textContent = outcome.status;
        code.className = `code ${statusClass(outcome.status)}`;
        $(`#${flow}-note`).textContent = outcome.note;
      }
    }
    log(flow, action, outcome);
  } finally {
    document.querySelectorAll("button").forEach((b) => (b.disabled = false));
    await refreshState();
  }
}

document.querySelectorAll("button[data-action]").forEach((button) =>
  button.addEventListener("click", () => act(button)));

$("#use-token").addEventListener("click", () => { $("#token").value = myToken; });
$("#inspect").addEventListener("click", async () => {
  const response = await fetch("/inspect", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ token: $("#token").value }),
  });
  const result = await response.json();
  $("#inspection").textContent =
    `header:  ${JSON.stringify(result.header)}\npayload: ${JSON.stringify(result.payload, null, 2)}\n` +
    `checked by the JWT API server: ${result.status} ${result.verdict}`;
});

refreshState();
