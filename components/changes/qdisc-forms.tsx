'use client';

// Shaping an interface from its details: the root qdisc in people's units (a rate in Mbit/s, a
// burst in KiB, delays in ms, loss in percent), drafted as `setQdisc`, and "Take it off"
// (`removeQdisc`) where the device has a root of its own. The browser only turns units into
// the API's fields; the server says what a device cannot take (a VM's tap libvirt shapes, a
// tree it could not put back exactly).
import { useState } from 'react';
import { useOptionalDraftEditor } from '@/components/changes/draft-context';
import { ActionButton, CONTROL, InlineForm, useInlineAdd } from '@/components/changes/form-parts';
import type { Operation } from '@/server/plan/ops';
import { policingOf } from '@/server/plan/ingress-police';
import { isKernelDefault, rootTreeOf } from '@/server/plan/tc';
import type { Topology } from '@/server/topology/model';

const KINDS = {
  tbf: 'rate limit (tbf)',
  netem: 'delay and loss (netem)',
  fq_codel: 'fair queueing (fq_codel)',
  htb: 'classes (htb)',
  prio: 'priority bands (prio)',
  cake: 'smart queue with a bandwidth (cake)',
} as const;
type ShapeKind = keyof typeof KINDS;

/** A number from a field, or null when empty; NaN when it is not one. */
const numberIn = (text: string): number | null => (text.trim() === '' ? null : Number(text.replace(',', '.')));

/** The operation the fields describe, or a sentence saying which field is wrong. */
export function shapingOperation(dev: string, kind: ShapeKind, f: Record<string, string>): Operation | string {
  const n = (key: string) => numberIn(f[key] ?? '');
  const bad = (label: string) => `${label} must be a number.`;
  switch (kind) {
    case 'tbf': {
      const mbit = n('rateMbit');
      if (mbit === null) return 'A rate limit needs a rate in Mbit/s.';
      if (Number.isNaN(mbit)) return bad('The rate');
      const burstKib = n('burstKib');
      const latencyMs = n('latencyMs');
      if (Number.isNaN(burstKib) || Number.isNaN(latencyMs)) return bad(Number.isNaN(burstKib) ? 'The burst' : 'The latency');
      return {
        kind: 'setQdisc',
        dev,
        qdisc: { kind: 'tbf', rateKbit: Math.round(mbit * 1000), ...(burstKib !== null ? { burstBytes: Math.round(burstKib * 1024) } : {}), ...(latencyMs !== null ? { latencyMs } : {}) },
      };
    }
    case 'netem': {
      const delayMs = n('delayMs') ?? 0;
      const jitterMs = n('jitterMs');
      const lossPercent = n('lossPercent');
      if ([delayMs, jitterMs, lossPercent].some((v) => Number.isNaN(v))) return bad('Delay, jitter and loss');
      return { kind: 'setQdisc', dev, qdisc: { kind: 'netem', delayMs, ...(jitterMs !== null ? { jitterMs } : {}), ...(lossPercent !== null ? { lossPercent } : {}) } };
    }
    case 'htb':
      return { kind: 'setQdisc', dev, qdisc: { kind: 'htb' } };
    case 'fq_codel':
      return { kind: 'setQdisc', dev, qdisc: { kind: 'fq_codel' } };
    case 'prio':
      return { kind: 'setQdisc', dev, qdisc: { kind: 'prio' } };
    case 'cake': {
      const mbit = n('bandwidthMbit');
      const rttMs = n('rttMs');
      if (Number.isNaN(mbit) || Number.isNaN(rttMs)) return bad(Number.isNaN(mbit) ? 'The bandwidth' : 'The round trip');
      return { kind: 'setQdisc', dev, qdisc: { kind: 'cake', ...(mbit !== null ? { bandwidthKbit: Math.round(mbit * 1000) } : {}), ...(rttMs !== null ? { rttMs } : {}) } };
    }
  }
}

const FIELDS: Record<ShapeKind, { key: string; label: string; placeholder: string }[]> = {
  tbf: [
    { key: 'rateMbit', label: 'Rate (Mbit/s)', placeholder: 'rate, Mbit/s' },
    { key: 'burstKib', label: 'Burst (KiB)', placeholder: 'burst, KiB (auto)' },
    { key: 'latencyMs', label: 'Latency (ms)', placeholder: 'latency, ms (50)' },
  ],
  netem: [
    { key: 'delayMs', label: 'Delay (ms)', placeholder: 'delay, ms' },
    { key: 'jitterMs', label: 'Jitter (ms)', placeholder: '± jitter, ms' },
    { key: 'lossPercent', label: 'Loss (%)', placeholder: 'loss, %' },
  ],
  fq_codel: [],
  htb: [],
  prio: [],
  cake: [
    { key: 'bandwidthMbit', label: 'Bandwidth (Mbit/s)', placeholder: 'bandwidth, Mbit/s (none)' },
    { key: 'rttMs', label: 'Round trip (ms)', placeholder: 'round trip, ms (100)' },
  ],
};

