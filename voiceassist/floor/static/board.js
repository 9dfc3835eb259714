// The supervisor's board: draws each state the server pushes (server-sent events) and, for
// the clicked row, that call's transcript and prompts. No libraries, nothing fetched from
// elsewhere. window.alerts keeps [call, reason, Date.now()] of every alert raised, window.beeps
// counts the tones played.
"use strict";
const token = new URLSearchParams(location.search).get("token") || "";
const $ = (id) => document.getElementById(id);
const q = "token=" + encodeURIComponent(token);
window.alerts = [];
let selected = null;
const alerted = new Set();

function clock(s) {
  const m = Math.floor(s / 60), r = Math.floor(s - m * 60);
  return String(m).padStart(2, "0") + ":" + String(r).padStart(2, "0");
}
// A row is made once per call and updated in place (cells' text, its place in the order), so
// a click on it is not lost to a redraw replacing it between the press and the release.
const made = new Map();
function row(call) {
  let tr = made.get(call);
  if (!tr) {
    tr = document.createElement("tr");
    tr.dataset.call = call;
    for (const cls of ["agent", "duration", "language", "topic", "agitation", "prompt",
                       "count lower_voice", "count slow_down", "count let_them_finish", "count no_blame"]) {
      const td = document.createElement("td");
      td.className = cls;
      tr.appendChild(td);
    }
    tr.addEventListener("click", () => { selected = call; drawDetail(); });
    made.set(call, tr);
  }
  return tr;
}
function put(td, text) {
  if (td.textContent !== text) td.textContent = text;
}
const ARROW = {rising: " ↑", falling: " ↓", steady: ""};

function beep() {
  if (!$("sound").checked) return;
  try {  // a page without sound (no device, autoplay refused) still draws
    const ctx = beep.ctx || (beep.ctx = new (window.AudioContext || window.webkitAudioContext)());
    const osc = ctx.createOscillator(), gain = ctx.createGain();
    osc.frequency.value = 880; gain.gain.value = 0.1;
    osc.connect(gain).connect(ctx.destination);
    osc.start(); osc.stop(ctx.currentTime + 0.25);
    window.beeps += 1;
  } catch (e) {
    console.warn("no sound for the alert:", e);
  }
}
window.beeps = 0;

function drawRows(calls) {
  const rows = $("rows");
  const fresh = [];
  const live = new Set(calls.map((c) => c.call));
  for (const [call, tr] of made) if (!live.has(call)) { tr.remove(); made.delete(call); alerted.delete(call); }
  for (const [i, c] of calls.entries()) {
    const tr = row(c.call);
    const td = tr.children;
    tr.classList.toggle("alert", Boolean(c.alert));
    tr.classList.toggle("selected", c.call === selected);
    if (c.alert && !alerted.has(c.call)) {
      alerted.add(c.call); fresh.push(c);
      tr.classList.remove("flash"); void tr.offsetWidth; tr.classList.add("flash");  // restarts the animation
    }
    if (!c.alert) alerted.delete(c.call);
    const who = c.agent + (c.alert ? "\n" + c.alert : "");
    if (td[0].dataset.shown !== who) {
      td[0].dataset.shown = who;
      td[0].textContent = c.agent;
      if (c.alert) {
        const why = document.createElement("span");
        why.className = "alert-reason"; why.textContent = c.alert;
        td[0].appendChild(why);
      }
    }
    put(td[1], clock(c.duration));
    put(td[2], c.language || "");
    put(td[3], (c.topic || "").replace(/_/g, " "));
    put(td[4], c.agitation === null ? "--" : c.agitation.toFixed(2) + ARROW[c.trend]);
    td[4].classList.toggle("high", c.agitation !== null && Boolean(c.alert) && c.alert.startsWith("agitation"));
    const prompt = c.prompt ? c.prompt.id + (c.prompt.urgent ? "!" : "") : "";
    if (td[5].dataset.shown !== prompt) {
      td[5].dataset.shown = prompt;
      td[5].textContent = "";
      if (c.prompt) {
        const span = document.createElement("span");
        span.textContent = c.prompt.text;
        span.title = c.prompt.kind;
        span.dataset.kind = c.prompt.kind;
        if (c.prompt.urgent) span.className = "urgent";
        td[5].appendChild(span);
      }
    }
    ["lower_voice", "slow_down", "let_them_finish", "no_blame"].forEach((k, i) => put(td[6 + i], String(c.counts[k])));
    if (rows.children[i] !== tr) rows.insertBefore(tr, rows.children[i] || null);
  }
  $("empty").hidden = calls.length > 0;
  $("count").textContent = calls.length + " live call" + (calls.length === 1 ? "" : "s");
  if (fresh.length) {
    for (const c of fresh) window.alerts.push([c.call, c.alert, Date.now()]);
    const banner = $("alert-banner");
    banner.textContent = fresh.map((c) => c.agent + ": " + c.alert).join(" · ");
    banner.hidden = false;
    clearTimeout(drawRows.timer);
    drawRows.timer = setTimeout(() => { banner.hidden = true; }, 8000);
    beep();
  }
}

function drawLists(state) {
  const promises = $("promise-list");
  promises.textContent = "";
  for (const p of state.promises) {
    const li = document.createElement("li");
    li.textContent = (p.overdue ? "OVERDUE " : "") + p.due.replace("T", " ").slice(0, 16) + " — " + p.agent + ": " + p.text;
    if (p.overdue) li.className = "overdue";
    promises.appendChild(li);
  }
  const ended = $("ended-list");
  ended.textContent = "";
  for (const e of state.ended) {
    const li = document.createElement("li");
    const prompts = Object.entries((e.summary || {}).prompts || {}).map(([k, n]) => k + " " + n).join(", ");
    const topics = ((e.summary || {}).topics || []).join(", ").replace(/_/g, " ");
    li.textContent = e.agent + " — " + clock(e.duration) + (topics ? " — " + topics : "") + (prompts ? " — " + prompts : "");
    ended.appendChild(li);
  }
}

async function drawDetail() {
  if (selected === null) return;
  const answer = await fetch("/api/call?" + q + "&call=" + encodeURIComponent(selected));
  if (!answer.ok) { $("detail").hidden = true; selected = null; return; }
  const d = await answer.json();
  $("detail").hidden = false;
  $("detail-title").textContent = d.agent + " — " + (d.language || "");
  const prompt = $("detail-prompt");
  prompt.textContent = d.prompt ? d.prompt.text : "no prompt";
  prompt.className = d.prompt ? (d.prompt.urgent ? "urgent" : "advice") : "";
  const transcript = $("detail-transcript");
  transcript.textContent = "";
  const line = (speaker, text, cls) => {
    const p = document.createElement("p");
    p.textContent = speaker + ": " + text;
    p.className = cls;
    transcript.appendChild(p);
  };
  for (const l of d.transcript) line(l.speaker, l.text, l.speaker);
  for (const [speaker, text] of Object.entries(d.partial)) line(speaker, text, speaker + " partial");
  transcript.scrollTop = transcript.scrollHeight;
  const list = $("detail-prompts");
  list.textContent = "";
  for (const p of d.prompts) {
    const li = document.createElement("li");
    li.textContent = clock(p.t) + " " + p.text + " (" + p.kind + ")";
    list.appendChild(li);
  }
}
setInterval(drawDetail, 500);

const source = new EventSource("/events?" + q);
source.onopen = () => { $("status").textContent = "live"; };
source.onerror = () => { $("status").textContent = "reconnecting…"; };
source.onmessage = (m) => {
  const state = JSON.parse(m.data);
  drawRows(state.calls);
  drawLists(state);
};
