// Rewrites schemas/*.json from the built code: `npm run schemas`.
import { writeSchemaFiles } from "../dist/validate/editorSchemas.js";

for (const file of writeSchemaFiles(new URL("../schemas/", import.meta.url).pathname)) console.log(`wrote ${file}`);
