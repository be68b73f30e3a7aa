'use client';

// The pieces every draft form is built from: labelled controls, the error lines (the browser's
// basics and the server's words), one-operation submits and the inline forms of the inspector.
import { cloneElement, createContext, useContext, useId, useState, type FormEvent, type ReactElement, type ReactNode } from 'react';
import { useDraftEditor } from '@/components/changes/draft-context';
import { Button } from '@/components/ui/button';
import { errorText, fieldErrors } from '@/components/ui/error-message';
import { fieldInWords } from '@/server/api/field-words';
import type { Operation } from '@/server/plan/ops';
import { validateOperations } from '@/server/plan/validate';
import type { Topology } from '@/server/topology/model';

export const CONTROL =
  'block w-full rounded-md border border-slate-300 bg-white px-2 py-1 text-sm shadow-sm focus:border-sky-500 focus:outline-none focus:ring-1 focus:ring-sky-500 disabled:bg-slate-50';

/** The server's words for a refused request: its message plus any per-field messages. */
export function serverErrors(error: unknown): string[] {
  const fields = Object.entries(fieldErrors(error)).flatMap(([k, msgs]) => msgs.map((m) => `${fieldInWords(k)}: ${m}`));
  return fields.length ? fields : [errorText(error)];
}

export function Errors({ errors }: { errors: readonly string[] }) {
  if (!errors.length) return null;
  return (
    <ul role="alert" className="space-y-0.5 text-xs text-red-700">
      {errors.map((e) => (
        <li key={e}>{e}</li>
      ))}
    </ul>
  );
}

/**
 * A label tied to its control by id, with the hint outside it (as aria-describedby), so the
 * control's accessible name is exactly `label` (a wrapping label would add the hint and value).
 */
export function Labelled({ label, children, hint }: { label: string; children: ReactElement<{ id?: string; 'aria-describedby'?: string }>; hint?: string }) {
  const id = useId();
  return (
    <div className="text-xs font-medium text-slate-700">
      <label htmlFor={id} className="mb-0.5 block">
        {label}
      </label>
      {cloneElement(children, { id, 'aria-describedby': hint ? `${id}-hint` : undefined })}
      {hint && (
        <p id={`${id}-hint`} className="mt-0.5 font-normal text-slate-500">
          {hint}
        </p>
      )}
    </div>
  );
}

export function Check({ label, checked, onChange, hint }: { label: string; checked: boolean; onChange: (v: boolean) => void; hint?: string }) {
  const id = useId();
  return (
    <div className="flex items-start gap-2 text-sm text-slate-800">
      <input id={id} type="checkbox" className="mt-1" checked={checked} onChange={(e) => onChange(e.target.checked)} aria-describedby={hint ? `${id}-hint` : undefined} />
      <div>
        <label htmlFor={id}>{label}</label>
        {hint && (
          <p id={`${id}-hint`} className="text-xs text-slate-500">
            {hint}
          </p>
        )}
      </div>
    </div>
  );
}

/** Submits one operation; local problems block it, server problems are shown in place. */
export function useDraftForm(onDone: () => void) {
  const editor = useDraftEditor();
  const [errors, setErrors] = useState<string[]>([]);
  const submit = (problems: (string | null)[], build: () => Operation | Operation[]) => {
    const local = problems.filter((p): p is string => p !== null);
    setErrors(local);
    if (local.length) return;
    const built = build();
    editor.add(Array.isArray(built) ? built : [built], { onSuccess: onDone, onError: (err) => setErrors(serverErrors(err)) });
  };
  return { errors, submit, busy: editor.adding };
}

export function FormActions({ busy, onCancel, label }: { busy: boolean; onCancel: () => void; label: string }) {
  return (
    <div className="flex justify-end gap-2 pt-2">
      <Button type="button" variant="secondary" onClick={onCancel}>
        Cancel
      </Button>
      <Button type="submit" disabled={busy}>
        {busy ? 'Adding…' : label}
      </Button>
    </div>
  );
}

export function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section className="space-y-1.5 border-t border-slate-100 pt-2.5">
      <h4 className="text-[11px] font-semibold uppercase tracking-wide text-slate-500">{title}</h4>
      {children}
    </section>
  );
}

/** One-shot add for the small inline forms: errors stay next to the control that caused them. */
export function useInlineAdd() {
  const editor = useDraftEditor();
  const [errors, setErrors] = useState<string[]>([]);
  const run = (op: Operation | Operation[] | string, onSuccess?: () => void) => {
    if (typeof op === 'string') {
      setErrors([op]);
      return;
    }
    setErrors([]);
    const ops = Array.isArray(op) ? op : [op];
    editor.add(ops, {
      onSuccess: (draft) => {
        // The server keeps an operation that does not fit and says why; show that here too.
        const errors = draft.items.slice(-ops.length).flatMap((item) => item.errors);
        if (errors.length) setErrors(errors);
        onSuccess?.();
      },
      onError: (err) => setErrors(serverErrors(err)),
    });
  };
  return { run, errors, busy: editor.adding };
}

export function InlineForm({ label, children, onSubmit, busy, errors }: { label: string; children: ReactNode; onSubmit: () => void; busy: boolean; errors: string[] }) {
  return (
    <form
      className="space-y-1"
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        onSubmit();
      }}
    >
      <div className="flex items-end gap-2">
        <div className="min-w-0 flex-1">{children}</div>
        <Button type="submit" variant="secondary" className="!px-2 !py-1 text-xs" disabled={busy}>
          {label}
        </Button>
      </div>
      <Errors errors={errors} />
    </form>
  );
}

/**
 * The host as the inspector draws it (the draft applied, when there is one): what a one-click
 * operation is checked against before it is offered.
 */
export const DrawnTopology = createContext<Topology | null>(null);

/**
 * One button that drafts `op` (or several operations, in order), with its own error line (link
 * state, disconnect, delete). An operation the validator would refuse on the drawn host is not
 * offered: the button is disabled and says why.
 */
export function ActionButton({ op, label, variant = 'secondary' }: { op: Operation | Operation[]; label: string; variant?: 'secondary' | 'danger' }) {
  const { run, errors, busy } = useInlineAdd();
  const drawn = useContext(DrawnTopology);
  const refused = drawn ? validateOperations(drawn, Array.isArray(op) ? op : [op]).checks.flatMap((c) => c.errors) : [];
  if (refused.length) {
    return (
      <div className="space-y-1" data-testid="action-refused">
        <Button type="button" variant={variant} className="!px-2 !py-1 text-xs" disabled title={refused.join(' ')}>
          {label}
        </Button>
        <p className="text-slate-500">Not possible: {refused.join(' ')}</p>
      </div>
    );
  }
  return (
    <div className="space-y-1">
      <Button type="button" variant={variant} className="!px-2 !py-1 text-xs" disabled={busy} onClick={() => run(op)}>
        {label}
      </Button>
      <Errors errors={errors} />
    </div>
  );
}

