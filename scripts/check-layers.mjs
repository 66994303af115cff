// @ts-check
/**
 * Architecture lint (run by `npm run lint`). Fails when
 *   (a) a file imports from a layer it may not use (see ALLOWED below; imports point
 *       down only: routes → ui/sdk/demo → sync/store/workers → core),
 *   (b) src/lib/core touches the environment: imports dexie, yjs, y-*, svelte, comlink,
 *       $app/*, $env/* or node:*, or names window/document/fetch/indexedDB,
 *   (c) src/lib has an import cycle (type-only imports excluded: they vanish at runtime).
 * peer/ (the Node programs) is checked as one more layer on top of sync and core.
 * Imports are found with regexes after blanking comments: static import/export-from,
 * dynamic import('...') and new URL('...', import.meta.url) (workers).
 *
 *   node scripts/check-layers.mjs [projectRoot]
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project root; a different root can be passed as the first argument (tests do). */
const ROOT = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..'));
const LIB = join(ROOT, 'src', 'lib');
const ROUTES = join(ROOT, 'src', 'routes');
const PEER = join(ROOT, 'peer');
const SOURCE_EXTENSIONS = ['.ts', '.js', '.mjs', '.svelte'];

/**
 * Which layers each layer may import from (its own included). A new folder under
 * src/lib must be added here, which forces a decision about where it sits.
 * @type {Record<string, string[]>}
 */
const ALLOWED = {
	core: ['core'],
	store: ['core', 'store'],
	// Workers may use the store: the ingest worker writes artifact chunks to IndexedDB itself, so bytes never cross the main thread.
	workers: ['core', 'store', 'workers'],
	sync: ['core', 'store', 'workers', 'sync'],
	sdk: ['core', 'store', 'workers', 'sync', 'sdk'],
	demo: ['core', 'workers', 'sdk', 'demo'],
	ui: ['core', 'store', 'sync', 'sdk', 'ui'],
	routes: ['core', 'store', 'workers', 'sync', 'sdk', 'demo', 'ui', 'routes'],
	// The always-on Node peer: the sync mesh and the pure core, never the browser's store or UI.
	peer: ['core', 'sync', 'peer'],
};

/** Packages the pure domain core may not import (it must run in Node, workers and tests). */
const CORE_FORBIDDEN_IMPORTS = [/^dexie(\/|$)/, /^yjs(\/|$)/, /^y-/, /^svelte(\/|$)/, /^comlink(\/|$)/, /^\$app\//, /^\$env\//, /^node:/];

/** Environment globals the core may not name (pass them in instead: STYLE.md habit 3). */
const CORE_FORBIDDEN_GLOBALS = /(?<![\w$.])(window|document|fetch|indexedDB)(?![\w$])(?!\??\s*:)|\bglobalThis\.(window|document|fetch|indexedDB)\b/g;

/**
 * Blanks comments (and, with `blankStrings`, string contents) with spaces, keeping
 * line breaks so offsets still map to the right lines.
 * @param {string} source
 * @param {boolean} blankStrings
 */
function blank(source, blankStrings) {
	let out = '';
	let i = 0;
	const n = source.length;
	const spaces = (/** @type {string} */ text) => text.replace(/[^\n]/g, ' ');
	while (i < n) {
		const c = source[i];
		const next = source[i + 1];
		if (c === '/' && next === '/') {
			const end = source.indexOf('\n', i);
			const stop = end === -1 ? n : end;
			out += spaces(source.slice(i, stop));
			i = stop;
		} else if (c === '/' && next === '*') {
			const end = source.indexOf('*/', i + 2);
			const stop = end === -1 ? n : end + 2;
			out += spaces(source.slice(i, stop));
			i = stop;
		} else if (c === '<' && source.startsWith('<!--', i)) {
			const end = source.indexOf('-->', i + 4);
			const stop = end === -1 ? n : end + 3;
			out += spaces(source.slice(i, stop));
			i = stop;
		} else if (c === '"' || c === "'" || c === '`') {
			let j = i + 1;
			while (j < n && source[j] !== c) {
				if (source[j] === '\\') j++;
				else if (c !== '`' && source[j] === '\n') break; // unterminated: stop at the line end
				j++;
			}
			const literal = source.slice(i, j + 1);
			out += blankStrings ? c + spaces(literal.slice(1, -1)) + (literal.length > 1 ? c : '') : literal;
			i = j + 1;
		} else {
			out += c;
			i++;
		}
	}
	return out;
}

const IMPORT_PATTERNS = [
	// import x from '...', import { a, type B } from '...', import '...', import type T from '...'
	/\bimport\s+(type\s+)?(?:[\w*${}\s,]*?\s*from\s*)?['"]([^'"\n]+)['"]/g,
	// export { a } from '...', export * from '...', export type { T } from '...'
	/\bexport\s+(type\s+)?(?:\*(?:\s+as\s+[\w$]+)?|\{[^}]*\})\s*from\s*['"]([^'"\n]+)['"]/g,
	// import('...')
	/\bimport\s*\(\s*()['"]([^'"\n]+)['"]\s*\)/g,
	// new URL('...', import.meta.url)
	/\bnew\s+URL\s*\(\s*()['"]([^'"\n]+)['"]\s*,\s*import\.meta\.url\s*\)/g,
];

/**
 * @typedef {{ specifier: string, line: number, typeOnly: boolean }} ImportRef
 */

/**
 * @param {string} source
 * @returns {ImportRef[]}
 */
function findImports(source) {
	const code = blank(source, false);
	/** @type {ImportRef[]} */
	const found = [];
	for (const pattern of IMPORT_PATTERNS) {
		for (const match of code.matchAll(pattern)) {
			const specifier = match[2] ?? '';
			const line = code.slice(0, match.index).split('\n').length;
			found.push({ specifier, line, typeOnly: Boolean(match[1]) });
		}
	}
	return found;
}

