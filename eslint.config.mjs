// ESLint (flat config): the type-aware rules that catch real bugs in this code base — promises
// nobody awaits or catches, promises passed where a callback's result is ignored — plus
// typescript-eslint's recommended set. Formatting is Prettier's job (.prettierrc.json), not this.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: ['dist/**', 'node_modules/**', '.cache/**', 'test-results/**', 'test/fixtures/**', 'test/bridge/fixtures/**', '**/*.cjs', '**/*.mjs', '**/*.py'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.mts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
);
