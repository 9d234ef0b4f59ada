import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The pure files: the decisions Ripcord takes (policy language, the engine, the machines, the
 * renderers) are functions of their inputs and the clock passed in, so they are tested without
 * a runner, a network or a GitHub and replayed exactly. This list, not a folder name, is what
 * keeps them pure: a file here that reaches for I/O, the clock or an adapter fails `npm run lint`.
 * Each capability folder keeps its pure part and its adapters side by side (#12).
 */
const PURE = [
  'src/shared/{errors,markdown,plural,did-you-mean,time-format,time-input,outcome,published}.ts',
  'src/policy/{duration,quantity,load,problems,yaml-guards,explain,cross-check,extends,secrets,schema,schema-*}.ts',
  'src/signals/{signal,signal-source,engine,judgement,promql,promql-syntax,window-functions,decide,verdict,summary}.ts',
  'src/signals/kinds/*.ts',
  'src/incident/{state,lifecycle,report,recovery-time}.ts',
  'src/rollback/{template,approvals,approval-gate,decision-input,machine,machine-types,machine-records,ladder-machine}.ts',
  'src/verify/timing.ts',
  'src/recovery/machine.ts',
  'src/notify/templates.ts',
];

const purity = {
  files: PURE,
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          {
            group: ['node:*', 'fs', 'fs/*', 'path', 'child_process', 'http', 'https', 'net', 'os'],
            message:
              'a pure file takes what it needs as arguments; do the I/O in the adapter or runner',
          },
          {
            group: ['@octokit/*', '@actions/*', 'nodemailer', 'undici', 'unleash-client'],
            message: 'a pure file does not talk to services; take the result as an argument',
          },
          {
            group: [
              '**/github/*',
              '**/actions/**',
              '**/cli/**',
              '**/sources/*',
              '**/channels/*',
              '**/flags/*',
              '**/steps/*',
              '**/incident/store.ts',
              '**/incident/lock.ts',
              '**/shared/fetch-with-retry.ts',
              '**/policy/read.ts',
            ],
            allowTypeImports: true,
            message: "a pure file may use an adapter's types, not its code; pass the adapter in",
          },
        ],
      },
    ],
    'no-restricted-globals': [
      'error',
      { name: 'fetch', message: 'pass fetch in' },
      { name: 'process', message: 'pass the environment in' },
      { name: 'setTimeout', message: 'pass sleep in' },
      { name: 'setInterval', message: 'pass sleep in' },
    ],
    'no-restricted-properties': [
      'error',
      { object: 'Date', property: 'now', message: 'the clock is passed in (now)' },
      { object: 'Math', property: 'random', message: 'randomness is passed in' },
    ],
    'no-restricted-syntax': [
      'error',
      {
        selector: "NewExpression[callee.name='Date'][arguments.length=0]",
        message: 'new Date() reads the clock; the clock is passed in (now)',
      },
    ],
  },
};

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
    files: ['**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
  purity,
);