/** @param {string} dir @returns {string[]} */
function walk(dir) {
	if (!existsSync(dir)) return [];
	/** @type {string[]} */
	const files = [];
	for (const entry of readdirSync(dir, { withFileTypes: true })) {
		const path = join(dir, entry.name);
		if (entry.isDirectory()) files.push(...walk(path));
		else if (SOURCE_EXTENSIONS.some((ext) => entry.name.endsWith(ext))) files.push(path);
	}
	return files.sort();
}

/**
 * The layer a file belongs to: 'routes', or the first folder under src/lib
 * ('(root)' for files directly in src/lib).
 * @param {string} file absolute path
 */
function layerOf(file) {
	if (file === ROUTES || file.startsWith(ROUTES + sep)) return 'routes';
	if (file.startsWith(PEER + sep)) return 'peer';
	const inLib = relative(LIB, file);
	const parts = inLib.split(sep);
	return parts.length > 1 ? (parts[0] ?? '(root)') : '(root)';
}

/**
 * Resolves a $lib or relative specifier to an absolute path (a real file when one
 * exists); undefined for packages and other aliases.
 * @param {string} specifier
 * @param {string} fromFile
 */
function resolveSpecifier(specifier, fromFile) {
	const bare = specifier.replace(/[?#].*$/, '');
	let base;
	if (bare === '$lib' || bare.startsWith('$lib/')) base = join(LIB, bare.slice('$lib'.length));
	else if (bare.startsWith('./') || bare.startsWith('../')) base = resolve(dirname(fromFile), bare);
	else return undefined;
	const candidates = [
		base,
		...SOURCE_EXTENSIONS.map((ext) => base + ext),
		base.replace(/\.js$/, '.ts'),
		...SOURCE_EXTENSIONS.map((ext) => join(base, 'index' + ext)),
	];
	return candidates.find((path) => existsSync(path) && statSync(path).isFile()) ?? base;
}

/** @param {string} file */
const show = (file) => relative(ROOT, file).split(sep).join('/');

/** @type {string[]} */
const problems = [];
/** @type {Map<string, Set<string>>} value-import graph among src/lib files */
const graph = new Map();
let importCount = 0;

const files = [...walk(LIB), ...walk(ROUTES), ...walk(PEER)];
for (const file of files) {
	const source = readFileSync(file, 'utf8');
	const layer = layerOf(file);
	const allowed = ALLOWED[layer];
	if (!allowed) {
		problems.push(
			`${show(file)}: folder "${layer}" is not a known layer; add it to ALLOWED in scripts/check-layers.mjs`,
		);
		continue;
	}
	const edges = new Set();
	if (file.startsWith(LIB + sep)) graph.set(file, edges);

	for (const { specifier, line, typeOnly } of findImports(source)) {
		importCount++;
		const where = `${show(file)}:${line}`;
		if (layer === 'core' && CORE_FORBIDDEN_IMPORTS.some((pattern) => pattern.test(specifier))) {
			problems.push(`${where}: core imports '${specifier}'; src/lib/core must not depend on the environment`);
			continue;
		}
		const target = resolveSpecifier(specifier, file);
		if (!target) continue;
		const inSrc = target.startsWith(LIB + sep) || target.startsWith(ROUTES + sep) || target.startsWith(PEER + sep);
		// Data files (package.json's version, fixtures) may come from anywhere; code may not.
		if (!inSrc && !/\.json$/.test(target)) {
			problems.push(`${where}: '${specifier}' resolves outside src/lib, src/routes and peer (${show(target)})`);
			continue;
		}
		const targetLayer = layerOf(target);
		if (inSrc && !allowed.includes(targetLayer)) {
			problems.push(
				`${where}: ${layer} may not import from ${targetLayer} ('${specifier}'); ${layer} may import: ${allowed.join(', ')}`,
			);
		}
		if (!typeOnly && target.startsWith(LIB + sep) && existsSync(target)) edges.add(target);
	}

	if (layer === 'core') {
		const code = blank(source, true);
		for (const match of code.matchAll(CORE_FORBIDDEN_GLOBALS)) {
			const line = code.slice(0, match.index).split('\n').length;
			const name = match[1] ?? match[2];
			problems.push(`${show(file)}:${line}: core uses '${name}'; pass the environment in instead (STYLE.md habit 3)`);
		}
	}
}

// (c) cycles: depth-first search; each back edge closes a cycle, reported once.
/** @type {Map<string, 'visiting' | 'done'>} */
const state = new Map();
/** @type {string[]} */
const stack = [];
const reportedCycles = new Set();
/** @param {string} file */
function visit(file) {
	state.set(file, 'visiting');
	stack.push(file);
	for (const next of graph.get(file) ?? []) {
		const seen = state.get(next);
		if (seen === 'visiting') {
			const cycle = stack.slice(stack.indexOf(next));
			const key = [...cycle].sort().join('|');
			if (!reportedCycles.has(key)) {
				reportedCycles.add(key);
				problems.push(`import cycle: ${[...cycle, next].map(show).join(' → ')}`);
			}
		} else if (!seen) {
			visit(next);
		}
	}
	stack.pop();
	state.set(file, 'done');
}
for (const file of graph.keys()) if (!state.has(file)) visit(file);

if (problems.length > 0) {
	console.error(`check-layers: ${problems.length} problem(s)\n${problems.map((p) => `  ${p}`).join('\n')}`);
	process.exit(1);
}
console.log(
	`check-layers: OK (${files.length} files, ${importCount} imports; no upward imports, pure core, no cycles in src/lib)`,
);
