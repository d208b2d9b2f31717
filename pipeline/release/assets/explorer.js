// newsledger explorer: filters, rows, quote in its sentence, map and chart. No network, no libraries.
(function () {
  "use strict";
  const D = JSON.parse(document.getElementById("data").textContent);
  const $ = (id) => document.getElementById(id);
  const NS = "http://www.w3.org/2000/svg";
  const esc = (s) => String(s == null ? "" : s).replace(/[&<>"']/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));
  const fmt = (v) => (v == null ? "" : Number(v).toLocaleString("en"));
  let tab = "figures";
  let openId = null;

  const COLS = {
    figures: [["value", (r) => fmt(r.value), "num"], ["category", (r) => r.category], ["unit", (r) => r.unit],
              ["place", (r) => r.place], ["window", (r) => [r.start, r.end].filter(Boolean).join(" – ")],
              ["reporter", (r) => r.reporter], ["quote", (r) => r.quote]],
    events: [["type", (r) => r.type + (r.mode ? " / " + r.mode : "")], ["actor 1", (r) => r.actor1], ["actor 2", (r) => r.actor2],
             ["place", (r) => r.place], ["date", (r) => [r.start, r.end].filter(Boolean).join(" – ")],
             ["context", (r) => (r.context || []).join(", ")], ["quote", (r) => r.quote]],
    best: [["best", (r) => fmt(r.best), "num"], ["low", (r) => fmt(r.low), "num"], ["high", (r) => fmt(r.high), "num"],
           ["category", (r) => r.category], ["place", (r) => r.place], ["window", (r) => [r.start, r.end].filter(Boolean).join(" – ")],
           ["claims", (r) => r.claims.length], ["reporters", (r) => r.n_reporters], ["rule", (r) => r.rule]],
  };
  const catOf = (r) => (tab === "events" ? r.type : r.category);

  function fillSelect(sel, values) {
    const keep = sel.value;
    sel.length = 1;
    [...new Set(values.filter(Boolean))].sort().forEach((v) => sel.add(new Option(v, v)));
    sel.value = [...sel.options].some((o) => o.value === keep) ? keep : "";
  }

  function setupFilters() {
    const rows = D[tab];
    fillSelect($("f-place"), rows.map((r) => r.place));
    fillSelect($("f-cat"), rows.map(catOf));
    fillSelect($("f-reporter"), tab === "figures" ? rows.map((r) => r.reporter) : []);
    fillSelect($("f-actor"), rows.flatMap((r) => r.actors || []));
    $("f-cat-label").textContent = tab === "events" ? "event type" : "category";
    $("f-reporter").disabled = tab !== "figures";
    $("f-actor").disabled = tab === "best";
  }

  function filtered() {
    const place = $("f-place").value, cat = $("f-cat").value, rep = $("f-reporter").value, actor = $("f-actor").value;
    const from = $("f-from").value, to = $("f-to").value;
    return D[tab].filter((r) => {
      if (place && r.place !== place) return false;
      if (cat && catOf(r) !== cat) return false;
      if (rep && tab === "figures" && r.reporter !== rep) return false;
      if (actor && !(r.actors || []).includes(actor)) return false;
      const s = r.start || r.end || r.published_at, e = r.end || r.start || r.published_at;
      if (from && (!e || e < from)) return false;
      if (to && (!s || s > to)) return false;
      return true;
    });
  }

  function quoteInSentence(r) {
    if (r.at < 0) return "<mark>" + esc(r.quote) + "</mark>";
    return esc(r.sentence.slice(0, r.at)) + "<mark>" + esc(r.quote) + "</mark>" + esc(r.sentence.slice(r.at + r.quote.length));
  }

  function articleLink(r) {
    const title = esc(r.title || r.article_id);
    const link = r.url ? `<a href="${esc(r.url)}" target="_blank" rel="noopener">${title}</a>` : title;
    return `${link} <span class="muted">${esc(r.outlet || "")} ${esc(r.published_at || "")}</span>`;
  }

  function showDetail(r) {
    const box = $("detail");
    if (!r) { box.style.display = "none"; return; }
    let body;
    if (tab === "best") {
      const byId = new Map(D.figures.map((f) => [f.id, f]));
      body = `<p><b>${fmt(r.best)}</b> (low ${fmt(r.low)}, high ${fmt(r.high)}) ${esc(r.category)} in ${esc(r.place || "?")}, ${esc(r.start || "?")} – ${esc(r.end || "?")}. Rule: ${esc(r.rule)}.</p><ul>` +
        r.claims.map((id) => byId.get(id)).filter(Boolean).map((f) => `<li class="claim">${fmt(f.value)} (${esc(f.reporter || "no reporter")}): <span class="sentence">${quoteInSentence(f)}</span> — ${articleLink(f)}</li>`).join("") + "</ul>";
    } else {
      body = `<p class="sentence">${quoteInSentence(r)}</p><p>${articleLink(r)}</p><p class="muted">${esc(r.id)}</p>`;
    }
    box.innerHTML = body;
    box.style.display = "block";
  }

  function render() {
    const rows = filtered();
    $("rows").tHead.innerHTML = "<tr>" + COLS[tab].map((c) => `<th>${c[0]}</th>`).join("") + "</tr>";
    const tb = $("rows").tBodies[0];
    tb.innerHTML = "";
    rows.forEach((r) => {
      const tr = tb.insertRow();
      tr.dataset.id = r.id;
      if (r.id === openId) tr.className = "open";
      COLS[tab].forEach((c) => { const td = tr.insertCell(); td.textContent = c[1](r) ?? ""; if (c[2]) td.className = c[2]; });
      tr.addEventListener("click", () => { openId = r.id; showDetail(r); render(); });
    });
    $("count").textContent = `${rows.length} of ${D[tab].length} rows`;
    const cut = D.truncated[tab] || 0;
    $("truncated").textContent = cut ? `${cut} more rows are in the flat CSV files (the page holds the first ${D[tab].length}).` : "";
    drawMap(rows);
    drawChart(tab === "figures" ? rows : filteredFigures());
  }

  function filteredFigures() {
    const save = tab; tab = "figures";
    const out = D.figures.filter((r) => { const p = $("f-place").value; return !p || r.place === p; });
    tab = save;
    return out;
  }

  function el(name, attrs, parent) {
    const e = document.createElementNS(NS, name);
    Object.entries(attrs).forEach(([k, v]) => e.setAttribute(k, v));
    if (parent) parent.appendChild(e);
    return e;
  }

  function drawMap(rows) {
    const m = D.map, svg = $("map");
    svg.innerHTML = "";
    svg.setAttribute("viewBox", `0 0 ${m.width} ${m.height}`);
    svg.setAttribute("width", m.width); svg.setAttribute("height", m.height);
    el("rect", {x: 0, y: 0, width: m.width, height: m.height, fill: "#dfeaf2"}, svg);
    m.paths.forEach((p) => { const path = el("path", {d: p.d, class: "country"}, svg); el("title", {}, path).textContent = p.name; });
    const counts = new Map();
    rows.forEach((r) => r.place_id && counts.set(r.place_id, (counts.get(r.place_id) || 0) + 1));
    const shown = m.places.filter((p) => counts.has(p.place_id)).sort((a, b) => counts.get(b.place_id) - counts.get(a.place_id));
    const boxes = [];
    const free = (b) => b.x >= 0 && b.y >= 0 && b.x + b.w <= m.width && b.y + b.h <= m.height &&
      boxes.every((o) => b.x + b.w < o.x || o.x + o.w < b.x || b.y + b.h < o.y || o.y + o.h < b.y);
    shown.forEach((p) => {
      const r = 3 + Math.sqrt(counts.get(p.place_id)) * 2;
      const c = el("circle", {cx: p.x, cy: p.y, r: r, class: "dot"}, svg);
      el("title", {}, c).textContent = `${p.name}: ${counts.get(p.place_id)} rows`;
      boxes.push({x: p.x - r, y: p.y - r, w: 2 * r, h: 2 * r});
    });
    shown.forEach((p) => {
      const r = 3 + Math.sqrt(counts.get(p.place_id)) * 2, w = 6.2 * p.name.length, h = 12;
      const tries = [[p.x + r + 2, p.y - h / 2], [p.x - r - 2 - w, p.y - h / 2], [p.x - w / 2, p.y - r - 2 - h], [p.x - w / 2, p.y + r + 2]];
      for (const [x, y] of tries) {
        const b = {x: x, y: y, w: w, h: h};
        if (free(b)) { boxes.push(b); el("text", {x: x, y: y + h - 2, class: "label"}, svg).textContent = p.name; break; }
      }
    });
    $("outside").textContent = m.outside.length ? `Outside the map (far from the other places): ${m.outside.join(", ")}.` : "";
  }

  function drawChart(figs) {
    const svg = $("chart"), W = 640, H = 260, L = 60, B = 30, T = 10, R = 160;
    svg.innerHTML = "";
    svg.setAttribute("viewBox", `0 0 ${W} ${H}`); svg.setAttribute("width", W); svg.setAttribute("height", H);
    const pts = figs.map((f) => ({d: f.end || f.start || f.published_at, v: f.value, s: `${f.place || "no place"} · ${f.category}`})).filter((p) => p.d && p.v > 0);
    if (!pts.length) { el("text", {x: 20, y: 30}, svg).textContent = "no dated figures in the selection"; return; }
    const series = new Map();
    pts.forEach((p) => { if (!series.has(p.s)) series.set(p.s, []); series.get(p.s).push(p); });
    const top = [...series.entries()].sort((a, b) => b[1].length - a[1].length).slice(0, 8);
    const all = top.flatMap((s) => s[1]);
    const ts = all.map((p) => Date.parse(p.d)), lv = all.map((p) => Math.log10(p.v));
    let t0 = Math.min(...ts), t1 = Math.max(...ts); if (t0 === t1) { t0 -= 864e5; t1 += 864e5; }
    let v0 = Math.floor(Math.min(...lv)), v1 = Math.ceil(Math.max(...lv)); if (v0 === v1) v1 += 1;
    const x = (t) => L + (t - t0) / (t1 - t0) * (W - L - R), y = (v) => H - B - (Math.log10(v) - v0) / (v1 - v0) * (H - B - T);
    el("line", {x1: L, y1: H - B, x2: W - R, y2: H - B, stroke: "#999"}, svg);
    el("line", {x1: L, y1: T, x2: L, y2: H - B, stroke: "#999"}, svg);
    for (let e = v0; e <= v1; e++) el("text", {x: 4, y: y(10 ** e) + 4}, svg).textContent = fmt(10 ** e);
    el("text", {x: L, y: H - 8}, svg).textContent = new Date(t0).toISOString().slice(0, 10);
    el("text", {x: W - R - 70, y: H - 8}, svg).textContent = new Date(t1).toISOString().slice(0, 10);
    const colours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"];
    top.forEach(([name, ps], i) => {
      ps.sort((a, b) => Date.parse(a.d) - Date.parse(b.d));
      if (ps.length > 1) el("polyline", {points: ps.map((p) => `${x(Date.parse(p.d))},${y(p.v)}`).join(" "), fill: "none", stroke: colours[i], "stroke-width": 1.5}, svg);
      ps.forEach((p) => { const c = el("circle", {cx: x(Date.parse(p.d)), cy: y(p.v), r: 3.5, fill: colours[i]}, svg); el("title", {}, c).textContent = `${name}: ${fmt(p.v)} (${p.d})`; });
      el("rect", {x: W - R + 8, y: T + i * 16, width: 10, height: 10, fill: colours[i]}, svg);
      el("text", {x: W - R + 22, y: T + i * 16 + 9}, svg).textContent = name.length > 24 ? name.slice(0, 23) + "…" : name;
    });
  }

  ["figures", "events", "best"].forEach((t) => $("tab-" + t).addEventListener("click", () => {
    tab = t; openId = null; showDetail(null);
    document.querySelectorAll(".tabs button").forEach((b) => b.classList.toggle("on", b.id === "tab-" + t));
    setupFilters(); render();
  }));
  ["f-place", "f-from", "f-to", "f-cat", "f-reporter", "f-actor"].forEach((id) => $(id).addEventListener("change", render));
  setupFilters();
  render();
})();
