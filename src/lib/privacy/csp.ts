/**
 * The Content-Security-Policy: the app loads and talks only to its own origin. The one
 * exception is the DINOv3 download, which the app starts only when the user asks for it:
 * huggingface.co answers with a redirect to its CDN and storage hosts (`*.hf.co`,
 * `*.huggingface.co`), and CSP applies to every hop.
 *
 * One source for the three places it is sent: the header in `vite dev`/`vite preview`
 * (vite.config.ts), `public/_headers` for static hosts, and the `<meta>` in index.html for
 * hosts that send no headers (a unit test keeps those two files equal to this).
 */
export const MODEL_DOWNLOAD_HOSTS = [
  'https://huggingface.co',
  'https://*.huggingface.co',
  'https://*.hf.co',
] as const;

export const CSP_DIRECTIVES: ReadonlyArray<readonly [string, string]> = [
  ['default-src', "'self'"],
  // WebAssembly (ONNX Runtime, FAISS, sql.js) compiles under 'wasm-unsafe-eval'; no JS eval.
  ['script-src', "'self' 'wasm-unsafe-eval'"],
  // The memory, vision and ONNX Runtime thread workers are files of the app.
  ['worker-src', "'self'"],
  ['connect-src', `'self' ${MODEL_DOWNLOAD_HOSTS.join(' ')}`],
  // Face crops are shown from blob: URLs; data: for small inline icons.
  ['img-src', "'self' blob: data:"],
  ['media-src', "'self' blob: mediastream:"],
  // Vite's dev server injects CSS as <style> elements and Svelte sets style attributes.
  ['style-src', "'self' 'unsafe-inline'"],
  ['font-src', "'self'"],
  ['manifest-src', "'self'"],
  ['object-src', "'none'"],
  ['base-uri', "'self'"],
  ['form-action', "'self'"],
];

/** Only a header can carry these (a <meta> policy ignores them). */
const HEADER_ONLY_DIRECTIVES: ReadonlyArray<readonly [string, string]> = [
  ['frame-ancestors', "'none'"],
];

const join = (list: ReadonlyArray<readonly [string, string]>) =>
  list.map(([k, v]) => `${k} ${v}`).join('; ');

/** The policy as sent in the Content-Security-Policy header. */
export const CSP_HEADER = join([...CSP_DIRECTIVES, ...HEADER_ONLY_DIRECTIVES]);

/** The policy as written in index.html's <meta http-equiv="Content-Security-Policy">. */
export const CSP_META = join(CSP_DIRECTIVES);
