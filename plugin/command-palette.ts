/**
 * <xem-command-palette>: the contributed commands of a registry, filtered as you type; Enter or a
 * click runs one. Keyboard operable: the filter field, then Tab through the command buttons.
 */
import { LitElement, css, html } from 'lit';
import type { PluginRegistry, RegisteredCommand } from './registry.js';

/** The part of a registry the palette uses (any host type). */
export type CommandSource = Pick<PluginRegistry<unknown>, 'commands' | 'execute' | 'addEventListener' | 'removeEventListener'>;

export class XemCommandPalette extends LitElement {
  static override properties = { registry: { attribute: false }, filter: { state: true }, status: { state: true } };

  static override styles = css`
    :host { display: block; font: 13px system-ui, sans-serif; }
    input { width: 100%; box-sizing: border-box; padding: 4px 6px; }
    ul { list-style: none; margin: 4px 0 0; padding: 0; max-height: 260px; overflow: auto; }
    button { width: 100%; text-align: left; padding: 4px 6px; border: 0; background: none; cursor: pointer; }
    button:hover, button:focus { background: #def; }
    .plugin { color: #777; font-size: 11px; margin-left: 6px; }
    .status { color: #555; min-height: 1.2em; }
  `;

  registry: CommandSource | null = null;
  protected filter = '';
  protected status = '';
  private readonly refresh = () => this.requestUpdate();

  override updated(changed: Map<string, unknown>): void {
    if (changed.has('registry')) {
      (changed.get('registry') as CommandSource | undefined)?.removeEventListener('plugins-changed', this.refresh);
      this.registry?.addEventListener('plugins-changed', this.refresh);
    }
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.registry?.removeEventListener('plugins-changed', this.refresh);
  }

  /** Commands matching the filter (title, id or plugin name). */
  visibleCommands(): RegisteredCommand[] {
    const q = this.filter.trim().toLowerCase();
    return (this.registry?.commands() ?? []).filter((c) => !q || `${c.title} ${c.id} ${c.pluginDisplayName}`.toLowerCase().includes(q));
  }

  async run(id: string): Promise<void> {
    if (!this.registry) return;
    try {
      const result = await this.registry.execute(id);
      this.status = '';
      this.dispatchEvent(new CustomEvent('command-run', { detail: { id, result }, bubbles: true, composed: true }));
    } catch (error) {
      this.status = `${id}: ${(error as Error).message}`;
    }
  }

  override render() {
    const commands = this.visibleCommands();
    return html`
      <input
        type="search"
        aria-label="Search commands"
        placeholder="Search commands…"
        .value=${this.filter}
        @input=${(e: Event) => (this.filter = (e.target as HTMLInputElement).value)}
        @keydown=${(e: KeyboardEvent) => e.key === 'Enter' && commands[0] && void this.run(commands[0].id)}
      />
      <ul aria-label="Commands">
        ${commands.map((c) => html`<li><button type="button" data-command=${c.id} @click=${() => void this.run(c.id)}>${c.title}<span class="plugin">${c.pluginDisplayName}</span></button></li>`)}
      </ul>
      <div class="status" role="status">${this.status}</div>
    `;
  }
}

if (!customElements.get('xem-command-palette')) customElements.define('xem-command-palette', XemCommandPalette);
