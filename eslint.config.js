import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'src/**/pb/*.ts', '.dependency-cruiser.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      eqeqeq: ['error', 'smart'],
      'no-console': 'error'
    }
  },
  {
    // Programs (not library code) may talk to the terminal.
    files: ['src/node/cli/**/*.ts', 'examples/**/*.ts', 'bench/**/*.ts', 'test/**/*.ts', 'scripts/**/*.js', 'bin/**/*.js'],
    rules: { 'no-console': 'off' }
  },
  {
    files: ['**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } }
  }
)
