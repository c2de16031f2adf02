// gdasm's click-through page: every state, old value and explanation rebuilt here from the compact run data
// (vm/page.py). Text from the program is only ever set as textContent, never parsed as HTML.
(function () {
"use strict";
const D = JSON.parse(document.getElementById("gdasm-data").textContent);
const W = D.words;
const SVGNS = "http://www.w3.org/2000/svg";

function words(key, vars) {
  return W[key].replace(/\{(\w+)\}/g, (m, k) => (vars && k in vars ? String(vars[k]) : m));
}
function grouped(n) { return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ","); }
function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}
function svg(tag, attrs) {
  const e = document.createElementNS(SVGNS, tag);
  for (const k in attrs) e.setAttribute(k, attrs[k]);
  return e;
}

// ---- numbers: each value is Python's text of it (repr, or an exact fraction); the other formats follow the CLI
const view = new DataView(new ArrayBuffer(8));
function parse(t) {
  if (t === "inf") return Infinity;
  if (t === "-inf") return -Infinity;
  if (t === "nan") return NaN;
  if (t.indexOf("/") >= 0) { const [a, b] = t.split("/"); return Number(a) / Number(b); }
  return parseFloat(t);
}
function fields(x) {
  view.setFloat64(0, x);
  const b = view.getBigUint64(0);
  return [Number(b >> 63n), Number((b >> 52n) & 0x7ffn), b & 0xfffffffffffffn];
}
function hexText(x) {  // float.hex()
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  const [s, e, f] = fields(x), sign = s ? "-" : "";
  if (e === 0 && f === 0n) return sign + "0x0.0p+0";
  const digits = f.toString(16).padStart(13, "0");
  if (e === 0) return sign + "0x0." + digits + "p-1022";
  const p = e - 1023;
  return sign + "0x1." + digits + "p" + (p >= 0 ? "+" : "") + p;
}
function bitsText(x) {  // vm.render.bits
  const [s, e, f] = fields(x);
  const what = e === 0 ? (f === 0n ? W.x_zero : W.x_subnormal) : "2^" + (e - 1023);
  return s + " | " + e.toString(2).padStart(11, "0") + " (" + what + ") | " + f.toString(2).padStart(52, "0");
}
function exactText(x) {  // format(Decimal(x), "f")
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "Infinity" : "-Infinity";
  const [s, e, f] = fields(x), sign = s ? "-" : "";
  let m = e === 0 ? f : f | (1n << 52n), p = (e === 0 ? 1 : e) - 1075;
  if (m === 0n) return sign + "0";
  while (p < 0 && (m & 1n) === 0n) { m >>= 1n; p += 1; }
  if (p >= 0) return sign + (m << BigInt(p)).toString();
  const k = -p, d = (m * 5n ** BigInt(k)).toString().padStart(k + 1, "0");
  return sign + d.slice(0, d.length - k) + "." + d.slice(d.length - k);
}
let fmt = D.numbers || "dec";
const FORMATS = ["dec", "hex", "bits", "exact"];
function value(i, f) {  // vm.render.value
  f = f || fmt;
  if (i < 0) return W.x_unset;
  const t = D.pool[i];
  if (D.exact || f === "dec") return t;
  const x = parse(t);
  return f === "hex" ? hexText(x) : f === "bits" ? bitsText(x) : exactText(x);
}

