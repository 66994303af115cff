// @ts-check
import js from '@eslint/js';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import ts from 'typescript-eslint';
import svelteConfig from './svelte.config.js';

export default ts.config(
	{
		ignores: ['build/', '.svelte-kit/', 'node_modules/', 'bench/results/', 'bench/tmp/', 'dev-dist/', 'test-results/', 'peer-dist/'],
	},
	js.configs.recommended,
	...ts.configs.recommended,
	...svelte.configs.recommended,
	{
		languageOptions: {
			ecmaVersion: 'latest',
			sourceType: 'module',
			globals: { ...globals.browser, ...globals.node },
		},
		rules: {
			// TypeScript already reports undefined names, and knows about types ESLint does not.
			'no-undef': 'off',
			'@typescript-eslint/no-unused-vars': [
				'error',
				{ argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
			],
			'@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
		},
	},
	{
		files: ['**/*.svelte', '**/*.svelte.ts', '**/*.svelte.js'],
		rules: {
			// Cairn is always served at the origin root (no kit.paths.base: the service
			// worker scope and the manifest's start_url are '/'), so plain '/p/x' links are
			// correct and wrapping every href in resolve() would be noise.
			'svelte/no-navigation-without-resolve': 'off',
		},
	},
	{
		files: ['**/*.svelte', '**/*.svelte.ts', '**/*.svelte.js'],
		languageOptions: {
			parserOptions: {
				parser: ts.parser,
				extraFileExtensions: ['.svelte'],
				svelteConfig,
			},
		},
	},
	{
		// The app's single {@html}: renderMarkdown() (src/lib/ui/markdown.ts) sanitizes with
		// DOMPurify. Everywhere else {@html} stays an error.
		files: ['src/lib/ui/Markdown.svelte'],
		rules: { 'svelte/no-at-html-tags': 'off' },
	},
	{
		// Tests and benchmarks poke at the page through `globalThis` and raw IndexedDB.
		files: ['tests/**', 'bench/**'],
		rules: {
			'@typescript-eslint/no-explicit-any': 'off',
		},
	},
);
