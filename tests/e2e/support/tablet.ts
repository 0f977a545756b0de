/**
 * Tablet checks shared by tablet.e2e.ts (Chromium) and engines.e2e.ts
 * (Firefox, WebKit). The `…InPage` functions run in the page, through
 * Playwright or the engines adapter (tests/e2e/support/engines/engine.ts), so
 * each is one plain function with no closure.
 *
 * Touch targets: a finger needs 44×44 CSS pixels (Apple's and WCAG 2.5.5's figure).
 */
export const TOUCH_PX = 44;

/**
 * Visible controls smaller than `min`×`min`. A checkbox or radio counts with
 * the label around it (the label is what a finger taps); controls scrolled out
 * of the page (the skip link until focused) are not on screen.
 */
export function smallTargetsInPage(min: number): string[] {
  const sel =
    'a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button], [tabindex]:not([tabindex="-1"])';
  const out: string[] = [];
  for (const el of document.querySelectorAll<HTMLElement>(sel)) {
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none') continue;
    let target: HTMLElement = el;
    if (el instanceof HTMLInputElement && ['checkbox', 'radio'].includes(el.type)) {
      target = el.closest('label') ?? el;
    }
    // A file input hidden behind its styled label: the label is the target.
    if (el instanceof HTMLInputElement && el.type === 'file' && el.labels?.[0]) {
      const r0 = el.getBoundingClientRect();
      if (r0.width <= 1 || r0.height <= 1) target = el.labels[0];
    }
    const r = target.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    if (r.right <= 0) continue;
    if (el.closest('.visually-hidden')) continue;
    if (r.width < min - 0.5 || r.height < min - 0.5) {
      const name = (el.getAttribute('aria-label') ?? el.textContent ?? '').trim().slice(0, 40);
      const id = el.dataset.testid ? `[${el.dataset.testid}]` : '';
      out.push(
        `${el.tagName.toLowerCase()}${id} "${name}" ${Math.round(r.width)}×${Math.round(r.height)}`,
      );
    }
  }
  return out;
}

interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The live view's stage, the picture rectangle the face boxes are placed in, and the video's size. */
export function cameraLayoutInPage(): {
  stage: Rect;
  picture: Rect;
  video: { w: number; h: number };
  boxes: Rect[];
} {
  const rect = (el: Element | null): Rect => {
    const r = el!.getBoundingClientRect();
    return { x: r.x, y: r.y, width: r.width, height: r.height };
  };
  const v = document.querySelector<HTMLVideoElement>('[data-testid="camera-video"]')!;
  return {
    stage: rect(document.querySelector('[data-testid="camera-stage"]')),
    picture: rect(document.querySelector('[data-testid="camera-picture"]')),
    video: { w: v.videoWidth, h: v.videoHeight },
    boxes: [...document.querySelectorAll('[data-testid="face-box"]')].map((b) => rect(b)),
  };
}

/**
 * Where the face boxes can go wrong: the picture rectangle must be the video as
 * shown (object-fit: contain: the video's shape, as large as the stage allows,
 * centred), else boxes land off the faces; and every box inside it.
 */
export function pictureProblems(l: ReturnType<typeof cameraLayoutInPage>): string[] {
  const out: string[] = [];
  const k = Math.min(l.stage.width / l.video.w, l.stage.height / l.video.h);
  const want = { width: l.video.w * k, height: l.video.h * k };
  if (Math.abs(l.picture.width - want.width) > 2 || Math.abs(l.picture.height - want.height) > 2)
    out.push(
      `picture ${l.picture.width.toFixed(0)}×${l.picture.height.toFixed(0)}, the video shows ${want.width.toFixed(0)}×${want.height.toFixed(0)}`,
    );
  const cx = (r: Rect) => r.x + r.width / 2;
  const cy = (r: Rect) => r.y + r.height / 2;
  if (Math.abs(cx(l.picture) - cx(l.stage)) > 2 || Math.abs(cy(l.picture) - cy(l.stage)) > 2)
    out.push('picture not centred in the stage');
  for (const b of l.boxes) {
    if (
      b.x < l.picture.x - 1 ||
      b.y < l.picture.y - 1 ||
      b.x + b.width > l.picture.x + l.picture.width + 1 ||
      b.y + b.height > l.picture.y + l.picture.height + 1
    )
      out.push(
        `a face box (${b.x.toFixed(0)},${b.y.toFixed(0)} ${b.width.toFixed(0)}×${b.height.toFixed(0)}) outside the picture`,
      );
  }
  return out;
}
