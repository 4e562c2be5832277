import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.cache/**', 'bench/results/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': ['error', { allow: ['warn', 'error'] }],
      eqeqeq: ['error', 'always'],
    },
  },
  {
    // Pure domain libraries (and the event contracts) import no framework and no I/O.
    files: ['libs/clinical/**/*.ts', 'libs/hl7/**/*.ts', 'libs/events/**/*.ts', 'libs/fhir/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@nestjs/*', 'typeorm', 'pg', 'kafkajs', 'bullmq', 'ioredis', 'nodemailer'],
              message: 'Pure domain code: no framework or I/O.',
            },
            {
              group: [
                '@alem/persistence',
                '@alem/notifications',
                '@alem/runtime',
                '@alem/local-stack',
                '@alem/messaging',
                '@alem/access',
                '@alem/ops',
              ],
              message: 'Pure domain code depends only on pure libraries (event contracts: @alem/events).',
            },
          ],
        },
      ],
    },
  },
  {
    // Notifications take what they need as plain values (the ack-token secret as a string): the apps read the
    // configuration and wire it. The clock and logging of @alem/runtime are fine.
    files: ['libs/notifications/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: '@alem/runtime',
              importNames: [
                'AppConfig',
                'APP_CONFIG',
                'InjectConfig',
                'loadConfig',
                'envSchema',
                'requiredSecret',
                'ackTokenSecret',
                'RuntimeModule',
                'RuntimeOptions',
              ],
              message: 'Notifications read no configuration: take the value as an option; the app wires it.',
            },
          ],
        },
      ],
    },
  },
  {
    // Repositories hold queries; the notifier's services decide with the policy of @alem/notifications.
    files: ['libs/persistence/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: '@alem/notifications',
              message: 'Persistence holds queries, not notification policy: decide in a notifier service.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['infra/scripts/**', 'bench/**', 'apps/demo/**', 'apps/drill/**', '*.js', '*.mjs'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { module: 'writable', require: 'readonly', __dirname: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
