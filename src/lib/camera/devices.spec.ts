import { describe, expect, it } from 'vitest';
import {
  chooseCamera,
  describeCameraError,
  listCameraOptions,
  switchTarget,
  trackFacing,
  videoConstraints,
  type DeviceLike,
} from './devices';

const cam = (deviceId: string, label = ''): DeviceLike => ({ deviceId, kind: 'videoinput', label });
const mic = (deviceId: string): DeviceLike => ({ deviceId, kind: 'audioinput', label: 'Mic' });

describe('listCameraOptions', () => {
  it('keeps only video inputs and names unlabelled ones', () => {
    const got = listCameraOptions([mic('m'), cam('a', 'HD Webcam'), cam('b')]);
    expect(got).toEqual([
      { deviceId: 'a', label: 'HD Webcam' },
      { deviceId: 'b', label: 'Camera 2' },
    ]);
  });

  it('keeps one entry per id (before permission ids can repeat as empty)', () => {
    expect(listCameraOptions([cam('x', 'A'), cam('x', 'A')])).toHaveLength(1);
    expect(listCameraOptions([cam(''), cam('')])).toHaveLength(2);
  });
});

describe('chooseCamera', () => {
  const rear = { deviceId: 'r', label: 'Back Camera' };
  const front = { deviceId: 'f', label: 'Front Camera' };
  const usb = { deviceId: 'u', label: 'USB Video' };

  it('returns null when there is no camera', () => {
    expect(chooseCamera([])).toBeNull();
  });

  it('keeps the camera chosen before while it is plugged in', () => {
    expect(chooseCamera([front, rear], 'r')).toBe(rear);
  });

  it('falls back when the chosen camera is gone', () => {
    expect(chooseCamera([rear, front], 'gone')).toBe(front);
  });

  it('prefers a front-facing camera, then any that is not rear-facing', () => {
    expect(chooseCamera([rear, front])).toBe(front);
    expect(chooseCamera([rear, usb])).toBe(usb);
    expect(chooseCamera([rear])).toBe(rear);
  });
});

describe('videoConstraints', () => {
  it('asks for the exact camera when one is chosen', () => {
    const c = videoConstraints('abc').video as MediaTrackConstraints;
    expect(c.deviceId).toEqual({ exact: 'abc' });
    expect(c.facingMode).toBeUndefined();
  });

  it('asks for the user-facing camera otherwise', () => {
    const c = videoConstraints(null).video as MediaTrackConstraints;
    expect(c.deviceId).toBeUndefined();
    expect(c.facingMode).toBe('user');
  });
});

describe('describeCameraError', () => {
  const named = (name: string) => Object.assign(new Error('x'), { name });

  it.each([
    ['NotAllowedError', 'camera-denied', /denied/],
    ['NotFoundError', 'camera-missing', /No camera/],
    ['OverconstrainedError', 'camera-missing', /No camera/],
    ['NotReadableError', 'camera-busy', /Another app/],
    ['SecurityError', 'camera-insecure', /https/],
    ['TypeError', 'camera-unsupported', /does not offer/],
    ['WeirdError', 'camera-failed', /could not be started/],
  ])('%s → %s', (name, code, text) => {
    const e = describeCameraError(named(name));
    expect(e.code).toBe(code);
    expect(e.message).toMatch(text);
  });
});

describe('the camera switch', () => {
  const opts = [
    { deviceId: 'a', label: 'Front' },
    { deviceId: 'b', label: 'Back' },
    { deviceId: 'c', label: 'USB' },
  ];
  it('flips the side where the camera reports one', () => {
    expect(switchTarget(opts, 'a', 'user')).toEqual({ facing: 'environment' });
    expect(switchTarget([], '', 'environment')).toEqual({ facing: 'user' });
  });
  it('goes to the next camera where no side is reported, and nowhere with one camera', () => {
    expect(switchTarget(opts, 'a', '')).toEqual({ deviceId: 'b' });
    expect(switchTarget(opts, 'c', '')).toEqual({ deviceId: 'a' });
    expect(switchTarget(opts, 'gone', '')).toEqual({ deviceId: 'a' });
    expect(switchTarget(opts.slice(0, 1), 'a', '')).toBeNull();
  });
  it('asks for the side exactly, and reads only the two sides', () => {
    expect(videoConstraints(null, 'environment').video).toMatchObject({
      facingMode: { exact: 'environment' },
    });
    expect(videoConstraints('b', 'environment').video).toMatchObject({ deviceId: { exact: 'b' } });
    expect(videoConstraints(null).video).toMatchObject({ facingMode: 'user' });
    expect([
      trackFacing('user'),
      trackFacing('environment'),
      trackFacing('left'),
      trackFacing(undefined),
    ]).toEqual(['user', 'environment', '', '']);
  });
});
