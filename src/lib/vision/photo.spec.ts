import { describe, expect, it } from 'vitest';
import { PHOTO_MAX_SIDE, photoBatchSummary, photoSize } from './photo';

describe('photoSize', () => {
  it('shrinks the longer side to the limit, keeping the shape', () => {
    expect(photoSize(8660, 5773)).toEqual({ width: PHOTO_MAX_SIDE, height: 1067 });
    expect(photoSize(3000, 6000)).toEqual({ width: 800, height: PHOTO_MAX_SIDE });
  });

  it('never enlarges a small picture', () => {
    expect(photoSize(150, 150)).toEqual({ width: 150, height: 150 });
  });
});

describe('photoBatchSummary', () => {
  it('counts the faces and names each skipped file with its reason', () => {
    expect(
      photoBatchSummary({
        faces: 3,
        noFace: [],
        skipped: ['notes.jpg is not a picture this browser can read.'],
      }),
    ).toBe(
      '3 faces added to label; 1 file skipped: notes.jpg is not a picture this browser can read.',
    );
    expect(
      photoBatchSummary({
        faces: 1,
        noFace: ['wall.png'],
        skipped: [
          'a.txt is not a picture this browser can read.',
          'b.heic is a HEIC picture, which this browser cannot decode.',
        ],
      }),
    ).toBe(
      '1 face added to label; no face found in wall.png; 2 files skipped: a.txt is not a picture this browser can read; b.heic is a HEIC picture, which this browser cannot decode.',
    );
    expect(photoBatchSummary({ faces: 0, noFace: ['wall.png'], skipped: [] })).toBe(
      'No face added; no face found in wall.png.',
    );
  });
});
