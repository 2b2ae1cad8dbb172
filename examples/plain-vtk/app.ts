/**
 * A plain vtk.js app — its own render window, renderer and image actors, no <xem-viewer> — that
 * embeds xemreg's registration panel through the plugin API and the VtkAppAdapter.
 */
import '@kitware/vtk.js/Rendering/OpenGL/Profiles/Geometry.js';
import '@kitware/vtk.js/Rendering/OpenGL/Profiles/Volume.js';
import vtkGenericRenderWindow from '@kitware/vtk.js/Rendering/Misc/GenericRenderWindow.js';
import vtkDataArray from '@kitware/vtk.js/Common/Core/DataArray.js';
import vtkImageData from '@kitware/vtk.js/Common/DataModel/ImageData.js';
import vtkImageMapper from '@kitware/vtk.js/Rendering/Core/ImageMapper.js';
import vtkImageSlice from '@kitware/vtk.js/Rendering/Core/ImageSlice.js';
import { configureItkAssets } from '../../src/browser/assets.js';
import { createBrowserElastixRunner } from '../../src/browser/elastix-runner.js';
import { readImageBlob } from '../../src/browser/image-file.js';
import { toGrayscale } from '../../src/image/grayscale.js';
import type { Image } from '../../src/image/image.js';
import { REGISTRATION_MANIFEST, registrationPlugin } from '../../plugin/registration-plugin.js';
import type { XemRegistrationPanel } from '../../plugin/registration-panel.js';
import { VtkAppAdapter } from '../../plugin/vtk-app-adapter.js';

/** The host app's own way of showing an image: a vtkImageSlice with a gray window. */
function showImage(renderer: { addActor(a: unknown): void }, image: Image): ReturnType<typeof vtkImageSlice.newInstance> {
  const gray = toGrayscale(image);
  const data = vtkImageData.newInstance();
  data.setDimensions([gray.size[0], gray.size[1], 1]);
  data.setSpacing([gray.spacing[0], gray.spacing[1], 1]);
  data.setOrigin([gray.origin[0], gray.origin[1], 0]);
  (data as unknown as { getPointData(): { setScalars(a: unknown): void } }).getPointData().setScalars(vtkDataArray.newInstance({ values: gray.data as Float32Array, numberOfComponents: 1 }));
  const mapper = vtkImageMapper.newInstance();
  mapper.setInputData(data);
  const actor = vtkImageSlice.newInstance();
  actor.setMapper(mapper);
  actor.getProperty().setColorWindow(255);
  actor.getProperty().setColorLevel(127);
  renderer.addActor(actor);
  return actor;
}

async function sample(name: string): Promise<Image> {
  const response = await fetch(`/samples/${name}`);
  return readImageBlob(new File([await response.blob()], name));
}

/** Build the example in `view` and `sidebar`; resolves with the adapter and the panel. */
export async function startPlainVtkApp(view: HTMLElement, sidebar: HTMLElement): Promise<{ adapter: VtkAppAdapter; panel: XemRegistrationPanel; renderer: unknown }> {
  configureItkAssets('/dist/assets/itk');
  const grw = vtkGenericRenderWindow.newInstance({ background: [0.1, 0.1, 0.1] });
  grw.setContainer(view);
  grw.resize();
  const renderer = grw.getRenderer();
  const fixed = await sample('deepclem_s6_em_crop512.png');
  const moving = await sample('deepclem_s6_em_moved.png');
  const fixedActor = showImage(renderer, fixed);
  const movingActor = showImage(renderer, moving);
  movingActor.getProperty().setOpacity(0.5);
  renderer.resetCamera();
  grw.getRenderWindow().render();

  const adapter = new VtkAppAdapter(renderer, grw.getRenderWindow());
  adapter.adoptLayer(fixed, fixedActor, { role: 'fixed', name: 'TEM (fixed)' });
  adapter.adoptLayer(moving, movingActor, { role: 'moving', name: 'TEM moved (moving)' });
  adapter.plugins.register(REGISTRATION_MANIFEST, registrationPlugin({ elastixRunner: createBrowserElastixRunner(), cnn: null }));
  const panel = (await adapter.plugins.execute('xemreg.registration-panel')) as XemRegistrationPanel;
  sidebar.append(panel);
  return { adapter, panel, renderer };
}
