/**
 * Object URLs for face crops (Blobs from memory.worker), made once per sample
 * and revoked when no longer shown, so pages of pictures do not leak memory.
 */
export class CropUrls {
  #urls = new Map<number, string>();

  constructor(private readonly fetchCrop: (id: number) => Promise<Blob | undefined>) {}

  /** URLs for these ids (missing crops left out); others are revoked. */
  async load(ids: readonly number[]): Promise<Map<number, string>> {
    const next = new Map<number, string>();
    for (const id of ids) {
      let url = this.#urls.get(id);
      if (!url) {
        const blob = await this.fetchCrop(id);
        if (blob) url = URL.createObjectURL(blob);
      }
      if (url) next.set(id, url);
    }
    for (const [id, url] of this.#urls) if (!next.has(id)) URL.revokeObjectURL(url);
    this.#urls = next;
    return new Map(next);
  }

  dispose(): void {
    for (const url of this.#urls.values()) URL.revokeObjectURL(url);
    this.#urls.clear();
  }
}
