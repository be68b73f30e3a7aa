/** A host key fingerprint, monospaced and selectable, as ssh-keygen -lf prints it. */
export function Fingerprint({ value, testId }: { value: string; testId?: string }) {
  return (
    <code data-testid={testId} className="break-all rounded bg-slate-100 px-1.5 py-0.5 font-mono text-xs text-slate-800 select-all">
      {value}
    </code>
  );
}
