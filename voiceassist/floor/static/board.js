// The supervisor's board: draws each state the server pushes (server-sent events) and, for
// the clicked row, that call's transcript and prompts. No libraries, nothing fetched from
// elsewhere. window.alerts keeps [call, reason, Date.now()] of every alert raised.
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
function cell(tr, text, cls) {
  const td = document.createElement("td");
  td.textContent = text;
  if (cls) td.className = cls;
  tr.appendChild(td);
  return td;
}
const ARROW = {rising: " ↑", falling: " ↓", steady: ""};

function beep() {
  if (!$("sound").checked) return;
  const ctx = new (window.AudioContext || window.webkitAudioContext)();
  const osc = ctx.createOscillator(), gain = ctx.createGain();
  osc.frequency.value = 880; gain.gain.value = 0.1;
  osc.connect(gain).connect(ctx.destination);
  osc.start(); osc.stop(ctx.currentTime + 0.25);
}

function drawRows(calls) {
  const rows = $("rows");
  rows.textContent = "";
  const fresh = [];
  for (const c of calls) {
    const tr = document.createElement("tr");
    tr.dataset.call = c.call;
    if (c.alert) tr.classList.add("alert");
    if (c.alert && !alerted.has(c.call)) { alerted.add(c.call); fresh.push(c); tr.classList.add("flash"); }
    if (!c.alert) alerted.delete(c.call);
    if (c.call === selected) tr.classList.add("selected");
    const who = cell(tr, c.agent, "agent");
    if (c.alert) {
      const why = document.createElement("span");
      why.className = "alert-reason"; why.textContent = c.alert;
      who.appendChild(why);
    }
    cell(tr, clock(c.duration), "duration");
    cell(tr, c.language || "", "language");
    cell(tr, (c.topic || "").replace(/_/g, " "), "topic");
    const ag = cell(tr, c.agitation === null ? "--" : c.agitation.toFixed(2) + ARROW[c.trend], "agitation");
    if (c.agitation !== null && c.alert && c.alert.startsWith("agitation")) ag.classList.add("high");
    const p = cell(tr, "", "prompt");
    if (c.prompt) {
      const span = document.createElement("span");
      span.textContent = c.prompt.text;
      span.title = c.prompt.kind;
      span.dataset.kind = c.prompt.kind;
      if (c.prompt.urgent) span.className = "urgent";
      p.appendChild(span);
    }
    for (const k of ["lower_voice", "slow_down", "let_them_finish", "no_blame"]) cell(tr, String(c.counts[k]), "count " + k);
    tr.addEventListener("click", () => { selected = c.call; drawDetail(); });
    rows.appendChild(tr);
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
