// Validates docs/asyncapi.yaml with the official AsyncAPI parser (errors and warnings fail).
// Imports resolve from the script's own folder, so run a copy next to the parser:
//   mkdir -p .quanhub/node && cp docs/tools/validate-asyncapi.mjs .quanhub/node/
//   (cd .quanhub/node && npm install @asyncapi/parser@3)
//   node .quanhub/node/validate-asyncapi.mjs docs/asyncapi.yaml
import { Parser, fromFile } from "@asyncapi/parser";
const parser = new Parser();
const { document, diagnostics } = await fromFile(parser, process.argv[2]).parse();
const severe = diagnostics.filter((d) => d.severity <= 1);
for (const d of diagnostics) console.log(["error", "warning", "info", "hint"][d.severity], d.code, d.path.join("."), d.message);
if (!document || severe.length) { console.log(`INVALID: ${severe.length} errors/warnings`); process.exit(1); }
console.log(`valid AsyncAPI ${document.version()}: ${document.channels().length} channels, ${document.operations().length} operations`);
