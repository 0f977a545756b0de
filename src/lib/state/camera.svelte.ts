/** The camera as the view sees it: which one, whether it runs, what went wrong. */
import { listCameras, openCamera, stopStream } from '../camera/camera';
import type { CameraOption } from '../camera/devices';
import { AppError, describeError } from '../errors';
import type { Settings } from './settings.svelte';

export type CameraStatus = 'idle' | 'starting' | 'live' | 'error';

export class CameraState {
  status = $state<CameraStatus>('idle');
  stream = $state.raw<MediaStream | null>(null);
  cameras = $state.raw<CameraOption[]>([]);
  deviceId = $state<string>('');
  error = $state<{ code: string; message: string } | null>(null);
  /** Whether a second camera could be chosen. */
  readonly canChoose = $derived(this.cameras.length > 1);
  #startSeq = 0;

  /** `settings` remembers the camera chosen last. */
  constructor(private readonly settings: Settings) {
    globalThis.navigator?.mediaDevices?.addEventListener?.('devicechange', () => {
      void this.refreshCameras();
      // A camera that was unplugged ends its track; onended below handles that.
    });
  }

  async start(deviceId: string | null = this.#preferred()): Promise<void> {
    const seq = ++this.#startSeq;
    this.status = 'starting';
    this.error = null;
    stopStream(this.stream);
    this.stream = null;
    try {
      const opened = await openCamera(deviceId);
      if (seq !== this.#startSeq) {
        stopStream(opened.stream); // a newer start() won
        return;
      }
      for (const track of opened.stream.getVideoTracks()) {
        track.addEventListener('ended', () => this.#lost(seq));
      }
      this.stream = opened.stream;
      this.deviceId = opened.deviceId;
      if (opened.deviceId) this.#remember(opened.deviceId);
      this.status = 'live';
      await this.refreshCameras();
    } catch (error) {
      if (seq !== this.#startSeq) return;
      this.status = 'error';
      this.error =
        error instanceof AppError
          ? { code: error.code, message: error.message }
          : { code: 'camera-failed', message: describeError(error) };
    }
  }

  async choose(deviceId: string): Promise<void> {
    this.#remember(deviceId);
    await this.start(deviceId);
  }

  stop(): void {
    this.#startSeq++;
    stopStream(this.stream);
    this.stream = null;
    this.status = 'idle';
  }

  async refreshCameras(): Promise<void> {
    try {
      this.cameras = await listCameras();
    } catch {
      this.cameras = [];
    }
  }

  #lost(seq: number): void {
    if (seq !== this.#startSeq || this.status !== 'live') return;
    this.stream = null;
    this.status = 'error';
    this.error = {
      code: 'camera-lost',
      message:
        'The camera stopped (it may have been unplugged). Reconnect it and press “Try again”.',
    };
  }

  #preferred(): string | null {
    return this.settings.data.cameraId || null;
  }

  #remember(deviceId: string): void {
    if (deviceId !== this.settings.data.cameraId) this.settings.update({ cameraId: deviceId });
  }
}
