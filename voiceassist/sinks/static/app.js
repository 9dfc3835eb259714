// The agent's view: draws each snapshot the server pushes (server-sent events). No libraries,
// nothing fetched from elsewhere. window.drawn keeps [version, Date.now()] of the latest 10 000 redraws for the
// latency benchmark.
"use strict";
const token = new URLSearchParams(location.search).get("token") || "";
const $ = (id) => document.getElementById(id);
window.drawn = [];

function clock(s) {
  const m = Math.floor(s / 60), r = (s - m * 60).toFixed(1);
  return String(m).padStart(2, "0") + ":" + r.padStart(4, "0");
}
function num(v, digits, sign) {
  if (v === null || v === undefined) return "--";
  return (sign && v >= 0 ? "+" : "") + Number(v).toFixed(digits);
}
function act(action, line) {
  fetch("/action?token=" + encodeURIComponent(token), {
    method: "POST", headers: {"Content-Type": "application/json"},
    body: JSON.stringify({action: action, line: line}),
  });
}

// Lists are rebuilt only when their content changes, so a click on a line is not lost to a
// meter update redrawing it.
const last = {};
function changed(key, value) {
  const json = JSON.stringify(value);
  if (last[key] === json) return false;
  last[key] = json;
  return true;
}

function draw(s) {
  const dir = s.rtl ? "rtl" : "ltr";
  document.documentElement.lang = s.language;
  $("clock").textContent = clock(s.t);
  $("status").textContent = s.ended ? "call ended" : "live";
  $("notice").textContent = s.notice || "";
  $("notice").hidden = !s.notice;
  const p = s.prompt, box = $("prompt");
  box.className = p ? p.urgency : "none";
  for (const id of ["prompt-text", "suggestions", "reason", "transcript", "promise-list", "earlier-list"]) $(id).dir = dir;
  $("prompt-text").textContent = p ? p.text : (s.ended ? "call ended" : "no prompt — you're doing fine");
  $("reason").textContent = p ? p.reason : "";
  $("prompt-actions").hidden = !p;
  $("waiting").textContent = s.waiting ? "+" + s.waiting + " more" : "";
  if (changed("suggestions", p && [p.id, p.suggestions, p.used])) $("suggestions").replaceChildren(...(p ? p.suggestions : []).map((line, i) => {
    const li = document.createElement("li");
    li.textContent = "“" + line + "”";
    if (p.used.includes(i)) li.className = "used";
    li.title = "click: mark this line used";
    li.onclick = () => act("used", i);
    return li;
  }));
  const a = s.agent, c = s.caller;
  $("loud").value = a.over_db ?? -6; $("loud").high = a.limit_db;
  $("loud-value").textContent = num(a.over_db, 1, true) + " dB";
  $("rate").value = a.rate_sps ?? 2; $("rate").high = a.target_sps;
  $("rate-value").textContent = num(a.rate_sps, 1) + " / " + a.target_sps.toFixed(1);
  if (c.from === "loudness") {
    $("agitation").value = c.agitation ?? -6;
    $("agitation-value").textContent = num(c.agitation, 1, true) + " dB";
  } else {
    $("agitation").min = 0; $("agitation").max = 1; $("agitation").high = 0.5;
    $("agitation").value = typeof c.agitation === "number" ? c.agitation : 0;
    $("agitation-value").textContent = typeof c.agitation === "number" ? c.agitation.toFixed(2) : String(c.agitation);
  }
  if (s.talk) {
    for (const k of ["agent", "caller", "silence"]) $("talk-" + k).style.width = s.talk[k] + "%";
    $("talk-value").textContent = s.talk.agent + "% · " + s.talk.caller + "%";
    $("talk-bar").title = "you " + s.talk.agent + "%, caller " + s.talk.caller + "%, silence " + s.talk.silence + "% of the call so far";
  }
  if (changed("transcript", s.transcript)) $("transcript").replaceChildren(...s.transcript.map((line) => {
    const el = document.createElement("p");
    el.textContent = line.text;
    if (!line.final) el.className = "partial";
    return el;
  }));
  $("promises").hidden = s.promises.length === 0 && s.earlier_promises.length === 0;
  if (changed("promises", s.promises)) $("promise-list").replaceChildren(...s.promises.map((pr) => {
    const li = document.createElement("li");
    li.textContent = (pr.due || "no time agreed") + " — " + pr.text;
    return li;
  }));
  // earlier calls' open promises, with the ID to mark one done by (voiceassist promises done ID)
  if (changed("earlier", s.earlier_promises)) $("earlier-list").replaceChildren(...s.earlier_promises.map((pr) => {
    const li = document.createElement("li");
    li.textContent = "earlier: " + (pr.due || "no time agreed") + (pr.overdue ? " OVERDUE" : "") + " — " + pr.id + " " + pr.text;
    if (pr.overdue) li.className = "overdue";
    return li;
  }));
  $("earlier-more").textContent = s.earlier_more ? "+" + s.earlier_more + " more open: voiceassist promises" : "";
  window.drawn.push([s.version, Date.now()]);
  if (window.drawn.length > 10000) window.drawn.shift();  // a shift-long call: keep the latest only
}

$("dismiss").onclick = () => act("dismissed");
const source = new EventSource("/events?token=" + encodeURIComponent(token));
source.onmessage = (e) => draw(JSON.parse(e.data));
source.onerror = () => { $("status").textContent = "disconnected"; };
