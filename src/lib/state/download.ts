/** Saves a file the page made (a backup, a CSV) through the browser's download. */
export function download(file: Blob, name: string): void {
  const url = URL.createObjectURL(file);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  // The browser has started reading it; keep the URL a while for slow disks.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
