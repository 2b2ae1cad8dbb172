/**
 * Plugin manifests, modelled on napari's npe2: a JSON-serialisable description of what a plugin
 * contributes — commands (ids prefixed by the plugin name), widgets (a command that returns a
 * custom element), readers (filename patterns), writers (layer types and extensions) and sample
 * data. Code is not part of the manifest: handlers are given to the registry beside it.
 */

export interface CommandContribution {
  /** `<plugin name>.<command>` */
  id: string;
  title: string;
  category?: string;
}

export interface WidgetContribution {
  /** The command that creates the widget's element. */
  command: string;
  displayName: string;
}

export interface ReaderContribution {
  command: string;
  /** Glob-like patterns (`*.tif`, `*.nrrd`). */
  filenamePatterns: string[];
}

export interface WriterContribution {
  command: string;
  layerTypes: string[];
  filenameExtensions: string[];
}

export interface SampleDataContribution {
  key: string;
  displayName: string;
  /** The command that produces the sample's layers. */
  command: string;
}

export interface PluginManifest {
  /** Lower-case, digits and dashes; prefixes every command id. */
  name: string;
  displayName: string;
  version?: string;
  contributions: {
    commands?: CommandContribution[];
    widgets?: WidgetContribution[];
    readers?: ReaderContribution[];
    writers?: WriterContribution[];
    sampleData?: SampleDataContribution[];
  };
}

/** A manifest that does not follow the schema; `field` is the JSON path of the first problem. */
export class ManifestError extends Error {
  override name = 'ManifestError';
  constructor(readonly field: string, reason: string) {
    super(`invalid plugin manifest: ${field} ${reason}`);
  }
}

const NAME = /^[a-z][a-z0-9-]*$/;

function requireString(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new ManifestError(field, 'must be a non-empty string');
  return value;
}

function requireArray(value: unknown, field: string): unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new ManifestError(field, 'must be an array');
  return value;
}

function stringList(value: unknown, field: string): string[] {
  const list = requireArray(value, field);
  if (list.length === 0) throw new ManifestError(field, 'must list at least one entry');
  return list.map((v, i) => requireString(v, `${field}[${i}]`));
}

/** Check a manifest (e.g. parsed JSON); returns it typed, or throws ManifestError naming the field. */
export function validateManifest(input: unknown): PluginManifest {
  if (!input || typeof input !== 'object' || Array.isArray(input)) throw new ManifestError('(root)', 'must be an object');
  const m = input as Record<string, unknown>;
  const name = requireString(m.name, 'name');
  if (!NAME.test(name)) throw new ManifestError('name', `"${name}" must be lower-case letters, digits and dashes, starting with a letter`);
  requireString(m.displayName, 'displayName');
  if (m.version !== undefined) requireString(m.version, 'version');
  if (!m.contributions || typeof m.contributions !== 'object') throw new ManifestError('contributions', 'must be an object');
  const c = m.contributions as Record<string, unknown>;
  const known = new Set(['commands', 'widgets', 'readers', 'writers', 'sampleData']);
  for (const key of Object.keys(c)) if (!known.has(key)) throw new ManifestError(`contributions.${key}`, `is not a contribution type (${[...known].join(', ')})`);
  const ids = new Set<string>();
  requireArray(c.commands, 'contributions.commands').forEach((cmd, i) => {
    const field = `contributions.commands[${i}]`;
    if (!cmd || typeof cmd !== 'object') throw new ManifestError(field, 'must be an object');
    const id = requireString((cmd as Record<string, unknown>).id, `${field}.id`);
    if (!id.startsWith(`${name}.`) || id.length === name.length + 1) throw new ManifestError(`${field}.id`, `"${id}" must start with "${name}."`);
    if (ids.has(id)) throw new ManifestError(`${field}.id`, `"${id}" is declared twice`);
    ids.add(id);
    requireString((cmd as Record<string, unknown>).title, `${field}.title`);
  });
  const command = (value: unknown, field: string) => {
    const id = requireString(value, field);
    if (!ids.has(id)) throw new ManifestError(field, `"${id}" is not one of the plugin's commands`);
  };
  requireArray(c.widgets, 'contributions.widgets').forEach((w, i) => {
    const field = `contributions.widgets[${i}]`;
    command((w as Record<string, unknown>)?.command, `${field}.command`);
    requireString((w as Record<string, unknown>).displayName, `${field}.displayName`);
  });
  requireArray(c.readers, 'contributions.readers').forEach((r, i) => {
    const field = `contributions.readers[${i}]`;
    command((r as Record<string, unknown>)?.command, `${field}.command`);
    stringList((r as Record<string, unknown>).filenamePatterns, `${field}.filenamePatterns`);
  });
  requireArray(c.writers, 'contributions.writers').forEach((w, i) => {
    const field = `contributions.writers[${i}]`;
    command((w as Record<string, unknown>)?.command, `${field}.command`);
    stringList((w as Record<string, unknown>).layerTypes, `${field}.layerTypes`);
    stringList((w as Record<string, unknown>).filenameExtensions, `${field}.filenameExtensions`);
  });
  requireArray(c.sampleData, 'contributions.sampleData').forEach((s, i) => {
    const field = `contributions.sampleData[${i}]`;
    requireString((s as Record<string, unknown>)?.key, `${field}.key`);
    requireString((s as Record<string, unknown>).displayName, `${field}.displayName`);
    command((s as Record<string, unknown>).command, `${field}.command`);
  });
  return JSON.parse(JSON.stringify(input)) as PluginManifest;
}

/** Whether a file name matches a reader pattern (`*` wildcards, case-insensitive). */
export function matchesPattern(fileName: string, pattern: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 'i');
  return re.test(fileName.split(/[\\/]/).pop() ?? fileName);
}
