import type { InputHTMLAttributes, ReactNode, SelectHTMLAttributes } from 'react';

const CONTROL =
  'mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm shadow-sm focus:border-sky-500 focus:outline-none focus:ring-1 focus:ring-sky-500';

export function Field({
  label,
  error,
  hint,
  children,
}: {
  label: string;
  error?: string[] | undefined;
  hint?: string;
  children: ReactNode;
}) {
  // Hint and errors sit outside the <label> so the control's accessible name is just `label`.
  return (
    <div>
      <label className="block text-sm font-medium text-slate-700">
        {label}
        {children}
      </label>
      {hint && !error && <p className="mt-1 text-xs text-slate-500">{hint}</p>}
      {error?.map((message) => (
        <p key={message} role="alert" className="mt-1 text-xs text-red-700">
          {message}
        </p>
      ))}
    </div>
  );
}

export function TextInput(props: InputHTMLAttributes<HTMLInputElement>) {
  return <input className={CONTROL} {...props} />;
}

export function Select(props: SelectHTMLAttributes<HTMLSelectElement>) {
  return <select className={CONTROL} {...props} />;
}
