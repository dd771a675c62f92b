// annotate.cjs FILE KIND NAME: add metadata.annotations["wildcard-egress.dev/domain-list"]: egress to the
// document of that kind and name, editing the text the way a user would (one or two inserted lines)
const fs = require('fs'); const [file, kind, name] = process.argv.slice(2);
const lines = fs.readFileSync(file, 'utf8').split('\n'); let start = 0; let done = false;
const docs = []; for (let i = 0; i <= lines.length; i++) { if (i === lines.length || /^---/.test(lines[i])) { docs.push([start, i]); start = i + 1; } }
for (const [a, b] of docs) {
  const body = lines.slice(a, b);
  if (!body.some(l => l === `kind: ${kind}`)) continue;
  const mi = body.findIndex(l => l === 'metadata:'); if (mi < 0) continue;
  let end = mi + 1; while (end < body.length && (/^\s/.test(body[end]) || body[end] === '')) end++;
  const meta = body.slice(mi + 1, end);
  const ind = (meta.find(l => /^\s+\S/.test(l)) || '  x').match(/^\s+/)[0];
  if (!meta.some(l => l === `${ind}name: ${name}` || l === `${ind}name: "${name}"`)) continue;
  const ai = meta.findIndex(l => l === `${ind}annotations:`);
  if (ai >= 0) { const next = meta[ai + 1]; const ind2 = next.match(/^\s+/)[0]; lines.splice(a + mi + 1 + ai + 1, 0, `${ind2}wildcard-egress.dev/domain-list: egress`); }
  else lines.splice(a + mi + 1, 0, `${ind}annotations:`, `${ind}${ind}wildcard-egress.dev/domain-list: egress`);
  done = true; break;
}
if (!done) { console.error(`not found: ${kind} ${name}`); process.exit(1); }
fs.writeFileSync(file, lines.join('\n'));
