/** What the CLI and the runtime use from the compile output layer. */
export { compileToDirectory, type CompileResult } from "./compile.js";
export { writeCompileOutput, type CompileOutputOptions } from "./write-output.js";
export {
  loadCompiled,
  readManifest,
  readManifestChecked,
  TablesLoadError,
} from "./load-compiled.js";
export { buildManifest, MANIFEST_VERSION, type Manifest } from "./manifest.js";
export { cHeader } from "./c-header.js";
