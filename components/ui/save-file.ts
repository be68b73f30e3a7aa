/** Hands a file the server produced to the browser as a download. */
export function saveFile(file: { body: string; mimeType: string; filename: string }): void {
  const url = URL.createObjectURL(new Blob([file.body], { type: file.mimeType }));
  const a = document.createElement('a');
  a.href = url;
  a.download = file.filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  // Some browsers start the download after click() returns; give them a moment.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