// ---- the run: positions 0..H are steps 0..H; with a cut, positions H+1.. are steps tail.from, .., total
const code = D.code, H = D.head, tail = D.tail;
const N = D.kept;  // kept entries
const A = new Int32Array(N), V = new Int32Array(N).fill(-1), E = new Int32Array(N).fill(-1);
const OLD = new Int32Array(N).fill(-1), FIRST = new Uint8Array(N);
(function decode() {
  const t = D.steps;
  let i = 0;
  for (let k = 0; k < N; k++) {
    const a = t[i++], kind = code[a].k;
    A[k] = a;
    if (kind === "c" || kind === "ld" || kind === "len" || kind === "out") V[k] = t[i++];
    else if (kind === "st") { V[k] = t[i++]; E[k] = t[i++]; }
  }
})();
const LAST = tail ? H + 1 + (N - H) : N;  // the last position
function stepAt(q) { return tail && q > H ? tail.from + (q - H - 1) : q; }
function entryBefore(q) { return tail && q > H ? H + (q - H - 1) : q; }  // entries applied at q: [segStart, this)
function segStart(q) { return tail && q > H ? H : 0; }
function entryStep(k) { return tail && k >= H ? tail.from + (k - H) + 1 : k + 1; }
function positionOf(step) {  // the position showing `step`, or null inside the gap
  if (!tail || step <= H) return step;
  if (step < tail.from) return null;
  return H + 1 + (step - tail.from);
}
function copyState(s) {
  return { regs: Int32Array.from(s.regs), order: s.order.slice(), arrays: s.arrays.map((a) => Int32Array.from(a)) };
}
const START = copyState(D.start), TAIL = tail ? copyState(tail) : null;
let HEAD_END = null;
// One forward pass gives each entry's old value (for undo and for "was"), and which entries are first writes.
(function replay() {
  let s = copyState(START);
  for (let k = 0; k < N; k++) {
    if (tail && k === H) { HEAD_END = s; s = copyState(TAIL); }
    apply(s, k, true);
  }
})();
function apply(s, k, learn) {
  const c = code[A[k]];
  if (c.k === "c" || c.k === "ld" || c.k === "len") {
    if (learn) { OLD[k] = s.regs[c.d]; FIRST[k] = s.regs[c.d] < 0 ? 1 : 0; }
    if (FIRST[k]) s.order.push(c.d);
    s.regs[c.d] = V[k];
  } else if (c.k === "st") {
    if (learn) OLD[k] = s.arrays[c.a][E[k]];
    s.arrays[c.a][E[k]] = V[k];
  }
}
function undo(s, k) {
  const c = code[A[k]];
  if (c.k === "c" || c.k === "ld" || c.k === "len") {
    s.regs[c.d] = OLD[k];
    if (FIRST[k]) s.order.pop();
  } else if (c.k === "st") s.arrays[c.a][E[k]] = OLD[k];
}
let pos = 0, state = copyState(START);
function seek(q) {
  q = Math.max(0, Math.min(LAST, q));
  const inTail = tail && q > H, curTail = tail && pos > H;
  if (inTail !== curTail) {
    if (inTail) { state = copyState(TAIL); pos = H + 1; }
    else { state = copyState(HEAD_END); pos = H; }
  }
  while (pos < q) { apply(state, entryBefore(pos + 1) - 1, false); pos += 1; }
  while (pos > q) { undo(state, entryBefore(pos) - 1); pos -= 1; }
}

