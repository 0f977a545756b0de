/** The browser side of the camera: open, list, stop. Decisions live in devices.ts. */
import {
  chooseCamera,
  describeCameraError,
  listCameraOptions,
  trackFacing,
  videoConstraints,
  type CameraOption,
} from './devices';
import type { CameraFacing } from '../settings/settings';

interface OpenedCamera {
  stream: MediaStream;
  /** The id of the camera actually opened ('' if the browser does not say). */
  deviceId: string;
  /** Its side, where the browser reports one. */
  facing: CameraFacing | '';
}

function mediaDevices(): MediaDevices {
  if (!globalThis.navigator?.mediaDevices?.getUserMedia) {
    // The same shape as the browser's own error for a missing API.
    throw describeCameraError(new TypeError('navigator.mediaDevices is not available'));
  }
  return navigator.mediaDevices;
}

export async function listCameras(): Promise<CameraOption[]> {
  return listCameraOptions(await mediaDevices().enumerateDevices());
}

/**
 * Opens the preferred camera, else the camera on the preferred side (the
 * camera switch's choice), falling back to any camera when neither is there.
 * Throws an AppError whose message tells the user what to do.
 */
export async function openCamera(
  preferredId?: string | null,
  facing?: CameraFacing | null,
): Promise<OpenedCamera> {
  const md = mediaDevices();
  let chosen: string | null = null;
  // A side asked for without an id: the browser picks the camera (labels say nothing reliable).
  if (preferredId || !facing) {
    try {
      // Labels and ids are only known after a first grant; before that this picks nothing.
      chosen =
        chooseCamera(listCameraOptions(await md.enumerateDevices()), preferredId)?.deviceId || null;
    } catch {
      chosen = null;
    }
  }
  let stream: MediaStream;
  try {
    stream = await md.getUserMedia(videoConstraints(chosen, facing));
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (!(chosen || facing) || (name !== 'OverconstrainedError' && name !== 'NotFoundError')) {
      throw describeCameraError(error);
    }
    try {
      stream = await md.getUserMedia(videoConstraints(null));
    } catch (again) {
      throw describeCameraError(again);
    }
  }
  const track = stream.getVideoTracks()[0];
  const settings = track?.getSettings();
  return { stream, deviceId: settings?.deviceId ?? '', facing: trackFacing(settings?.facingMode) };
}

export function stopStream(stream: MediaStream | null | undefined): void {
  for (const t of stream?.getTracks() ?? []) t.stop();
}
