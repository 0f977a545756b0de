/** The browser side of the camera: open, list, stop. Decisions live in devices.ts. */
import {
  chooseCamera,
  describeCameraError,
  listCameraOptions,
  videoConstraints,
  type CameraOption,
} from './devices';

export interface OpenedCamera {
  stream: MediaStream;
  /** The id of the camera actually opened ('' if the browser does not say). */
  deviceId: string;
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
 * Opens the preferred camera, falling back to any camera when the preferred
 * one is gone. Throws an AppError whose message tells the user what to do.
 */
export async function openCamera(preferredId?: string | null): Promise<OpenedCamera> {
  const md = mediaDevices();
  let chosen: string | null = null;
  try {
    // Labels and ids are only known after a first grant; before that this picks nothing.
    chosen =
      chooseCamera(listCameraOptions(await md.enumerateDevices()), preferredId)?.deviceId || null;
  } catch {
    chosen = null;
  }
  let stream: MediaStream;
  try {
    stream = await md.getUserMedia(videoConstraints(chosen));
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (!chosen || (name !== 'OverconstrainedError' && name !== 'NotFoundError')) {
      throw describeCameraError(error);
    }
    try {
      stream = await md.getUserMedia(videoConstraints(null));
    } catch (again) {
      throw describeCameraError(again);
    }
  }
  const track = stream.getVideoTracks()[0];
  return { stream, deviceId: track?.getSettings().deviceId ?? '' };
}

export function stopStream(stream: MediaStream | null | undefined): void {
  for (const t of stream?.getTracks() ?? []) t.stop();
}
