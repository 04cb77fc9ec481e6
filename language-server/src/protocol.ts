// The contract between the Flotilla VS Code client and this language server, imported by
// both sides: the initialization options, the configuration section the server pulls, the
// documents it serves and the files it watches. Values crossing the wire are unknown until
// checked, so each comes with a parser instead of a cast.
//
// Custom requests and notifications go here too, as RequestType/NotificationType constants
// from vscode-languageserver-protocol, so client and server agree on method names and shapes.
// There are none yet: everything travels over standard LSP messages.
import {
  DOCKERFILE_GLOB,
  isDockerfileName,
  MANIFEST_GLOB,
  STACK_FILE_GLOB,
  STACK_FILES,
} from '../../extension/engine/model/file-names';
import { isRecord } from '../../extension/engine/util/errors';
import type { RuleSettings, Severity } from './core/types';

export { DOCKERFILE_GLOB, isDockerfileName, MANIFEST_GLOB, STACK_FILE_GLOB, STACK_FILES };
export type { RuleSettings, Severity };

/** The language client's id and name (also the `flotilla.trace.server` prefix). */
export const CLIENT_ID = 'flotilla';
export const CLIENT_NAME = 'Flotilla Language Server';

/** `initializationOptions` of the initialize request. Every field is optional. */
export interface InitializationOptions {
  /** Severity per rule code, as the `flotilla.lint.rules` setting. */
  rules?: RuleSettings;
  /** false skips the local image query of FX1013 (tests, machines without Docker). */
  docker?: boolean;
  /** Delay between the last edit and a validation run, in ms (default 150). */
  debounceMs?: number;
}

/** The section the server pulls with workspace/configuration, and its shape. */
export const CONFIGURATION_SECTION = 'flotilla.lint';
export interface LintConfiguration {
  rules?: RuleSettings;
}

/** What the client's `synchronize.configurationSection` pushes on a change. */
export const SYNCHRONIZED_SECTION = 'flotilla';

/** Documents the server validates: Dockerfiles by language or name, YAML and JSON manifests. */
export const DOCUMENT_SELECTOR = [
  { scheme: 'file', language: 'dockerfile' },
  { scheme: 'file', pattern: DOCKERFILE_GLOB },
  { scheme: 'file', language: 'yaml' },
  { scheme: 'file', language: 'json', pattern: MANIFEST_GLOB },
];

/** Files whose changes on disk the server needs to hear about (cross-file checks, globs). */
export const WATCHED_GLOBS = [MANIFEST_GLOB, DOCKERFILE_GLOB];

const LEVELS: readonly string[] = ['off', 'error', 'warning', 'information', 'hint'];

function isLevel(v: unknown): v is Severity | 'off' {
  return typeof v === 'string' && LEVELS.includes(v);
}

/** A rule map from the wire; entries with an unknown level are dropped. Undefined when not a map. */
export function parseRuleSettings(v: unknown): RuleSettings | undefined {
  if (!isRecord(v)) return undefined;
  const out: RuleSettings = {};
  for (const [code, level] of Object.entries(v)) if (isLevel(level)) out[code] = level;
  return out;
}

export function parseInitializationOptions(v: unknown): Required<InitializationOptions> {
  const o = isRecord(v) ? v : {};
  return {
    rules: parseRuleSettings(o.rules) ?? {},
    docker: typeof o.docker === 'boolean' ? o.docker : true,
    debounceMs: typeof o.debounceMs === 'number' && o.debounceMs >= 0 ? o.debounceMs : 150,
  };
}

/** The pulled `flotilla.lint` section (null when the client has none). */
export function parseLintConfiguration(v: unknown): LintConfiguration {
  return isRecord(v) ? { rules: parseRuleSettings(v.rules) } : {};
}

/** The rules inside a pushed `{flotilla: {lint: {rules}}}` settings object, if any. */
export function pushedRules(settings: unknown): RuleSettings | undefined {
  const flotilla = isRecord(settings) ? settings[SYNCHRONIZED_SECTION] : undefined;
  const lint = isRecord(flotilla) ? flotilla.lint : undefined;
  return isRecord(lint) ? parseRuleSettings(lint.rules) : undefined;
}
