import nx from '@nx/eslint-plugin';
import jsoncParser from 'jsonc-eslint-parser';
import tseslint from 'typescript-eslint';

const LIBRARY_SCOPES = ['scope:shared', 'scope:platform', 'scope:ingest', 'scope:encoder', 'scope:decomposer', 'scope:metrics', 'scope:trainer', 'scope:pipeline'];

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/.nx/**', 'libs/shared/contracts/src/generated/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@nx/enforce-module-boundaries': [
        'error',
        {
          depConstraints: [
            // Layers (STYLE §1): util and contracts import only util/contracts; data-access adds util; features add
            // data-access; nothing imports an app.
            { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:util', 'type:contracts'] },
            { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: ['type:util', 'type:contracts'] },
            { sourceTag: 'type:data-access', onlyDependOnLibsWithTags: ['type:util', 'type:contracts', 'type:data-access'] },
            { sourceTag: 'type:feature', onlyDependOnLibsWithTags: ['type:util', 'type:contracts', 'type:data-access', 'type:feature'] },
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:util', 'type:contracts', 'type:data-access', 'type:feature'] },
            // Stages (docs/ARCHITECTURE.md): a stage uses shared and platform libraries and its own, never another
            // stage's; only the pipeline (the embedded runner) and the command line put stages together.
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'scope:platform', onlyDependOnLibsWithTags: ['scope:shared', 'scope:platform'] },
            { sourceTag: 'scope:ingest', onlyDependOnLibsWithTags: ['scope:shared', 'scope:platform', 'scope:ingest'] },
            { sourceTag: 'scope:encoder', onlyDependOnLibsWithTags: ['scope:shared', 'scope:platform', 'scope:encoder'] },
            { sourceTag: 'scope:decomposer', onlyDependOnLibsWithTags: ['scope:shared', 'scope:platform', 'scope:decomposer'] },
            { sourceTag: 'scope:metrics', onlyDependOnLibsWithTags: ['scope:shared', 'scope:platform', 'scope:metrics'] },
            { sourceTag: 'scope:trainer', onlyDependOnLibsWithTags: ['scope:shared', 'scope:platform', 'scope:decomposer', 'scope:trainer'] },
            { sourceTag: 'scope:pipeline', onlyDependOnLibsWithTags: LIBRARY_SCOPES },
            { sourceTag: 'scope:cli', onlyDependOnLibsWithTags: LIBRARY_SCOPES },
            { sourceTag: 'scope:e2e', onlyDependOnLibsWithTags: LIBRARY_SCOPES },
            { sourceTag: 'scope:tools', onlyDependOnLibsWithTags: LIBRARY_SCOPES },
          ],
        },
      ],
    },
  },
  {
    // Each project's package.json lists exactly the packages its code imports (nothing missing, nothing stale).
    files: ['**/package.json'],
    languageOptions: { parser: jsoncParser },
    plugins: { '@nx': nx },
    rules: {
      '@nx/dependency-checks': [
        'error',
        {
          buildTargets: ['build'],
          checkMissingDependencies: true,
          checkObsoleteDependencies: true,
          checkVersionMismatches: false,
          includeTransitiveDependencies: false,
          ignoredFiles: ['**/*.spec.ts', '**/vitest.config.mts'],
          // NestJS's run-time peers (loaded by NestFactory, never imported) and express, whose types alone are imported;
          // an-array-of-english-words is JSON, imported with an import attribute that Nx's import scan does not see.
          ignoredDependencies: ['@nestjs/platform-express', 'rxjs', 'express', 'an-array-of-english-words'],
        },
      ],
    },
  },
  {
    // The contracts' generated code (src/generated, made by the build and not committed) imports these.
    files: ['libs/shared/contracts/package.json'],
    rules: { '@nx/dependency-checks': 'off' },
  },
);