export function ShapingEditor({ topology, dev }: { topology: Topology; dev: string }) {
  const editor = useOptionalDraftEditor();
  const [kind, setKind] = useState<ShapeKind>('tbf');
  const [fields, setFields] = useState<Record<string, string>>({});
  const { run, errors, busy } = useInlineAdd();
  if (!editor?.canEdit) return null;
  // The kernel's own default root is nothing of the admin's to take off.
  const tree = rootTreeOf(topology, dev);
  const root = isKernelDefault(tree) ? undefined : tree.qdiscs.find((q) => q.root);
  return (
    <div data-testid="shaping-editor" className="space-y-1 text-xs">
      <h5 className="font-medium text-slate-600">Shape {dev}</h5>
      <InlineForm label="Set" busy={busy} errors={errors} onSubmit={() => run(shapingOperation(dev, kind, fields))}>
        <div className="grid grid-cols-2 gap-1">
          <select
            aria-label="Shaping"
            className={CONTROL}
            value={kind}
            onChange={(e) => {
              setKind(e.target.value as ShapeKind);
              setFields({});
            }}
          >
            {Object.entries(KINDS).map(([k, label]) => (
              <option key={k} value={k}>
                {label}
              </option>
            ))}
          </select>
          {FIELDS[kind].map((f) => (
            <input
              key={f.key}
              aria-label={f.label}
              placeholder={f.placeholder}
              inputMode="decimal"
              className={CONTROL}
              value={fields[f.key] ?? ''}
              onChange={(e) => setFields({ ...fields, [f.key]: e.target.value.trim() })}
            />
          ))}
        </div>
      </InlineForm>
      {root && <ActionButton op={{ kind: 'removeQdisc', dev }} label={`Take the ${root.kind} off`} variant="danger" />}
    </div>
  );
}

/** The cap on what a device receives, from Mbit/s and an optional burst in KiB; or which field is wrong. */
export function policingOperation(dev: string, f: { rateMbit?: string; burstKib?: string }): Operation | string {
  const mbit = numberIn(f.rateMbit ?? '');
  const burstKib = numberIn(f.burstKib ?? '');
  if (mbit === null) return 'Policing needs a rate in Mbit/s.';
  if (Number.isNaN(mbit)) return 'The rate must be a number.';
  if (Number.isNaN(burstKib)) return 'The burst must be a number.';
  return { kind: 'setIngressPolicing', dev, rateKbit: Math.round(mbit * 1000), ...(burstKib !== null ? { burstBytes: Math.round(burstKib * 1024) } : {}) };
}

/** Policing what a device receives: set or change the cap, or take it off. Hidden where tc rules Switchboard did not set are there. */
export function PolicingEditor({ topology, dev }: { topology: Topology; dev: string }) {
  const editor = useOptionalDraftEditor();
  const [fields, setFields] = useState<{ rateMbit?: string; burstKib?: string }>({});
  const { run, errors, busy } = useInlineAdd();
  const now = policingOf(topology, dev);
  if (!editor?.canEdit || 'why' in now) return null;
  return (
    <div data-testid="policing-editor" className="space-y-1 text-xs">
      <h5 className="font-medium text-slate-600">Police what {dev} receives</h5>
      <InlineForm label={now.policing ? 'Change' : 'Police'} busy={busy} errors={errors} onSubmit={() => run(policingOperation(dev, fields))}>
        <div className="grid grid-cols-2 gap-1">
          <input aria-label="Incoming rate (Mbit/s)" placeholder="rate, Mbit/s" inputMode="decimal" className={CONTROL} value={fields.rateMbit ?? ''} onChange={(e) => setFields({ ...fields, rateMbit: e.target.value.trim() })} />
          <input aria-label="Incoming burst (KiB)" placeholder="burst, KiB (auto)" inputMode="decimal" className={CONTROL} value={fields.burstKib ?? ''} onChange={(e) => setFields({ ...fields, burstKib: e.target.value.trim() })} />
        </div>
      </InlineForm>
      {now.policing && <ActionButton op={{ kind: 'removeIngressPolicing', dev }} label="Stop policing" variant="danger" />}
    </div>
  );
}
