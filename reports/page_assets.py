"""index.html's inline CSS and script: no external file or CDN, so the page works offline."""

STYLE = """
body { font-family: system-ui, sans-serif; margin: 1em 1.5em; color: #222; }
h1 { font-size: 1.3em; margin: 0.2em 0; } h2 { font-size: 1.1em; margin: 1.2em 0 0.3em; }
table { border-collapse: collapse; font-size: 0.8em; margin: 0.4em 0; }
th, td { border: 1px solid #ccc; padding: 2px 6px; text-align: left; vertical-align: top; }
th { background: #f0f0f0; }
td.holds { background: #d5f5e3; } td.broken { background: #fadbd8; }
td.missing-api { background: #fdebd0; } td.not-installed { background: #e5e7e9; }
td.setup-failed { background: #e8daef; }
td.absent { color: #999; } td.unexpected { outline: 2px solid #c0392b; }
td[title], th[title] { cursor: help; }
td.breaking { background: #fadbd8; } td.wire { background: #fdebd0; }
td.informational, td.api, td.packaging { background: #eaf2f8; }
td.value { font-family: ui-monospace, monospace; max-width: 28em; word-break: break-all; }
td.number { text-align: right; }
img { max-width: 100%; border: 1px solid #eee; margin: 0.5em 0; }
.note { color: #555; font-size: 0.85em; margin: 0.2em 0; }
#verdict { font-size: 1.05em; padding: 0.5em 0.8em; border-radius: 4px; margin: 0.4em 0; }
#verdict.pass { background: #d5f5e3; } #verdict.fail { background: #fadbd8; }
#verdict.unjudged { background: #fdebd0; }
.answers { display: flex; gap: 1.5em; align-items: flex-start; flex-wrap: wrap; }
.answers > div { flex: 1 1 36em; min-width: 0; overflow-x: auto; }
.answers > div:first-child { flex-grow: 1.4; } td.rule { max-width: 16em; }
tr.fails td { background: #fadbd8; } td.zero { color: #aaa; }
nav a { margin-right: 0.8em; font-size: 0.85em; }
#filters { position: sticky; top: 0; background: #fff; padding: 0.3em 0;
           border-bottom: 1px solid #ddd; font-size: 0.85em; z-index: 1; }
#filters label { margin-right: 0.8em; }
body:not(.show-same) tr.same { display: none; }
tr.filtered-out { display: none; }
"""

# Filters every table of class "filterable": a row shows when it matches the target, area,
# kind and search fields (a row without a data-* attribute matches any value) and, unless
# "show rows that do not differ" is ticked, is not of class "same". A link such as
# #changes?target=httpx2&kind=breaking sets the fields and scrolls to that table.
# Claim cells (class "cited") get their sentence and source from one JSON block, written
# once per claim rather than once per row. It also records on <body> how many images
# decoded, so a headless browser check can read it.
SCRIPT = """
const field = (id) => document.getElementById(id);
const fields = ["target", "area", "kind", "search"].map((name) => field("filter-" + name));
const same = field("show-same");
function matches(row) {
  const [target, area, kind, search] = fields.map((f) => f.value.trim().toLowerCase());
  const has = (name, wanted) => !wanted || row.dataset[name] === undefined
    || row.dataset[name].toLowerCase().split(" ").includes(wanted);
  return has("target", target) && has("area", area) && has("kind", kind)
    && (!search || row.textContent.toLowerCase().includes(search));
}
function apply() {
  document.body.classList.toggle("show-same", same.checked);
  for (const table of document.querySelectorAll("table.filterable")) {
    let shown = 0;
    for (const row of table.tBodies[0].rows) {
      const visible = matches(row);
      row.classList.toggle("filtered-out", !visible);
      if (visible && (same.checked || !row.classList.contains("same"))) shown += 1;
    }
    const count = document.getElementById(table.id + "-shown");
    if (count) count.textContent = shown + " of " + table.tBodies[0].rows.length;
  }
}
function fromHash() {
  const [anchor, query] = location.hash.slice(1).split("?");
  if (!query) return;
  const wanted = new URLSearchParams(query);
  fields.forEach((f) => { f.value = wanted.get(f.id.replace("filter-", "")) || ""; });
  same.checked = wanted.get("same") === "1";
  apply();
  const target = document.getElementById(anchor);
  if (target) target.scrollIntoView();
}
fields.forEach((f) => f.addEventListener("input", apply));
same.addEventListener("change", apply);
window.addEventListener("hashchange", fromHash);
const citations = JSON.parse(field("citations").textContent);
for (const cell of document.querySelectorAll(".cited")) {
  const about = citations[cell.textContent];
  if (about) cell.title = about;
}
apply(); fromHash();
window.addEventListener("load", () => {
  const images = Array.from(document.images);
  const loaded = images.filter((image) => image.complete && image.naturalWidth > 0);
  document.body.dataset.imagesLoaded = loaded.length + "/" + images.length;
});
"""
