import { describe, expect, it } from 'vitest';
import { PHOTO_MAX_SIDE, photoSize } from './photo';

describe('photoSize', () => {
  it('shrinks the longer side to the limit, keeping the shape', () => {
    expect(photoSize(8660, 5773)).toEqual({ width: PHOTO_MAX_SIDE, height: 1067 });
    expect(photoSize(3000, 6000)).toEqual({ width: 800, height: PHOTO_MAX_SIDE });
  });

  it('never enlarges a small picture', () => {
    expect(photoSize(150, 150)).toEqual({ width: 150, height: 150 });
  });
});