// ---- where each value came from, read off the kept entries (vm/history.py, in the browser)
const regWrites = D.regs.map(() => null), elemWrites = new Map();  // per register slot, built when first asked
function writesOf(slot) {
  if (regWrites[slot] === null) {
    const list = [];
    for (let k = 0; k < N; k++) { const c = code[A[k]]; if (c.d === slot && c.k !== "st") list.push(k); }
    regWrites[slot] = list;
  }
  return regWrites[slot];
}
function elemWritesOf(a, i) {
  if (elemWrites.size === 0) {
    elemWrites.set("", []);
    for (let k = 0; k < N; k++) {
      const c = code[A[k]];
      if (c.k === "st") {
        const key = c.a + ":" + E[k];
        if (!elemWrites.has(key)) elemWrites.set(key, []);
        elemWrites.get(key).push(k);
      }
    }
  }
  return elemWrites.get(a + ":" + i) || [];
}
function lastBefore(list, before, from) {  // the last entry in [from, before)
  let lo = 0, hi = list.length;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (list[mid] < before) lo = mid + 1; else hi = mid; }
  return lo && list[lo - 1] >= from ? list[lo - 1] : null;
}
const LIM = D.limits;
const ATOM = 5, SUM = 1, PRODUCT = 2, PREFIX = 3;
const PASS = ["{0}", ATOM, [0], [true], false];
let budget = 0, depthAsked = 0, depthUsed = 0;
function cut(node, depth) {
  budget -= 1;
  if (depth <= 0) node.cut = depthAsked > LIM.max_depth && depthUsed === LIM.max_depth ? "size" : "depth";
  else if (budget < 0) node.cut = "size";
  return !!node.cut;
}
function node(label, v, text, extra) {
  return Object.assign({ label: label, value: v, text: text, line: 0, step: 0, leaf: "", notation: null,
    children: [], cut: "", level: 0, pretty: "" }, extra || {});
}
let SEG = 0;  // the kept segment an explanation reads: 0 (from the start) or H (the kept tail)
function valueBefore(slot, k) {
  const seg = SEG, w = lastBefore(writesOf(slot), k, seg);
  if (w !== null) return V[w];
  return seg ? TAIL.regs[slot] : START.regs[slot];
}
function registerNode(slot, before, depth) {
  const name = D.regs[slot], seg = SEG;
  const k = lastBefore(writesOf(slot), before, seg);
  if (k === null) {
    const v = seg ? TAIL.regs[slot] : START.regs[slot];
    if (v < 0) return node(name, v, W.x_never, { leaf: "unset" });
    if (seg) return node(name, v, words("dropped", { n: grouped(tail.from + 1) }), { leaf: "dropped" });
    return node(name, v, D.origins.regs[slot], { leaf: "input" });
  }
  return stepNode(k, depth);
}
function stepNode(k, depth) {
  const c = code[A[k]];
  const n = node(D.regs[c.d], V[k], c.t, { line: c.l, step: entryStep(k) });
  if (cut(n, depth)) return n;
  if (c.k === "ld") {
    const where = Math.trunc(parse(D.pool[c.i[0] === 0 ? valueBefore(c.i[1], k) : -1] || String(c.i[1])));
    n.children.push(elementNode(c.a, where, k, depth - 1));
    n.notation = PASS;
  } else if (c.k === "len") {
    n.leaf = "length";
    n.text = words("x_length", { text: c.t, name: D.arrays[c.a] });
  } else {
    n.notation = D.notations[c.n];
    for (const o of c.s) n.children.push(operandNode(o, k, depth - 1));
  }
  return n;
}
function operandNode(o, k, depth) {
  if (o[0] === 1) {
    const m = D.imms[o[1]];
    return node(m[0], m[1], "immediate", { leaf: "immediate", plain: m[2], pretty: m[3], level: m[4] });
  }
  return registerNode(o[1], k, depth);
}
function elementNode(a, index, before, depth) {
  const label = D.arrays[a] + "[" + index + "]", seg = SEG;
  const k = lastBefore(elemWritesOf(a, index), before, seg);
  if (k === null) {
    if (seg) return node(label, TAIL.arrays[a][index], words("dropped", { n: grouped(tail.from + 1) }), { leaf: "dropped" });
    return node(label, START.arrays[a][index], D.origins.arrays[a], { leaf: "input" });
  }
  const c = code[A[k]];
  const n = node(label, V[k], c.t, { line: c.l, step: entryStep(k), notation: PASS });
  if (cut(n, depth)) return n;
  n.children.push(operandNode(c.s[0], k, depth - 1));
  return n;
}
function explainAt(target, q, depth) {  // History.explain
  const before = entryBefore(q);
  SEG = segStart(q);
  depthAsked = depth;
  depth = depthUsed = Math.max(0, Math.min(depth, LIM.max_depth));
  budget = LIM.max_nodes;
  const m = /^(.+)\[(\d+)\]$/.exec(target);
  if (m) return elementNode(D.arrays.indexOf(m[1]), Number(m[2]), before, depth);
  return registerNode(D.regs.indexOf(target), before, depth);
}
function passesThrough(n) { return n.notation && n.notation[0] === "{0}"; }
function formula(n) {
  if (n.leaf === "immediate") return n.pretty;
  if (n.leaf || n.cut || !n.notation) return n.label;
  const parts = n.children.map((c, i) => operand(c, n, i));
  return n.notation[0].replace(/\{(\d)\}/g, (_, i) => parts[Number(i)]);
}
function shown(n) {
  while (!n.leaf && !n.cut && n.notation && passesThrough(n) && n.children.length) n = n.children[0];
  return n;
}
function level(n) {
  n = shown(n);
  if (n.leaf === "immediate") return n.level;
  if (n.leaf || n.cut || !n.notation) return ATOM;
  return n.notation[1];
}
function operand(child, parent, position) {
  const text = formula(child), nt = parent.notation, lv = level(child), s = shown(child);
  const groups = s.notation && s.notation[4] && !s.leaf && !s.cut;
  const bare = lv >= nt[2][position] && (lv !== PREFIX || nt[3][position]) && !(groups && lv === nt[1]);
  return bare ? text : "(" + text + ")";
}
function renderTree(root, f) {
  const lines = [], stack = [[root, "", "", true]];
  let hidden = 0;
  while (stack.length) {
    const [n, lead, branch, last] = stack.pop();
    if (lines.length >= LIM.max_lines) { hidden += 1; continue; }
    const v = value(n.value, f);
    let desc;
    if (n.leaf === "immediate") desc = n.plain ? n.label : n.label + " = " + v;
    else if (n.leaf) desc = n.label + " = " + v + "   " + n.text;
    else {
      desc = words("x_row", { label: n.label, value: v, text: n.text, line: n.line, step: grouped(n.step) });
      if (n.cut) desc += W["x_cut_" + n.cut];
    }
    lines.push(lead + branch + desc);
    const childLead = lead + (!branch ? "" : last ? "   " : "│  ");
    for (let i = n.children.length - 1; i >= 0; i--) {
      const isLast = i === n.children.length - 1;
      stack.push([n.children[i], childLead, isLast ? "└─ " : "├─ ", isLast]);
    }
  }
  if (hidden) lines.push(words("x_hidden", { hidden: grouped(hidden), max_lines: LIM.max_lines }));
  return lines;
}
function countWhere(root, test) {
  let total = 0;
  const stack = [root];
  while (stack.length) { const n = stack.pop(); total += test(n) ? 1 : 0; stack.push(...n.children); }
  return total;
}
function explanation(root, f) {  // vm.history.explanation: the tree, the formula, the notes
  const out = renderTree(root, f), text = formula(root);
  out.formulaAt = out.length;  // the tree, the formula, then the notes
  if (text.length > LIM.max_formula) out.push(words("x_too_long", { text: grouped(text.length) }));
  else out.push(words("x_formula", { formula: text, value: value(root.value, f) }));
  const whys = [["depth", W.x_why_depth],
    ["size", words("x_why_size", { MAX_NODES: grouped(LIM.max_nodes), MAX_DEPTH: LIM.max_depth })]];
  for (const [why, what] of whys) {
    const c = countWhere(root, (n) => n.cut === why);
    if (c) out.push(words(c !== 1 ? "x_note_n" : "x_note", { n: grouped(c), what: what }));
  }
  return out;
}

