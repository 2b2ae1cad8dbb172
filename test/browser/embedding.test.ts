import { expect } from 'chai';
import { startPlainVtkApp } from '../../examples/plain-vtk/app.js';
import { gridOf } from '../../src/image/image.js';
import { cornerError } from '../../src/metrics/corner-error.js';
import { transformFromJSON, type TransformJSON } from '../../src/transform/json.js';

describe('embedding in a plain vtk.js app (examples/plain-vtk)', () => {
  it('the registration panel works through the VtkAppAdapter: run, choose, the result is drawn in the host renderer', async () => {
    const view = document.createElement('div');
    view.style.cssText = 'width: 400px; height: 300px';
    const sidebar = document.createElement('div');
    document.body.append(view, sidebar);
    const { adapter, panel, renderer } = await startPlainVtkApp(view, sidebar);
    const actors = () => (renderer as { getActors(): unknown[] }).getActors().length;
    expect(actors()).to.equal(2);
    expect(adapter.getLayers().map((l) => l.role)).to.deep.equal(['fixed', 'moving']);
    const [result] = await panel.run();
    expect(result.method).to.equal('elastix');
    panel.choose(0);
    expect(adapter.getLayers().map((l) => l.role)).to.deep.equal(['fixed', 'moving', 'registered']);
    expect(actors(), 'the registered layer is a new actor of the host').to.equal(3);
    const pairs = (await (await fetch('/samples/pairs.json')).json()) as { truth: TransformJSON }[];
    const fixedImage = adapter.getLayerImage(adapter.getLayers()[0].id);
    expect(cornerError(transformFromJSON(pairs[0].truth), result.transform, gridOf(fixedImage))).to.be.lessThan(0.5);
    view.remove();
    sidebar.remove();
  });
});
