// The operations an operator can draft against a host's network. Pure data, validated by zod at
// the API boundary; the validator checks them against a topology, the renderer turns them into
// argv. Each kind is one thing a person would name ("connect veth-b to br0"), not a command, and
// lives in its own module (kinds/, registered in registry.ts); this module is what the rest of
// the panel imports.
import { kindOf, type Operation } from './registry';

export * from './fields';
export { OPERATION_KINDS, ZOperation, type Operation, type OperationKind, type OperationOf } from './registry';

export type BridgeVlanSetting = Extract<Operation, { kind: 'setBridgeVlans' }>['vlans'][number];

/** The interface names an operation reads or writes (for management-path and dependency checks). */
export function interfacesOf(op: Operation): string[] {
  return kindOf(op).interfaces(op);
}

/** One line a person reads in the draft list and the history ("connect veth-b to br0"). */
export function describeOperation(op: Operation): string {
  return kindOf(op).describe(op);
}
