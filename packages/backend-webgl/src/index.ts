// Importing this package registers the webgl backend in ClickTune's default
// registry; in Node it is listed as unavailable (WebGL needs a browser).
import { registerBackend } from '@clicktune/backends';
import { webglBackend } from './webgl';

registerBackend(webglBackend());

export { describeWebglRenderer, webglBackend } from './webgl';
