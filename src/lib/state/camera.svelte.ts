/** The camera as the view sees it: which one, whether it runs, what went wrong. */
import { listCameras, openCamera, stopStream } from '../camera/camera';
import { switchTarget, type CameraOption } from '../camera/devices';
import type { CameraFacing } from '../settings/settings';
import { AppError, describeError } from '../errors';
import type { Settings } from './settings.svelte';

type CameraStatus = 'idle' | 'starting' | 'live' | 'error';

export class CameraState {
  status = $state<CameraStatus>('idle');
  stream = $state.raw<MediaStream | null>(null);
  cameras = $state.raw<CameraOption[]>([]);
  deviceId = $state<string>('');
  error = $state<{ code: string; message: string } | null>(null);
  /** The running camera's side, where the browser reports one. */
  facing = $state<CameraFacing | ''>('');
  /** Whether a second camera could be chosen. */
  readonly canChoose = $derived(this.cameras.length > 1);
  /** Whether the front/back switch is shown: several cameras, or one that reports its side. */
  readonly canSwitch = $derived(this.cameras.length > 1 || this.facing !== '');
  #startSeq = 0;

  /** `settings` remembers the camera chosen last. */
  constructor(private readonly settings: Settings) {
    globalThis.navigator?.mediaDevices?.addEventListener?.('devicechange', () => {
      void this.refreshCameras();
      // A camera that was unplugged ends its track; onended below handles that.
    });
  }

  async start(
    deviceId: string | null = this.#preferred(),
    facing: CameraFacing | null = this.settings.data.facingMode || null,
  ): Promise<void> {
    const seq = ++this.#startSeq;
    this.status = 'starting';
    this.error = null;
    stopStream(this.stream);
    this.stream = null;
    try {
      const opened = await openCamera(deviceId, facing);
      if (seq !== this.#startSeq) {
        stopStream(opened.stream); // a newer start() won
        return;
      }
      for (const track of opened.stream.getVideoTracks()) {
        track.addEventListener('ended', () => this.#lost(seq));
      }
      this.stream = opened.stream;
      this.deviceId = opened.deviceId;
      this.facing = opened.facing;
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

  /**
   * The camera switch: the other side (front ↔ back) where the camera says
   * which it is, else the next camera. Both the side and the camera opened
   * are remembered for the next start.
   */
  async switchCamera(): Promise<void> {
    const target = switchTarget(this.cameras, this.deviceId, this.facing);
    if (!target) return;
    if ('facing' in target) {
      this.settings.update({ facingMode: target.facing, cameraId: '' });
      await this.start(null, target.facing);
    } else {
      await this.choose(target.deviceId);
    }
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
