// `node --import ./register.mjs`: lets a worker thread started from the TypeScript sources (under
// vitest) import them as Node would the built JavaScript. Test-only: the product runs dist/.
import { register } from "node:module";

register(new URL("./hooks.mjs", import.meta.url));
