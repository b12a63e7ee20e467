import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.fillgate/', 'web/dist/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-restricted-imports': 'off',
    },
  },
  {
    // The domain is pure: no I/O, no imports from outer layers.
    files: ['src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '../execution/*',
                '../venues/*',
                '../store/*',
                '../http/*',
                '../workers/*',
                '../cli/*',
                '../main*',
              ],
              message: 'domain imports nothing of ours outside domain',
            },
            {
              group: ['node:fs', 'node:net', 'node:http', 'pg', '@electric-sql/*', 'fastify'],
              message: 'domain is pure',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/execution/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '../venues/*',
                '../store/*',
                '../http/*',
                '../workers/*',
                '../cli/*',
                '../main*',
                'pg',
                '@electric-sql/*',
                'fastify',
                'drizzle-orm',
                'drizzle-orm/*',
              ],
              message: 'execution depends on ports, not adapters',
            },
          ],
        },
      ],
    },
  },
);
