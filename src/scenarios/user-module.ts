import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ProtocolDefinition } from '../core/node.ts';
import { ScenarioError } from './errors.ts';

/**
 * Users' own modules: scenario files and protocols of their own, given by path. A protocol loaded from a file
 * remembers its file, so that worker threads, node processes of a live cluster and saved counterexamples can
 * load the very same module again by path.
 */
export interface ProtocolModule {
  /** The module's absolute path. */
  path: string;
  /** The export that holds the protocol ("default" for the default export). */
  exportName: string;
}

const PROTOCOL_MODULES = new WeakMap<ProtocolDefinition, ProtocolModule>();

/** The module a protocol was loaded from, if it came from one. */
export function protocolModule(protocol: ProtocolDefinition): ProtocolModule | undefined {
  return PROTOCOL_MODULES.get(protocol);
}

/** Remembers where a protocol object comes from (for protocols passed to the API as objects, with their path). */
export function rememberProtocolModule(protocol: ProtocolDefinition, path: string, exportName = 'default'): void {
  PROTOCOL_MODULES.set(protocol, { path: resolve(path), exportName });
}

/**
 * The extension a TypeScript module written into `dir` needs to load as an ES module: `.ts` inside a package
 * with "type": "module", `.mts` anywhere else (a .ts file there would be read as CommonJS).
 */
export function moduleExtensionFor(dir: string): '.ts' | '.mts' {
  for (let current = resolve(dir); ; current = dirname(current)) {
    const manifest = join(current, 'package.json');
    if (existsSync(manifest)) {
      try {
        return (JSON.parse(readFileSync(manifest, 'utf8')) as { type?: unknown }).type === 'module' ? '.ts' : '.mts';
      } catch {
        return '.mts';
      }
    }
    if (dirname(current) === current) return '.mts';
  }
}

/** True when a --protocol value names a file rather than a shipped protocol. */
export function isModulePath(text: string): boolean {
  return (
    /^\.{1,2}[\\/]/.test(text) || /^[\\/]/.test(text) || /^[A-Za-z]:[\\/]/.test(text) || /\.(m|c)?[jt]s$/.test(text)
  );
}

/** True when this code runs from its TypeScript sources, where a TypeScript loader is already active. */
const RUNNING_FROM_SOURCES = import.meta.url.endsWith('.ts');
let typeScriptLoader: Promise<void> | null = null;

/**
 * The compiled package starts without a TypeScript loader (it costs a second of start-up); the first user file
 * written in TypeScript registers tsx, once, before it is imported.
 */
async function ensureTypeScriptLoader(file: string): Promise<void> {
  if (RUNNING_FROM_SOURCES || !/\.[cm]?tsx?$/.test(file)) return;
  typeScriptLoader ??= import('tsx/esm/api').then(({ register }) => {
    register();
  });
  await typeScriptLoader;
}

/** Imports a module of the user's (a .ts file through the TypeScript loader, a .js file directly). */
export async function importUserModule(file: string): Promise<Record<string, unknown>> {
  await ensureTypeScriptLoader(file);
  return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
}

/** Checks the shape of something offered as a protocol; a message names what is missing. */
export function checkProtocolShape(value: unknown, where: string): ProtocolDefinition {
  if (typeof value !== 'object' || value === null)
    throw new ScenarioError(`${where} is not a protocol definition (an object with name and create)`);
  const candidate = value as Record<string, unknown>;
  if (typeof candidate.name !== 'string' || candidate.name === '')
    throw new ScenarioError(`${where} needs a name: a non-empty string`);
  if (typeof candidate.create !== 'function')
    throw new ScenarioError(`${where} (${candidate.name}) needs create(config): a function returning a node`);
  for (const key of ['isMessage'] as const) {
    if (candidate[key] !== undefined && typeof candidate[key] !== 'function')
      throw new ScenarioError(`${where} (${candidate.name}): ${key} must be a function`);
  }
  for (const key of ['defaults', 'promises', 'optionDocs'] as const) {
    const field = candidate[key];
    if (field !== undefined && (typeof field !== 'object' || field === null || Array.isArray(field))) {
      throw new ScenarioError(`${where} (${candidate.name}): ${key} must be an object`);
    }
  }
  return value as ProtocolDefinition;
}

function looksLikeProtocol(value: unknown): boolean {
  return typeof value === 'object' && value !== null && typeof (value as { create?: unknown }).create === 'function';
}

/**
 * Loads a protocol of the user's from a module: its default export, or else its one export that looks like a
 * protocol definition (an object with a create function).
 */
export async function loadProtocolModule(given: string, cwd: string): Promise<ProtocolDefinition> {
  const file = resolve(cwd, given);
  const shown = relative(cwd, file) || file;
  if (!existsSync(file) || !statSync(file).isFile()) {
    throw new ScenarioError(
      `no protocol module "${given}" (looked for ${file}); give the path to a .ts or .js file exporting a protocol definition`,
    );
  }
  let module: Record<string, unknown>;
  try {
    module = await importUserModule(file);
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    const hint =
      extname(file) === '.ts' && /require\(\) ES Module|ERR_REQUIRE/.test(text)
        ? '; add "type": "module" to the package.json above it, or name it .mts'
        : '';
    throw new ScenarioError(`${shown} could not be loaded: ${text}${hint}`);
  }
  const candidates = looksLikeProtocol(module.default)
    ? [['default', module.default] as const]
    : Object.entries(module).filter(([, value]) => looksLikeProtocol(value));
  if (candidates.length !== 1) {
    const found =
      candidates.length === 0 ? 'no export looks like one' : `it exports ${candidates.length} that look like one`;
    throw new ScenarioError(
      `${shown} must export one protocol definition (export default { name, create, ... }); ${found}`,
    );
  }
  const [exportName, value] = candidates[0];
  const protocol = checkProtocolShape(value, shown);
  rememberProtocolModule(protocol, file, exportName);
  return protocol;
}

/** A --protocol value: a shipped protocol's name stays a name; a path is loaded as the user's protocol module. */
export async function protocolFromFlag(
  given: string | undefined,
  cwd: string,
): Promise<string | ProtocolDefinition | undefined> {
  if (given === undefined || !isModulePath(given)) return given;
  return loadProtocolModule(given, cwd);
}
