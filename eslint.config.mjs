// Lint rules that catch real defects: floating promises, `any`, casts that say
// nothing, and multi-line bodies without braces. Formatting is Prettier's job.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'out/',
      'dist/',
      '.cache/',
      'test-artifacts/',
      'test/fixtures/',
      'test/fuzz/seed/',
      'examples/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unnecessary-type-assertion': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      curly: ['error', 'multi-line'],
      'no-empty': ['error', { allowEmptyCatch: false }],
    },
  },
  {
    // The graph webview's globals are checked with the page, under its own tsconfig.
    files: ['extension/client/graph/webview-env.d.ts'],
    languageOptions: {
      parserOptions: {
        projectService: false,
        project: './tsconfig.webview.json',
        tsconfigRootDir: import.meta.dirname,
      },
    },
  },
  {
    files: ['**/*.mjs', '**/*.js', '**/*.cjs'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        require: 'writable',
        module: 'writable',
        __dirname: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        URL: 'readonly',
        fetch: 'readonly',
        window: 'readonly',
        document: 'readonly',
        acquireVsCodeApi: 'readonly',
        exports: 'writable',
        performance: 'readonly',
        AbortController: 'readonly',
        TextEncoder: 'readonly',
        // Code that Playwright runs inside the page (page.evaluate) sees the browser's globals.
        MutationObserver: 'readonly',
        getComputedStyle: 'readonly',
      },
    },
    rules: { curly: ['error', 'multi-line'], '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The graph webview page runs in a browser.
    files: ['media/**/*.js'],
    languageOptions: { globals: { SVGSVGElement: 'readonly' } },
  },
  {
    files: ['test/**/*.mjs'],
    languageOptions: {
      globals: {
        describe: 'readonly',
        it: 'readonly',
        before: 'readonly',
        after: 'readonly',
        beforeEach: 'readonly',
        afterEach: 'readonly',
      },
    },
  },
);
