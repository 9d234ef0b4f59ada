import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', '.tmp/'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // The rollback machine is pure (no I/O, no clock): it may import only pure modules.
    files: ['src/rollback/machine.ts', 'src/rollback/ladder-machine.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(node:|@actions/|@octokit/|undici)',
              message: 'the rollback machine is pure: I/O belongs to its runner (rollback.ts)',
            },
            {
              regex:
                '/(github|strategies|sources|notify|actions|cli)/|/(rollback|approval-gate|approvals|authority|pause)\\.ts$',
              message: 'the rollback machine is pure: I/O belongs to its runner (rollback.ts)',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
