// The floor: parse the ResourceList into a yaml Document (failsafe schema) and print it.
import { parseDocument } from 'yaml';

const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const doc = parseDocument(Buffer.concat(chunks).toString('utf8'), { schema: 'failsafe' });
process.stdout.write(doc.toString({ lineWidth: 0 }));
