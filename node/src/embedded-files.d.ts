// Files imported `with { type: "file" }` are their path on disk (or in a compiled executable's $bunfs).
declare module "pyodide/pyodide.asm.wasm" {
  const path: string;
  export default path;
}
declare module "pyodide/pyodide.asm.mjs" {
  const path: string;
  export default path;
}
declare module "pyodide/python_stdlib.zip" {
  const path: string;
  export default path;
}
