/** `netloom schema`: prints the JSON Schema of topology files, for editors (yaml-language-server). */
import { topologyJsonSchema } from '../topology/schema.js';

export function schemaCommand(): void {
  process.stdout.write(`${JSON.stringify(topologyJsonSchema(), null, 2)}\n`);
}
