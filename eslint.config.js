// Flat ESLint config: the recommended JS rules and typescript-eslint's type-aware recommended
// rules (floating promises, unsafe `any`, needless assertions…) on sources, tests and benchmarks.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'native/build/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // off: String(x) of parsed YAML/JSON values is deliberate (they are printed as given);
      // `ExtKeyUsage | string` documents the known names; Buffer.compare is static
      '@typescript-eslint/no-base-to-string': 'off',
      '@typescript-eslint/no-redundant-type-constituents': 'off',
      '@typescript-eslint/unbound-method': 'off',
      // an async function without await still documents (and keeps) a Promise-returning API
      '@typescript-eslint/require-await': 'off',
      // node:test's test()/describe() return promises the runner awaits itself
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] },
          ],
        },
      ],
    },
  },
  {
    // @kubernetes/client-node is ES-module-only and takes seconds to load: sources reach its
    // values through the controllers' client (connect() loads it), never by a static import
    files: ['src/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: '@kubernetes/client-node',
              message: 'import types only; values come from ControllerClient.lib (src/controllers/framework/client.ts)',
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
  {
    // tests read the CLI's JSON output (JSON.parse is `any`) and assert on it field by field
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    // plain Node scripts (the npm install hook, this file): Node's globals, no type information
    files: ['scripts/**/*.mjs', 'eslint.config.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      parserOptions: { projectService: false },
      globals: { process: 'readonly', console: 'readonly' },
    },
  },
);
