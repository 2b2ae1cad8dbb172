/** The built-in registration plugin: contributes the registration panel as a widget. */
import type { CnnModel } from '../src/methods/cnn.js';
import type { ElastixRunner } from '../src/methods/elastix.js';
import type { RegistrationHost } from './host.js';
import type { PluginManifest } from './manifest.js';
import type { PluginImplementation } from './registry.js';
import { XemRegistrationPanel } from './registration-panel.js';

export const REGISTRATION_MANIFEST: PluginManifest = {
  name: 'xemreg',
  displayName: 'xemreg registration',
  contributions: {
    commands: [{ id: 'xemreg.registration-panel', title: 'Open the registration panel', category: 'Registration' }],
    widgets: [{ command: 'xemreg.registration-panel', displayName: 'Registration' }],
  },
};

export interface RegistrationPluginOptions {
  elastixRunner: ElastixRunner;
  /** The loaded network, or null: cnn and hybrid are then shown as unavailable. */
  cnn: CnnModel | null;
  backendNote?: string;
}

/** Handlers of the built-in plugin; the widget command returns the panel element (not yet attached). */
export function registrationPlugin(options: RegistrationPluginOptions): PluginImplementation<RegistrationHost> {
  return {
    commands: {
      'xemreg.registration-panel': ({ host }) => {
        const panel = new XemRegistrationPanel();
        panel.viewer = host;
        panel.elastixRunner = options.elastixRunner;
        panel.cnn = options.cnn;
        panel.backendNote = options.backendNote ?? '';
        return panel;
      },
    },
  };
}
