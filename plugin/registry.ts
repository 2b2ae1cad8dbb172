/**
 * The plugin registry of a viewer: registers manifests with their command handlers, activates a
 * plugin on first use, runs commands, and answers which widget, reader or writer to use.
 */
import { matchesPattern, ManifestError, validateManifest, type CommandContribution, type PluginManifest } from './manifest.js';

/** What a command handler receives besides its arguments. */
export interface PluginContext<Host = unknown> {
  /** The viewer (or adapter) the registry belongs to. */
  host: Host;
  /** To run other plugins' commands. */
  registry: Pick<PluginRegistry<unknown>, 'execute' | 'commands'>;
}

export type CommandHandler<Host = unknown> = (context: PluginContext<Host>, ...args: unknown[]) => unknown;

export interface PluginImplementation<Host = unknown> {
  /** One handler per command id of the manifest. */
  commands: Record<string, CommandHandler<Host>>;
  /** Called once, before the plugin's first command runs. */
  activate?: (context: PluginContext<Host>) => void | Promise<void>;
}

interface Entry<Host> {
  manifest: PluginManifest;
  implementation: PluginImplementation<Host>;
  active: boolean;
}

export interface RegisteredCommand extends CommandContribution {
  plugin: string;
  pluginDisplayName: string;
}

export class PluginRegistry<Host = unknown> extends EventTarget {
  private readonly plugins = new Map<string, Entry<Host>>();

  constructor(readonly host: Host) {
    super();
  }

  /** Register a plugin; throws ManifestError (naming the field) for an invalid manifest or missing handler. */
  register(manifest: unknown, implementation: PluginImplementation<Host>): PluginManifest {
    const valid = validateManifest(manifest);
    if (this.plugins.has(valid.name)) throw new ManifestError('name', `"${valid.name}" is already registered`);
    (valid.contributions.commands ?? []).forEach((command, i) => {
      if (typeof implementation.commands?.[command.id] !== 'function') {
        throw new ManifestError(`contributions.commands[${i}].id`, `"${command.id}" has no handler`);
      }
    });
    this.plugins.set(valid.name, { manifest: valid, implementation, active: false });
    this.dispatchEvent(new CustomEvent('plugins-changed', { detail: { registered: valid.name } }));
    return valid;
  }

  unregister(name: string): void {
    if (this.plugins.delete(name)) this.dispatchEvent(new CustomEvent('plugins-changed', { detail: { unregistered: name } }));
  }

  manifests(): PluginManifest[] {
    return [...this.plugins.values()].map((e) => e.manifest);
  }

  /** Every contributed command, for menus and the command palette. */
  commands(): RegisteredCommand[] {
    return [...this.plugins.values()].flatMap((e) => (e.manifest.contributions.commands ?? []).map((c) => ({ ...c, plugin: e.manifest.name, pluginDisplayName: e.manifest.displayName })));
  }

  widgets() {
    return [...this.plugins.values()].flatMap((e) => (e.manifest.contributions.widgets ?? []).map((w) => ({ ...w, plugin: e.manifest.name })));
  }

  sampleData() {
    return [...this.plugins.values()].flatMap((e) => (e.manifest.contributions.sampleData ?? []).map((s) => ({ ...s, plugin: e.manifest.name })));
  }

  /** The first reader whose pattern matches the file name. */
  readerFor(fileName: string): string | null {
    for (const e of this.plugins.values()) {
      for (const r of e.manifest.contributions.readers ?? []) if (r.filenamePatterns.some((p) => matchesPattern(fileName, p))) return r.command;
    }
    return null;
  }

  /** Writers able to save a layer type to an extension (with or without the dot). */
  writersFor(layerType: string, extension: string): string[] {
    const ext = extension.replace(/^\./, '').toLowerCase();
    return [...this.plugins.values()].flatMap((e) =>
      (e.manifest.contributions.writers ?? [])
        .filter((w) => w.layerTypes.includes(layerType) && w.filenameExtensions.some((x) => x.replace(/^\./, '').toLowerCase() === ext))
        .map((w) => w.command),
    );
  }

  /** Run a command by id (activating its plugin first). */
  async execute(id: string, ...args: unknown[]): Promise<unknown> {
    const plugin = this.plugins.get(id.split('.')[0]);
    const handler = plugin?.implementation.commands[id];
    if (!plugin || !handler) throw new Error(`unknown command "${id}"`);
    const context: PluginContext<Host> = { host: this.host, registry: this };
    if (!plugin.active) {
      await plugin.implementation.activate?.(context);
      plugin.active = true;
    }
    const result = await handler(context, ...args);
    this.dispatchEvent(new CustomEvent('command-executed', { detail: { id } }));
    return result;
  }
}
