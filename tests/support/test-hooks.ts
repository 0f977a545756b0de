/**
 * What `virtual:test-hooks` resolves to in the e2e build (`vite build --mode e2e`):
 * the workers' APIs become globals of their worker, so that Playwright's
 * `worker.evaluate('self.memoryApi.verify()')` can reach them. The app's build
 * resolves the module to a no-op instead (vite.config.ts), so none of this ships.
 */
export function installTestHooks(hooks: Record<string, unknown>): void {
  Object.assign(self, hooks);
}

/** localStorage key: a data: URL of the picture the test camera shows (e2e build only). */
const TEST_CAMERA_KEY = 'visio.e2e.camera';

/**
 * Page-side seam, called once from main.ts: when a test has stored a picture
 * under TEST_CAMERA_KEY, getUserMedia answers with a canvas captureStream()
 * drawing it at 30 fps (a webcam's rate), so engines whose fake cameras show only test patterns
 * (Firefox's media.navigator.streams.fake, WebKit's mock capture devices) get
 * a face through the app's real camera module and frame pump.
 */
export function installPageHooks(): void {
  let url: string | null = null;
  try {
    url = localStorage.getItem(TEST_CAMERA_KEY);
  } catch {
    return;
  }
  const md = navigator.mediaDevices as MediaDevices | undefined;
  if (!url || !md) return;
  const img = new Image();
  img.src = url;
  const device = {
    deviceId: 'e2e-canvas-camera',
    groupId: 'e2e',
    kind: 'videoinput',
    label: 'Test camera (canvas)',
    toJSON: () => ({}),
  } as MediaDeviceInfo;
  md.enumerateDevices = () => Promise.resolve([device]);
  md.getUserMedia = async () => {
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = 640;
    canvas.height = 480;
    const ctx = canvas.getContext('2d')!;
    const scale =
      Math.min(canvas.width / img.naturalWidth, canvas.height / img.naturalHeight) * 0.8;
    const w = img.naturalWidth * scale;
    const h = img.naturalHeight * scale;
    const draw = () => {
      ctx.fillStyle = '#808080';
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      ctx.drawImage(img, (canvas.width - w) / 2, (canvas.height - h) / 2, w, h);
    };
    draw();
    // A canvas stream only yields frames when the canvas changes: redraw on a timer.
    const timer = setInterval(draw, 1000 / 30);
    const stream = canvas.captureStream(30);
    for (const t of stream.getVideoTracks()) {
      const stop = t.stop.bind(t);
      t.stop = () => {
        clearInterval(timer);
        stop();
      };
    }
    return stream;
  };
}

/** The memory worker's crash seams: a transaction held before commit, a dump of the store. */
export { memorySeams } from './memory-seams';
