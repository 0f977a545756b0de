/**
 * Which camera to use, and what to say when there is none. Pure: the browser
 * calls live in camera.ts.
 */
import { AppError, describeError } from '../errors';
import type { CameraFacing } from '../settings/settings';

/** The part of MediaDeviceInfo this module needs. */
export interface DeviceLike {
  deviceId: string;
  kind: string;
  label: string;
  groupId?: string;
}

export interface CameraOption {
  deviceId: string;
  /** A label to show; browsers hide real labels until permission is granted. */
  label: string;
}

/** Video inputs only, with a readable label for each, in the browser's order. */
export function listCameraOptions(devices: readonly DeviceLike[]): CameraOption[] {
  const cams = devices.filter((d) => d.kind === 'videoinput');
  const seen = new Set<string>();
  const out: CameraOption[] = [];
  for (const [i, d] of cams.entries()) {
    // Before permission every deviceId may be '' (or repeated): keep one entry per id.
    const key = d.deviceId || `#${i}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ deviceId: d.deviceId, label: d.label.trim() || `Camera ${out.length + 1}` });
  }
  return out;
}

const FRONT = /\b(front|user|face ?time|integrated|built-?in|internal)\b/i;
const BACK = /\b(back|rear|environment|world)\b/i;

/**
 * The camera to open: the one the user chose before if it is still there,
 * else a front-facing/built-in one (people stand in front of a laptop or a
 * tablet), else the first. `null` when there is no camera at all.
 */
export function chooseCamera(
  options: readonly CameraOption[],
  preferredId?: string | null,
): CameraOption | null {
  if (options.length === 0) return null;
  if (preferredId) {
    const kept = options.find((o) => o.deviceId === preferredId);
    if (kept) return kept;
  }
  return (
    options.find((o) => FRONT.test(o.label)) ??
    options.find((o) => !BACK.test(o.label)) ??
    options[0]!
  );
}

/**
 * getUserMedia constraints for a chosen camera, else for a side (`facing`,
 * exact: fails with OverconstrainedError where there is no such camera),
 * else for any camera, the front one preferred.
 */
export function videoConstraints(
  deviceId: string | null | undefined,
  facing?: CameraFacing | null,
): MediaStreamConstraints {
  const video: MediaTrackConstraints = {
    width: { ideal: 1280 },
    height: { ideal: 720 },
    frameRate: { ideal: 30 },
  };
  // An exact id fails with OverconstrainedError if that camera is gone; camera.ts
  // then retries without it.
  if (deviceId) video.deviceId = { exact: deviceId };
  else if (facing) video.facingMode = { exact: facing };
  else video.facingMode = 'user';
  return { video, audio: false };
}

/** A track's reported side, or '' where the browser does not say (desktop webcams). */
export function trackFacing(reported: string | undefined): CameraFacing | '' {
  return reported === 'user' || reported === 'environment' ? reported : '';
}

/**
 * What the camera switch opens next: the other side where the current camera
 * reports its side (tablets, phones), else the next camera in the list
 * (desktops with two webcams); null when there is nothing to switch to.
 */
export function switchTarget(
  options: readonly CameraOption[],
  currentId: string,
  facing: CameraFacing | '',
): { facing: CameraFacing } | { deviceId: string } | null {
  if (facing) return { facing: facing === 'user' ? 'environment' : 'user' };
  if (options.length < 2) return null;
  const i = options.findIndex((o) => o.deviceId === currentId);
  return { deviceId: options[(i + 1) % options.length]!.deviceId };
}

type CameraErrorCode =
  | 'camera-denied'
  | 'camera-missing'
  | 'camera-busy'
  | 'camera-insecure'
  | 'camera-unsupported'
  | 'camera-failed';

/** Turns whatever getUserMedia threw into a message the user can act on. */
export function describeCameraError(error: unknown): AppError {
  const name = (error as { name?: string } | null)?.name ?? '';
  const make = (code: CameraErrorCode, msg: string) => new AppError(code, msg, { cause: error });
  switch (name) {
    case 'NotAllowedError':
    case 'PermissionDeniedError':
      return make(
        'camera-denied',
        'Camera access was denied. Allow the camera for this site in the browser’s address bar or settings, then press “Try again”.',
      );
    case 'NotFoundError':
    case 'DevicesNotFoundError':
    case 'OverconstrainedError':
      return make(
        'camera-missing',
        'No camera was found. Connect a camera (or close the app that hides it), then press “Try again”.',
      );
    case 'NotReadableError':
    case 'TrackStartError':
    case 'AbortError':
      return make(
        'camera-busy',
        'The camera could not be started. Another app may be using it; close it and press “Try again”.',
      );
    case 'SecurityError':
      return make(
        'camera-insecure',
        'The browser blocks the camera on this page. Open the app over https:// or from localhost.',
      );
    case 'TypeError':
      return make('camera-unsupported', 'This browser does not offer camera access here.');
    default:
      return make('camera-failed', `The camera could not be started (${describeError(error)}).`);
  }
}
