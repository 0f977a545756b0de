import js from '@eslint/js';
import ts from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import svelteConfig from './svelte.config.js';

export default ts.config(
  {
    ignores: [
      'dist/',
      'dev-dist/',
      'node_modules/',
      'src/lib/faiss/build/',
      'src/lib/faiss/dist/',
      'tests/.tmp/',
      'test-results/',
      'playwright-report/',
    ],
  },
  js.configs.recommended,
  ...ts.configs.recommended,
  ...svelte.configs.recommended,
  {
    languageOptions: {
      globals: { ...globals.browser, ...globals.node },
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
        extraFileExtensions: ['.svelte'],
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      // State classes replace Maps/Sets wholesale in $state.raw fields (immutable
      // updates); a SvelteMap's per-key reactivity is not what they want.
      'svelte/prefer-svelte-reactivity': 'off',
    },
  },
  {
    // The layers: the page (state/, ui/) reaches memory, vision and FAISS through their
    // workers, so it imports only their types. Named exceptions are page-side data and
    // helpers that live beside their realm: the model catalogue, photo decoding (it runs
    // in the page), and the model switch's orchestration of the two workers.
    files: [
      'src/lib/state/**/*.ts',
      'src/lib/ui/**/*.ts',
      'src/lib/ui/**/*.svelte',
      'src/lib/present/**/*.ts',
      'src/App.svelte',
    ],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '**/memory/*',
                '**/memory/actions/*',
                '**/memory/transfer/*',
                '**/memory/store/*',
                '**/memory/base/*',
                '**/vision/*',
                '!**/vision/registry',
                '!**/vision/provenance',
                '!**/vision/photo',
                '!**/vision/reembed-all',
                '**/faiss',
                '**/faiss/*',
              ],
              allowTypeImports: true,
              message:
                'state/ and ui/ reach memory, vision and FAISS through their workers: import only types.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: {
      parserOptions: { parser: ts.parser, svelteConfig },
    },
  },
  {
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    ...ts.configs.disableTypeChecked,
  },
);
