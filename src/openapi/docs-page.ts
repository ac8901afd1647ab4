/**
 * A small, self-contained "Swagger UI": no CDN (Berth often runs where there is no internet),
 * no framework. It fetches swagger.json next to it and lists the operations by tag. All text
 * from the document is set with textContent, never as HTML.
 */
export const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Berth API</title>
<style>
  :root { --bg: #f6f7f9; --card: #fff; --text: #1d2330; --muted: #5d6679; --line: #dde1e8;
    --get: #2f7d4f; --post: #2a62b8; --put: #a86a12; --patch: #7a4bb3; --delete: #b83a3a; --head: #4d5566; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: var(--bg); color: var(--text); }
  header { background: #17324d; color: #fff; padding: 20px 32px; }
  header h1 { margin: 0; font-size: 22px; font-weight: 600; }
  header p { margin: 4px 0 0; color: #c8d3e0; }
  main { max-width: 1040px; margin: 0 auto; padding: 24px 32px 48px; }
  #filter { width: 100%; padding: 9px 12px; border: 1px solid var(--line); border-radius: 6px; font: inherit; margin-bottom: 20px; }
  section { margin-bottom: 28px; }
  h2 { font-size: 17px; margin: 0 0 8px; text-transform: capitalize; border-bottom: 1px solid var(--line); padding-bottom: 6px; }
  details { background: var(--card); border: 1px solid var(--line); border-radius: 6px; margin: 6px 0; }
  summary { cursor: pointer; padding: 8px 12px; display: flex; gap: 12px; align-items: baseline; list-style: none; }
  summary::-webkit-details-marker { display: none; }
  .method { min-width: 64px; text-align: center; font: 600 12px/1 ui-monospace, Menlo, monospace; color: #fff; border-radius: 4px; padding: 5px 0; }
  .GET { background: var(--get); } .POST { background: var(--post); } .PUT { background: var(--put); }
  .PATCH { background: var(--patch); } .DELETE { background: var(--delete); } .HEAD { background: var(--head); }
  .path { font-family: ui-monospace, Menlo, monospace; font-weight: 600; }
  .summary { color: var(--muted); }
  .body { padding: 4px 16px 12px 88px; border-top: 1px solid var(--line); }
  table { border-collapse: collapse; width: 100%; margin: 6px 0; }
  th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); font-size: 13px; }
  th { color: var(--muted); font-weight: 500; }
  code { font-family: ui-monospace, Menlo, monospace; }
  .error { color: var(--delete); }
</style>
</head>
<body>
<header><h1>Berth API</h1><p id="subtitle">Loading swagger.json…</p></header>
<main>
  <input id="filter" type="search" placeholder="Filter by path, tag or summary" aria-label="Filter operations">
  <div id="operations"></div>
</main>
<script>
(function () {
  var METHODS = ['get', 'post', 'put', 'patch', 'delete', 'head'];
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function schemaName(schema) {
    if (!schema) return '';
    if (schema.$ref) return schema.$ref.replace('#/definitions/', '');
    if (schema.type === 'array') return schemaName(schema.items) + '[]';
    return schema.type || '';
  }
  function operationView(path, method, op) {
    var details = el('details');
    details.dataset.search = (method + ' ' + path + ' ' + (op.tags || []).join(' ') + ' ' + (op.summary || '')).toLowerCase();
    var head = el('summary');
    head.appendChild(el('span', 'method ' + method.toUpperCase(), method.toUpperCase()));
    head.appendChild(el('span', 'path', path));
    head.appendChild(el('span', 'summary', op.summary || ''));
    details.appendChild(head);
    var body = el('div', 'body');
    body.appendChild(el('p', '', 'Operation id: ')).appendChild(el('code', '', op.operationId || ''));
    if (op.parameters && op.parameters.length) {
      var table = el('table');
      var header = el('tr');
      ['Parameter', 'In', 'Type', 'Required'].forEach(function (h) { header.appendChild(el('th', '', h)); });
      table.appendChild(header);
      op.parameters.forEach(function (p) {
        var row = el('tr');
        row.appendChild(el('td')).appendChild(el('code', '', p.name));
        row.appendChild(el('td', '', p.in));
        row.appendChild(el('td', '', p.type || schemaName(p.schema)));
        row.appendChild(el('td', '', p.required ? 'yes' : 'no'));
        table.appendChild(row);
      });
      body.appendChild(table);
    }
    Object.keys(op.responses || {}).forEach(function (code) {
      var r = op.responses[code];
      var name = schemaName(r.schema);
      body.appendChild(el('p', '', code + ': ' + (r.description || '') + (name ? ' — ' + name : '')));
    });
    details.appendChild(body);
    return details;
  }
  function render(doc) {
    document.getElementById('subtitle').textContent = doc.info.title + ' ' + doc.info.version + ' · base path ' + doc.basePath;
    var byTag = {};
    Object.keys(doc.paths).forEach(function (path) {
      METHODS.forEach(function (method) {
        var op = doc.paths[path][method];
        if (!op) return;
        var tag = (op.tags && op.tags[0]) || 'other';
        (byTag[tag] = byTag[tag] || []).push(operationView(path, method, op));
      });
    });
    var container = document.getElementById('operations');
    Object.keys(byTag).sort().forEach(function (tag) {
      var section = el('section');
      section.appendChild(el('h2', '', tag));
      byTag[tag].forEach(function (node) { section.appendChild(node); });
      container.appendChild(section);
    });
  }
  document.getElementById('filter').addEventListener('input', function (event) {
    var needle = event.target.value.toLowerCase();
    document.querySelectorAll('details').forEach(function (node) {
      node.style.display = node.dataset.search.indexOf(needle) >= 0 ? '' : 'none';
    });
    document.querySelectorAll('section').forEach(function (section) {
      var visible = Array.prototype.some.call(section.querySelectorAll('details'), function (d) { return d.style.display !== 'none'; });
      section.style.display = visible ? '' : 'none';
    });
  });
  fetch('swagger.json', { credentials: 'same-origin' })
    .then(function (res) { if (!res.ok) throw new Error('HTTP ' + res.status); return res.json(); })
    .then(render)
    .catch(function (err) {
      var subtitle = document.getElementById('subtitle');
      subtitle.textContent = 'Could not load swagger.json: ' + err.message;
      subtitle.className = 'error';
    });
})();
</script>
</body>
</html>
`;
