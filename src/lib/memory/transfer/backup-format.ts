/**
 * What export.ts writes and import-backup.ts reads back, beyond the archive's own
 * format (transfer/archive.ts): how face images are named in the file.
 */

/** Image types of face crops and the file extension each gets in an export. */
const CROP_EXT: Readonly<Record<string, string>> = {
  'image/png': 'png',
  'image/webp': 'webp',
  'image/jpeg': 'jpg',
};

/** A crop's path in the file: `<sampleId>.<ext>`, or `unl/<queuedFaceId>.<ext>` for a queued face. */
export function cropPath(id: number, queued: boolean, type: string): string {
  return `${queued ? 'unl/' : ''}${id}.${CROP_EXT[type] ?? 'img'}`;
}

/** A crop's image type, from its bytes (else from its path's extension; '' when unknown). */
export function cropType(bytes: Uint8Array, path: string): string {
  const b = bytes;
  if (b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return 'image/png';
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (b[0] === 0x52 && b[1] === 0x49 && b[8] === 0x57 && b[9] === 0x45) return 'image/webp';
  const ext = /\.([a-z]+)$/i.exec(path)?.[1]?.toLowerCase();
  return Object.entries(CROP_EXT).find(([, e]) => e === ext)?.[0] ?? '';
}
