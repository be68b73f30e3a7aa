// Runs once when the panel's server starts (Next.js instrumentation hook). It settles applies
// a killed panel left behind: their runner kept going on the host, and recovery reads its
// journal once the dead panel's host lock has expired (server/changes/recovery.ts).
export async function register() {
  if (process.env.NEXT_RUNTIME !== 'nodejs' || process.env.NEXT_PHASE === 'phase-production-build') return;
  const { startRecoverySweep } = await import('@/server/changes/sweep');
  startRecoverySweep();
}
