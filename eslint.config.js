// ESLint flat config. `npm run lint` runs it; .ci/run runs it before the tests.
// Type-aware rules are left out on purpose: they would type-check the project a
// second time (tsc already does, with the strict tsconfig) and double lint time
// on the 2-core CI machine.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeGlobals = {
  process: 'readonly',
  console: 'readonly',
  Buffer: 'readonly',
  URL: 'readonly',
  setTimeout: 'readonly',
  clearTimeout: 'readonly',
  setImmediate: 'readonly',
  setInterval: 'readonly',
  clearInterval: 'readonly',
  fetch: 'readonly',
  performance: 'readonly',
};

export default tseslint.config(
  {
    ignores: [
      'build/**',
      'node_modules/**',
      // Fake packages for patching edge cases: deliberately odd code (getters,
      // non-configurable exports, CJS/ESM tricks) that must stay as it is.
      'test/fixtures/**',
    ],
  },
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    rules: {
      // `_`-prefixed names say "unused on purpose" (a wrapper keeps the
      // original function's parameters).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // `typeof import('./x.js')` stays allowed: it is how a module loaded
      // lazily (`require` on first use, to keep start-up short) gets its type
      // without a top-level import that reads as an eager dependency.
      '@typescript-eslint/consistent-type-imports': ['error', { disallowTypeAnnotations: false }],
      'no-restricted-syntax': [
        'error',
        {
          selector: 'ExportAllDeclaration',
          message: 'The public API is explicit named exports (STYLE.md): no `export *`.',
        },
      ],
    },
  },
  {
    // Plain JavaScript: the examples (unmodified pipeline scripts) and scripts/.
    files: ['**/*.{js,mjs,cjs}'],
    extends: [js.configs.recommended],
    languageOptions: { globals: nodeGlobals },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', module: 'writable', __dirname: 'readonly', __filename: 'readonly' },
    },
  },
  {
    // Wrapping arbitrary functions is what the instrumentation layer does: its
    // `Function` types are the honest type of "whatever the library exported".
    files: ['src/instrument/**/*.ts', 'src/presets/{onnx,paddle,sharp,tesseract,tfjs}/**/*.ts', 'src/api/**/*.ts', 'src/reach/**/*.ts', 'test/**/*.ts'],
    rules: { '@typescript-eslint/no-unsafe-function-type': 'off' },
  },
  {
    // The wrapper calls the original function with the caller's `this`.
    files: ['src/instrument/wrap.ts'],
    rules: { '@typescript-eslint/no-this-alias': 'off' },
  },
  {
    // Text-tree tests match column alignment; literal runs of spaces read like
    // the output they check.
    files: ['test/**/*.ts'],
    rules: { 'no-regex-spaces': 'off' },
  },
  {
    // Once warnings while src/ was restructured (issue 12); all fixed, so errors again.
    files: ['**/*.{ts,js,mjs,cjs}'],
    rules: {
      'no-useless-assignment': 'error',
      'prefer-const': 'error',
      'no-useless-escape': 'error',
    },
  },
);
