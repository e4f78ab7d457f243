/**
 * `import()` of an ES-module-only package (@kubernetes/client-node) that also works inside the
 * CLI bundle. The launcher (src/cli/main.cts) evaluates the bundle as a `vm.Script`, which
 * has no dynamic-import hook in Node 20 without an experimental flag or warning, so an
 * `import()` written in the bundle would fail; the launcher therefore lends its own
 * `import()` as `globalThis.__kubetlsImport`, and this uses it when present. Package names
 * resolve from dist/src/cli, the same node_modules the module tree uses. Such packages stay
 * out of the bundle (scripts/bundle.mjs lists them as external): @kubernetes/client-node
 * alone takes seconds to load, which no other command should pay.
 */
type Importer = (specifier: string) => Promise<unknown>;

export function importEsm<T>(specifier: string): Promise<T> {
  const hook = (globalThis as { __kubetlsImport?: Importer }).__kubetlsImport;
  return (hook ? hook(specifier) : import(specifier)) as Promise<T>;
}
