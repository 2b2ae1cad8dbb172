/**
 * One image layer in vtk.js: itk-wasm Image → vtkImageData placed by spacing, origin and
 * direction; an image slice whose colour transfer function spans the layer's window.
 */
import '@kitware/vtk.js/Rendering/OpenGL/Profiles/Geometry.js';
import '@kitware/vtk.js/Rendering/OpenGL/Profiles/Volume.js';
import vtkDataArray from '@kitware/vtk.js/Common/Core/DataArray.js';
import vtkImageData from '@kitware/vtk.js/Common/DataModel/ImageData.js';
import vtkColorTransferFunction from '@kitware/vtk.js/Rendering/Core/ColorTransferFunction.js';
import vtkImageMapper from '@kitware/vtk.js/Rendering/Core/ImageMapper.js';
import vtkImageSlice from '@kitware/vtk.js/Rendering/Core/ImageSlice.js';
import { downsampleToBudget } from '../src/image/downsample.js';
import { gridOf, type Grid, type Image } from '../src/image/image.js';
import { COLORMAPS, type ColormapName } from './colormaps.js';

/** Runtime methods vtk.js objects have but its typings omit. */
interface Deletable {
  delete(): void;
}
interface WithPointData {
  getPointData(): { setScalars(array: unknown): void };
}
const del = (o: unknown) => (o as Deletable).delete();

export interface VtkLayerObjects {
  imageData: ReturnType<typeof vtkImageData.newInstance>;
  mapper: ReturnType<typeof vtkImageMapper.newInstance>;
  actor: ReturnType<typeof vtkImageSlice.newInstance>;
  ctf: ReturnType<typeof vtkColorTransferFunction.newInstance>;
}

/** vtkImageData of a 2-D grid with scalar or RGB values. */
export function makeImageData(grid: Grid, values: Float32Array | Uint8Array, components = 1): ReturnType<typeof vtkImageData.newInstance> {
  const imageData = vtkImageData.newInstance();
  imageData.setDimensions([grid.size[0], grid.size[1], 1]);
  imageData.setSpacing([grid.spacing[0], grid.spacing[1], 1]);
  imageData.setOrigin([grid.origin[0], grid.origin[1], 0]);
  const [a, b, c, d] = grid.direction;
  // vtk stores direction column-major in a 3×3; ours is row-major 2×2.
  imageData.setDirection([a, c, 0, b, d, 0, 0, 0, 1]);
  (imageData as unknown as WithPointData).getPointData().setScalars(vtkDataArray.newInstance({ name: 'values', numberOfComponents: components, values }));
  return imageData;
}

/** A 2-D image slice (mapper + actor) showing `imageData`. */
export function createImageSlice(imageData: VtkLayerObjects['imageData']): Pick<VtkLayerObjects, 'mapper' | 'actor'> {
  const mapper = vtkImageMapper.newInstance();
  mapper.setInputData(imageData);
  mapper.setSlicingMode(vtkImageMapper.SlicingMode.K);
  const actor = vtkImageSlice.newInstance();
  actor.setMapper(mapper);
  return { mapper, actor };
}

/**
 * Largest number of pixels a layer sends to the GPU. Bigger images are shown from a block-averaged
 * copy (same physical placement); the full-resolution data stays with the layer for readout and
 * registration. 2048² keeps an 8k × 8k 16-bit image interactive on software WebGL.
 */
export const DISPLAY_PIXEL_LIMIT = 2048 * 2048;

export function createVtkLayer(image: Image): VtkLayerObjects {
  const shown = downsampleToBudget(image, DISPLAY_PIXEL_LIMIT);
  const imageData = makeImageData(gridOf(shown), shown.data as Float32Array);
  const { mapper, actor } = createImageSlice(imageData);
  const ctf = vtkColorTransferFunction.newInstance();
  actor.getProperty().setRGBTransferFunction(0, ctf);
  actor.getProperty().setUseLookupTableScalarRange(true);
  actor.getProperty().setInterpolationTypeToLinear();
  return { imageData, mapper, actor, ctf };
}

/** Colormap over [level − window/2, level + window/2]. */
export function applyColormap(objects: VtkLayerObjects, colormap: ColormapName, window: number, level: number): void {
  const lo = level - window / 2;
  const span = window || 1;
  objects.ctf.removeAllPoints();
  for (const [t, r, g, b] of COLORMAPS[colormap]) objects.ctf.addRGBPoint(lo + t * span, r, g, b);
  (objects.ctf as unknown as { setMappingRange(a: number, b: number): void }).setMappingRange(lo, lo + span);
  objects.actor.getProperty().setRGBTransferFunction(0, objects.ctf);
  objects.mapper.modified();
}

/** Free the GPU and CPU resources of a layer (or of a bare slice: no transfer function). */
export function deleteVtkLayer(objects: Omit<VtkLayerObjects, 'ctf'> & { ctf?: VtkLayerObjects['ctf'] }): void {
  del(objects.actor.getProperty());
  del(objects.actor);
  del(objects.mapper);
  if (objects.ctf) del(objects.ctf);
  del(objects.imageData);
}