// ---- the page
const $ = (id) => document.getElementById(id);
const stepEl = $("step"), slider = $("slider");
let explaining = null, depth = LIM.depth, note = "";
function setup() {
  const base = D.program.split(/[\\/]/).pop();
  document.title = base + " · gdasm";
  $("title").textContent = base;
  $("title").title = D.program;
  for (const [id, key] of [["first", "first"], ["back", "back"], ["forward", "forward"], ["last", "last"]]) {
    $(id).title = W[key];
    $(id).setAttribute("aria-label", W[key]);
  }
  $("step-word").textContent = W.counter_pre;
  $("of").textContent = W.counter_mid;
  $("total").textContent = grouped(D.total);
  $("post").textContent = W.counter_post;
  $("source-h").textContent = W.source;
  $("registers-h").textContent = W.registers;
  $("arrays-h").textContent = W.arrays;
  $("explain-h").textContent = W.explain;
  $("output-h").textContent = W.output;
  $("explain-hint").textContent = W.click_reg;
  $("keys").textContent = W.keys;
  $("arrays-box").hidden = D.arrays.length === 0;
  slider.max = String(LAST);
  slider.setAttribute("aria-label", W.step);
  const box = $("formats");
  box.setAttribute("aria-label", W.numbers);
  if (!D.exact) {
    for (const f of FORMATS) {
      const b = el("button", "", f);
      b.type = "button";
      b.dataset.format = f;
      b.title = W["fmt_" + f];
      b.addEventListener("click", () => { fmt = f; show(); });
      box.appendChild(b);
    }
  }
  const src = $("source");
  const wordAt = {};  // line -> the 64-bit word of its instruction (docs/machine-code.md)
  for (let a = 0; a < code.length; a++) if (code[a].w) wordAt[code[a].l] = [a, code[a].w];
  const toggle = $("words-toggle");
  toggle.textContent = W.words;
  toggle.title = W.words_title;
  toggle.hidden = !code.some((c) => c.w);
  toggle.addEventListener("click", toggleWords);
  D.lines.forEach((text, i) => {
    const row = el("div", "src");
    row.dataset.line = String(i + 1);
    const no = el("span", "no", String(i + 1));
    no.title = words("run_to", { line: i + 1 });
    no.addEventListener("click", () => runTo(i + 1));
    row.appendChild(no);
    row.appendChild(el("span", "mark"));
    const w = wordAt[i + 1];
    const word = el("span", "word", w ? w[1] : "");
    if (w) {
      word.dataset.word = w[1];
      word.title = "0x" + w[0].toString(16).padStart(4, "0");  // its address, as the listing writes it
    }
    row.appendChild(word);
    const code = el("span", "code");
    const hash = commentAt(text);
    code.appendChild(document.createTextNode(hash < 0 ? text : text.slice(0, hash)));
    if (hash >= 0) code.appendChild(el("span", "comment", text.slice(hash)));
    row.appendChild(code);
    src.appendChild(row);
  });
  if (D.fault) {
    const f = el("div", "faultline");
    f.id = "faultline";
    const rows = src.querySelectorAll(".src");
    const at = rows[Math.max(0, D.fault.line - 1)];
    at.after(f);
  }
  if (tail) {
    const kept = $("kept");
    kept.hidden = false;
    kept.textContent = words("kept", { kept: grouped(N), total: grouped(D.total), head: grouped(H),
      from: grouped(tail.from + 1), gap_from: grouped(H + 1), gap_to: grouped(tail.from) });
  }
  if (tail && D.outs_total && D.outs_stride === 1) $("kept").textContent += " " + words("all_outs", { n: grouped(D.outs_total) });
  if (D.outs_stride > 1) {
    const kept = $("kept");
    kept.hidden = false;
    kept.textContent += (kept.textContent ? " " : "") + words("kept_outs", { kept: grouped(D.outs.length),
      total: grouped(D.outs_total), stride: D.outs_stride });
  }
  pictures();
}
function commentAt(text) {  // where a comment starts (# or ;), outside nothing: gdasm has no strings
  const i = text.search(/[#;]/);
  return i;
}
function stopLine() {  // the line of the next instruction to run at pos, or 0
  const address = nextAddress();
  return address === null ? 0 : code[address] ? code[address].l : 0;
}
function nextAddress() {
  const k = entryBefore(pos);
  if (pos === LAST) return D.fault ? D.fault.address : null;
  if (tail && pos === H) return D.head_next;
  return A[k];
}
function currentEntry() {
  if (pos === 0 || (tail && pos === H + 1)) return -1;
  return entryBefore(pos) - 1;
}
function show() {
  const step = stepAt(pos);
  stepEl.textContent = String(step);
  slider.value = String(pos);
  for (const b of $("formats").children) b.setAttribute("aria-pressed", String(b.dataset.format === fmt));
  const k = currentEntry(), c = k >= 0 ? code[A[k]] : null;
  // source: the line just run, and the next
  const nowLine = c ? c.l : 0, nextLine = stopLine();
  for (const row of document.querySelectorAll("#source .src")) {
    const line = Number(row.dataset.line);
    row.classList.toggle("now", line === nowLine);
    row.classList.toggle("next", line === nextLine && line !== nowLine);
  }
  const atEnd = pos === LAST;
  const fl = $("faultline");
  if (fl) { fl.hidden = !atEnd; fl.textContent = [words("runtime_error", { message: D.fault.text[fmt] })].concat(D.fault.notes[fmt]).join("\n"); }
  // status
  const st = $("status");
  st.classList.toggle("fault", atEnd && D.status === "fault");
  const ran = c ? words("ran", { step: grouped(step), line: c.l, text: c.t }) : pos === 0 ? W.start : "";
  if (atEnd && D.status !== "ready") {
    const end = words(D.status, { n: grouped(D.status === "fault" ? D.total + 1 : D.total), m: grouped(D.total) });
    st.textContent = ran && D.status !== "fault" ? ran + " \u00b7 " + end : end;
  } else st.textContent = (ran ? ran + " \u00b7 " : "") + words("ready", { line: nextLine });
  if (atEnd && D.fault) st.title = D.fault.full[fmt];
  const notice = $("notice");
  notice.hidden = !note;
  notice.textContent = note;
  registers(k, c);
  arrays(k, c);
  output(step);
  if (explaining) explain(explaining);
  markPictures(step);
  try { history.replaceState(null, "", "#step=" + step); } catch (e) { /* a page in an iframe's srcdoc */ }
}
function registers(k, c) {
  const body = $("registers").tBodies[0];
  body.textContent = "";
  for (const slot of state.order) {
    const tr = el("tr");
    const name = D.regs[slot];
    tr.appendChild(el("td", "name", name));
    const td = el("td", "val", value(state.regs[slot]));
    td.dataset.reg = name;
    const changed = c && c.d === slot && c.k !== "st";
    if (changed) td.classList.add("changed");
    tr.appendChild(td);
    const prev = el("td", "prev", changed ? (FIRST[k] ? "" : W.was + " " + value(OLD[k])) : "");
    tr.appendChild(prev);
    if (explaining === name) tr.classList.add("selected");
    tr.addEventListener("click", () => explain(name, true));
    body.appendChild(tr);
  }
}
const MAX_SHOWN = 200, MAX_TOTAL = 2000;  // elements shown per array and in all: the rest are counted
function arrays(k, c) {
  const box = $("arrays");
  box.textContent = "";
  let budget = MAX_TOTAL;
  D.arrays.forEach((name, a) => {
    const div = el("div", "array");
    const vals = state.arrays[a];
    div.appendChild(el("span", "aname", name + " (" + vals.length + ")"));
    const elems = el("div", "elems");
    const written = c && c.k === "st" && c.a === a ? E[k] : -1;
    const shown = Math.max(0, Math.min(vals.length, MAX_SHOWN, budget));
    budget -= shown;
    const indexes = [];
    for (let i = 0; i < shown; i++) indexes.push(i);
    if (written >= shown) indexes.push(written);  // the element this step wrote is always shown
    let last = -1;
    for (const i of indexes) {
      if (i !== last + 1) elems.appendChild(el("span", "prev", "\u2026"));
      last = i;
      const e = el("span", "elem");
      e.appendChild(el("span", "idx", "[" + i + "]"));
      const v = el("span", "val", value(vals[i]));
      v.dataset.elem = name + "[" + i + "]";
      e.appendChild(v);
      if (i === written) {
        e.classList.add("changed");
        e.appendChild(el("span", "prev", " " + W.was + " " + value(OLD[k])));
      }
      elems.appendChild(e);
    }
    const rest = vals.length - indexes.length;
    if (rest > 0) elems.appendChild(el("span", "prev", "\u2026 " + grouped(rest)));
    div.appendChild(elems);
    box.appendChild(div);
  });
}
function outsUpTo(step) {  // how many kept OUTs ran by `step`
  let lo = 0, hi = D.outs.length;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (D.outs[mid][0] <= step) lo = mid + 1; else hi = mid; }
  return lo;
}
function output(step) {
  const n = outsUpTo(step), box = $("output"), first = Math.max(0, n - 100);
  const lines = [];
  if (first > 0) lines.push(words("earlier", { n: grouped(D.outs[first][3]) }));
  const sampled = D.outs_stride > 1;  // thinned: each line says which OUT it is
  for (let i = first; i < n; i++) lines.push((sampled ? "#" + grouped(D.outs[i][3] + 1) + "  " : "") + value(D.outs[i][2]));
  box.textContent = lines.length ? lines.join("\n") : W.none_yet;
  box.scrollTop = box.scrollHeight;
}
function explain(target, userClick) {
  explaining = target;
  const box = $("explain");
  box.textContent = "";
  for (const tr of document.querySelectorAll("#registers tr")) {
    tr.classList.toggle("selected", tr.firstChild.textContent === target);
  }
  const tools = el("div");
  tools.id = "explain-tools";
  const label = el("label", "", W.depth + " ");
  const input = el("input");
  input.type = "number"; input.min = "0"; input.max = String(LIM.max_depth); input.value = String(depth);
  input.addEventListener("change", () => {
    const d = input.value.trim() === "" ? NaN : Number(input.value);
    if (!Number.isInteger(d) || d < 0) { input.value = String(depth); return; }  // only whole numbers ≥ 0
    depth = Math.min(d, LIM.max_depth);
    explain(target);
    document.querySelector("#explain-tools input").focus();
  });
  label.appendChild(input);
  tools.appendChild(el("span", "head", words("after_step", { name: target, n: grouped(stepAt(pos)) })));
  tools.appendChild(label);
  const close = el("button", "", "×");
  close.type = "button"; close.title = W.close;
  close.addEventListener("click", () => { explaining = null; box.textContent = ""; box.appendChild(el("p", "", W.click_reg)); show(); });
  tools.appendChild(close);
  box.appendChild(tools);
  const root = explainAt(target, pos, depth);
  const lines = explanation(root, fmt);
  const at = lines.formulaAt;
  box.appendChild(el("pre", "tree", lines.slice(0, at).join("\n")));
  box.appendChild(el("pre", "formula", lines[at]));
  for (const l of lines.slice(at + 1)) box.appendChild(el("pre", "note", l));
  if (countWhere(root, (n) => n.leaf === "dropped")) box.appendChild(el("pre", "note", words("dropped_note", { a: grouped(H + 1), b: grouped(tail.from) })));
  box.dataset.text = lines.join("\n");
  if (userClick && window.innerWidth < 760) box.scrollIntoView({ block: "nearest" });  // a phone: it is below
}
function go(q, why) { note = why || ""; seek(q); show(); }
function goStep(step) {
  if (!(step >= 0)) return;
  if (step > D.total) { go(LAST, words("clamped", { total: grouped(D.total), shown: grouped(D.total) })); return; }
  const q = positionOf(step);
  if (q !== null) { go(q); return; }
  const near = step - H <= tail.from - step ? H : H + 1;
  go(near, words("snapped", { asked: grouped(step), gap_from: grouped(H + 1), gap_to: grouped(tail.from),
    shown: grouped(stepAt(near)) }));
}
function runTo(line) {
  if (!code.some((c) => c.l === line)) { note = words("no_code", { line: line }); show(); return; }
  for (let q = pos + 1; q <= LAST; q++) {
    const save = pos;
    pos = q;
    const l = stopLine();
    pos = save;
    if (l === line) { go(q); return; }
  }
  note = stopLine() === line ? words("is_next", { line: line }) : words("not_again", { line: line, step: grouped(stepAt(pos)) });
  show();
}
function fromHash() {
  let h = location.hash.slice(1);
  try { h = decodeURIComponent(h); } catch (e) { /* a malformed % escape: shown as it is */ }
  if (!h) return false;
  const m = /^step=(\d+)$/.exec(h);
  if (!m) { note = words("bad_hash", { hash: h.slice(0, 40) }); return false; }
  goStep(Number(m[1]));
  return true;
}

// ---- pictures: the loss curve (every kept OUT) and, when the page has it, the path on the landscape
const pics = [];
function scale(lo, hi, a, b) {  // halves first: hi − lo may overflow when the values span the doubles
  const d = hi / 2 - lo / 2;
  return d > 0 ? (x) => a + (b - a) * ((x / 2 - lo / 2) / d) : () => (a + b) / 2;
}
function ticks(lo, hi, n) {  // at most 20 round values in [lo, hi]; the ends when none are round enough
  if (!(hi > lo) || hi - lo <= Math.abs(lo) * 1e-12) return [lo];
  const raw = hi / n - lo / n, mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((v) => v >= raw) || raw;
  const first = Math.ceil(lo / step), out = [];
  for (let i = 0; i < 20; i++) {
    const t = (first + i) * step;
    if (t > hi + step * 1e-9 || !Number.isFinite(t)) break;
    out.push(Math.abs(t) < step * 1e-9 ? 0 : t);
  }
  return out.length ? out : [lo, hi];
}
function tickText(t) {
  if (Math.abs(t) >= 1e5 || (t !== 0 && Math.abs(t) < 1e-3)) return t.toExponential(1).replace(".0e", "e").replace("e+", "e");
  return String(+t.toPrecision(6));
}
function chart(caption, xs, ys, opts) {
  const narrow = $("pictures").clientWidth < 560;  // a phone: fewer units across, so labels stay readable
  const w = narrow ? 400 : 640, h = narrow ? 260 : 300, L = 56, R = 12, T = 12, B = 36;
  const fig = el("figure");
  fig.appendChild(el("figcaption", "", caption));
  const s = svg("svg", { viewBox: "0 0 " + w + " " + h, role: "img" });
  s.setAttribute("aria-label", caption);
  const finite = (v) => typeof v === "number" && Number.isFinite(v);
  if (!xs.some(finite) || !ys.some(finite)) return;
  const allX = xs.concat(opts.lineX || []).filter(finite), allY = ys.concat(opts.lineY || []).filter(finite);
  let x0 = Math.min(...allX), x1 = Math.max(...allX), y0 = Math.min(...allY), y1 = Math.max(...allY);
  const logY = opts.log && y0 > 0 && y1 / y0 > 1000;
  if (logY) { y0 = Math.pow(10, Math.floor(Math.log10(y0))); y1 = Math.pow(10, Math.ceil(Math.log10(y1))); }
  const fy = logY ? Math.log10 : (v) => v;
  const sx = scale(x0, x1, L, w - R), syRaw = scale(fy(y0), fy(y1), h - B, T), sy = (v) => syRaw(fy(v));
  s.appendChild(svg("line", { class: "axis", x1: L, y1: h - B, x2: w - R, y2: h - B }));
  s.appendChild(svg("line", { class: "axis", x1: L, y1: T, x2: L, y2: h - B }));
  for (const t of ticks(x0, x1, 6)) {
    const tx = svg("text", { class: "tick", x: sx(t), y: h - B + 16, "text-anchor": "middle" });
    tx.textContent = tickText(t);
    s.appendChild(tx);
  }
  const yt = logY ? ticks(Math.log10(y0), Math.log10(y1), 5).map((e) => Math.pow(10, Math.round(e))) : ticks(y0, y1, 5);
  for (const t of yt) {
    const ty = svg("text", { class: "tick", x: L - 6, y: sy(t) + 4, "text-anchor": "end" });
    ty.textContent = tickText(t);
    s.appendChild(ty);
  }
  const xl = svg("text", { class: "tick", x: (L + w - R) / 2, y: h - 4, "text-anchor": "middle" });
  xl.textContent = opts.xlabel;
  s.appendChild(xl);
  if (opts.lineX) {
    s.appendChild(svg("polyline", { class: "land", points: opts.lineX.map((x, i) => finite(opts.lineY[i]) ? sx(x).toFixed(1) + "," + sy(opts.lineY[i]).toFixed(1) : "").filter(Boolean).join(" ") }));
  }
  const pts = [];
  xs.forEach((x, i) => { if (finite(x) && finite(ys[i])) pts.push([sx(x), sy(ys[i]), i]); });
  if (opts.connect) s.appendChild(svg("polyline", { class: "curve", points: pts.map((p) => p[0].toFixed(1) + "," + p[1].toFixed(1)).join(" ") }));
  const every = Math.max(1, Math.ceil(pts.length / 400));
  pts.forEach((p, j) => {
    if (j % every && j !== pts.length - 1) return;
    const c = svg("circle", { class: "pt", cx: p[0].toFixed(1), cy: p[1].toFixed(1), r: pts.length > 40 ? (narrow ? 3 : 2) : 3.5 });
    c.dataset.step = String(opts.steps[p[2]]);
    const t = svg("title", {});  // OUT 12 (step 594): 0.0123…
    const shownValue = opts.valueIds ? D.pool[opts.valueIds[p[2]]] : String(ys[p[2]]);
    t.textContent = W.out_no + " " + (p[2] + 1) + " (" + W.step + " " + grouped(opts.steps[p[2]]) + "): " + shownValue;
    c.appendChild(t);
    s.appendChild(c);
  });
  // a click anywhere on the picture goes to the nearest point's step
  s.addEventListener("click", (ev) => {
    const r = s.getBoundingClientRect(), x = (ev.clientX - r.left) * w / r.width, y = (ev.clientY - r.top) * h / r.height;
    let best = null, bd = Infinity;
    for (const p of pts) { const d = (p[0] - x) ** 2 + ((p[1] - y) ** 2) * 0.05; if (d < bd) { bd = d; best = p; } }
    if (best) goStep(opts.steps[best[2]]);
  });
  const mark = svg("circle", { class: "cur", r: 5, cx: -10, cy: -10 });
  s.appendChild(mark);
  fig.appendChild(s);
  $("pictures").appendChild(fig);
  pics.push({ pts: pts, steps: opts.steps, mark: mark });
}
function pictures() {
  if (D.outs.length >= 2) {
    const xs = D.outs.map((o) => o[3] + 1);
    const ys = D.outs.map((o) => (D.exact ? (o[4] === null ? NaN : o[4]) : parse(D.pool[o[2]])));
    chart(W.loss, xs, ys, { xlabel: W.out_no, steps: D.outs.map((o) => o[0]), valueIds: D.outs.map((o) => o[2]),
      connect: true, log: true });
  }
  if (D.path) {
    const p = D.path;
    chart(W.path, p.w, p.loss, { xlabel: "w", steps: p.steps, lineX: p.grid, lineY: p.landscape, connect: true });
  }
}
function markPictures(step) {
  for (const pic of pics) {
    let best = null;
    for (const p of pic.pts) if (pic.steps[p[2]] <= step) best = p;
    pic.mark.setAttribute("cx", best ? best[0].toFixed(1) : -10);
    pic.mark.setAttribute("cy", best ? best[1].toFixed(1) : -10);
  }
}

// ---- controls
function toggleWords() {  // the machine-code column beside the source: off, on
  const on = !$("source").classList.contains("words");
  $("source").classList.toggle("words", on);
  $("words-toggle").setAttribute("aria-pressed", String(on));
}
$("arrays").addEventListener("click", (ev) => {  // one listener for every element shown
  const v = ev.target.closest(".elem");
  if (v) explain(v.querySelector("[data-elem]").dataset.elem, true);
});
$("first").addEventListener("click", () => go(0));
$("back").addEventListener("click", () => go(pos - 1));
$("forward").addEventListener("click", () => go(pos + 1));
$("last").addEventListener("click", () => go(LAST));
slider.addEventListener("input", () => go(Number(slider.value)));
document.addEventListener("keydown", (ev) => {
  if (ev.target instanceof HTMLInputElement && ev.target.type !== "range") return;  // typing in the depth box
  if (ev.altKey || ev.ctrlKey || ev.metaKey) return;
  const moves = { ArrowRight: 1, ArrowLeft: -1, PageDown: 10, PageUp: -10 };
  if (ev.key in moves) { go(pos + moves[ev.key]); ev.preventDefault(); }
  else if (ev.key === "Home") { go(0); ev.preventDefault(); }
  else if (ev.key === "End") { go(LAST); ev.preventDefault(); }
  else if ((ev.key === "w" || ev.key === "W") && !$("words-toggle").hidden) toggleWords();
});
window.addEventListener("hashchange", () => { const s = /^#step=(\d+)$/.exec(location.hash); if (!s || Number(s[1]) !== stepAt(pos)) { if (!fromHash()) show(); } });
// exposed for tests and tools: the explanation text of any place at any step, in any format
window.gdasm = { explain: (target, step, f, d) => {
  const q = positionOf(step);
  return q === null ? null : explanation(explainAt(target, q, d === undefined ? LIM.depth : d), f || fmt);
}, format: (text, f) => { D.pool.push(text); const t = value(D.pool.length - 1, f); D.pool.pop(); return t; },
  go: goStep, step: () => stepAt(pos), steps: () => Array.from({ length: LAST + 1 }, (_, q) => stepAt(q)) };

setup();
if (!fromHash()) {
  if (D.open !== null && D.open !== undefined) goStep(D.open);
  else go(D.status === "fault" ? LAST : 0, note);
}
document.documentElement.dataset.ready = "1";  // the controls work from now on (tests and tools wait for it)
})();
